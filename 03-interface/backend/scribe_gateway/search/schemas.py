"""API models of ``GET /api/v1/search``."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class SearchResult(BaseModel):
    """One utterance that matches the query."""

    model_config = ConfigDict(from_attributes=True)

    meeting_id: uuid.UUID
    title: str = Field(description="The meeting's title.")
    segment_index: int = Field(
        description="Position of the utterance in the meeting's transcript `segments` (from 0)."
    )
    start: float = Field(description="Start time of the utterance in seconds.")
    speaker: str = Field(description="The speaker's display name (name, else speaker label).")
    snippet: str = Field(
        description="HTML: the utterance, or the part around the matches, with every character "
        "escaped and the matched words in `<mark>…</mark>`; safe to render as is.",
        examples=["… nous sommes d'accord sur la <mark>réunion</mark> de lundi …"],
    )


class SearchResults(BaseModel):
    """Answer of ``GET /api/v1/search``: the best matches first."""

    results: list[SearchResult]
