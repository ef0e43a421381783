"""``GET /api/v1/search``: full-text search over the utterances of your COMPLETED meetings
(scope ``meetings:read``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scribe_core import search
from scribe_gateway.deps import CurrentUserId, SessionDep, require_scope
from scribe_gateway.schemas import error_responses
from scribe_gateway.search.schemas import SearchResult, SearchResults

router = APIRouter(tags=["search"], dependencies=[require_scope("meetings:read")])


@router.get("/search", response_model=SearchResults, responses=error_responses(401, 403, 422))
async def search_meetings(
    user_id: CurrentUserId,
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=search.MAX_QUERY_CHARS,
            description="Words to find (French and English words match their other forms: "
            '"réunions" finds "réunion"). Web search syntax: `"exact phrase"`, `a or b`, '
            "`-excluded`; anything else is plain text. A query without a word finds nothing.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
) -> SearchResults:
    """The utterances of your COMPLETED meetings that match `q`, best first, each with an
    HTML snippet where the matched words are in `<mark>`."""
    hits = await search.search(session, user_id, q, limit)
    return SearchResults(results=[SearchResult.model_validate(h) for h in hits])
