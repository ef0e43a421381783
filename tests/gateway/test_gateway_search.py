"""``GET /api/v1/search`` against the running gateway (PostgreSQL, Redis, SeaweedFS S3) and the
embedded default (SQLite, local store).

The pipeline does not run here: an uploaded meeting is completed and indexed as the worker
does (:func:`scribe_core.search.index_meeting` in the transaction that marks it COMPLETED),
with a fusion document made of the ten FLEURS French reference sentences said in turn by two
speakers. Then the API is asked: French plural → singular, the JSON shape, the ``<mark>``
snippet, another user's view, bad parameters, hostile queries, the scope of an API key and
deletion through the API.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from embedded_gateway import embedded_gateway
from gateway_support import Gateway
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core import search
from scribe_core.db import (
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    create_engine,
    create_sessionmaker,
)
from scribe_core.db.models import MeetingSegment
from scribe_core.domain import FusionDocument, SpeakerIdentity, Utterance

A, B = "SPEAKER_00", "SPEAKER_01"
HOSTILE_QUERIES = ['"', "*", "NEAR(", "'); drop table meetings; --", "x" * 200, "OR", "-"]


def _french_document(eval_dir: Path) -> FusionDocument:
    """The FLEURS French sentences as utterances, 6.5 s apart, ``A`` and ``B`` in turn."""
    utterances = []
    for i in range(10):
        text_ = (eval_dir / "fleurs" / f"fleurs-fr-{i:03d}.txt").read_text().strip()
        label = A if i % 2 == 0 else B
        utterances.append(Utterance(i * 6.5, i * 6.5 + 6.0, text_, label, label))
    return FusionDocument(
        segments=tuple(utterances),
        speakers=(SpeakerIdentity(A, "Claire"), SpeakerIdentity(B)),
        language="fr",
        duration=65.0,
    )


def _upload(http: httpx.Client, audio: Path, title: str) -> uuid.UUID:
    with audio.open("rb") as file:
        response = http.post(
            "/api/v1/process",
            files={"file": ("reunion.wav", file, "audio/wav")},
            data={"title": title},
        )
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["meeting_id"])


async def _complete(engine: AsyncEngine, meeting_id: uuid.UUID, document: FusionDocument) -> None:
    """Mark the meeting COMPLETED with ``document``'s speakers and index it, as the worker's
    ``_complete`` does (one transaction)."""
    async with create_sessionmaker(engine)() as session:
        meeting = await session.get_one(Meeting, meeting_id)
        meeting.status = MeetingStatus.COMPLETED
        meeting.stage, meeting.progress = "done", 1.0
        meeting.language = document.language
        session.add_all(
            MeetingSpeaker(meeting_id=meeting_id, label=s.label, display_name=s.name)
            for s in document.speakers
        )
        await search.index_meeting(session, meeting, document)
        await session.commit()


def _search(http: httpx.Client, q: str, **params: str | int) -> httpx.Response:
    return http.get("/api/v1/search", params={"q": q, **params})


def _check_search_api(
    http: httpx.Client, other: httpx.Client, meeting_id: uuid.UUID, document: FusionDocument
) -> None:
    """What both deployments must answer for the meeting ``meeting_id`` of ``http``'s user."""
    response = _search(http, "voitures")  # "sa voiture" in sentence 5
    assert response.status_code == 200, response.text
    assert response.json() == {
        "results": [
            {
                "meeting_id": str(meeting_id),
                "title": "Réunion « sport »",
                "segment_index": 5,
                "start": pytest.approx(document.segments[5].start),
                "speaker": "SPEAKER_01",
                "snippet": "giancarlo fisichella a perdu le contrôle de sa <mark>voiture</mark> "
                "et a terminé la course peu après le démarrage",
            }
        ]
    }
    # Ranked: the utterance with both words first; the limit keeps the best.
    hits = _search(http, "accident or incendie or ligne").json()["results"]
    assert [h["segment_index"] for h in hits][0] == 0
    assert {h["segment_index"] for h in hits} == {0, 4, 9}
    assert re.findall(r"<mark>(.*?)</mark>", hits[0]["snippet"]) == ["accident", "incendie"]
    assert hits[0]["speaker"] == "Claire"
    athletes = _search(http, "athlète or ligne").json()["results"]
    assert {h["segment_index"] for h in athletes} == {1, 4, 9}
    assert len(_search(http, "athlète or ligne", limit=2).json()["results"]) == 2

    # Another user sees nothing of it.
    assert _search(other, "voiture").json() == {"results": []}

    # Bad parameters are 422 with the field named, never a 500.
    bad_params: list[dict[str, str | int]] = [
        {}, {"q": ""}, {"q": "x" * 201}, {"q": "tigre", "limit": 0}, {"q": "tigre", "limit": 51},
        {"q": "tigre", "limit": "many"},
    ]  # fmt: skip
    for params in bad_params:
        bad = http.get("/api/v1/search", params=params)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.json()["code"] == "invalid_request"
    for query in HOSTILE_QUERIES:
        hostile = _search(http, query)
        assert hostile.status_code == 200, (query, hostile.text)
        for hit in hostile.json()["results"]:
            assert "<" not in re.sub(r"</?mark>", "", hit["snippet"])
    assert _search(http, '"').json() == {"results": []}


async def test_search_on_postgresql(
    gateway: Gateway, db: AsyncEngine, sample_call: Path, eval_dir: Path
) -> None:
    # Users of their own: the exact results below must not meet other tests' meetings.
    user, other_user = gateway.new_user(), gateway.new_user()
    document = _french_document(eval_dir)
    with gateway.client(user) as http, gateway.client(other_user) as other:
        meeting_id = _upload(http, sample_call, "Réunion « sport »")
        await _complete(db, meeting_id, document)
        _check_search_api(http, other, meeting_id, document)

        # Without credentials: 401; an API key needs the meetings:read scope.
        with gateway.client() as anonymous:
            assert _search(anonymous, "voiture").status_code == 401
        for scopes, expected in ((["speakers:read"], 403), (["meetings:read"], 200)):
            key = http.post("/api/v1/api-keys", json={"name": "search", "scopes": scopes})
            assert key.status_code == 201, key.text
            with gateway.client({"X-API-Key": key.json()["key"]}) as scripted:
                assert _search(scripted, "voiture").status_code == expected

        # Deleting the meeting through the API removes its rows.
        assert http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 204
        assert _search(http, "voiture").json() == {"results": []}
    async with create_sessionmaker(db)() as session:
        count = select(func.count()).where(MeetingSegment.meeting_id == meeting_id)
        assert await session.scalar(count) == 0


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The embedded gateway alone (SQLite, local store; tasks recorded, not run) and its
    data folder."""
    data_dir = tmp_path_factory.mktemp("search-volumes")
    with embedded_gateway(data_dir, worker=False) as url:
        yield url, data_dir


@contextmanager
def _embedded_user(url: str) -> Iterator[httpx.Client]:
    """A client signed in as a newly registered user of the embedded gateway."""
    with httpx.Client(base_url=url, timeout=60) as http:
        email, password = f"search-{uuid.uuid4().hex[:8]}@example.org", "search-password"
        registered = http.post("/api/v1/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        token = http.post("/api/v1/auth/token", data={"username": email, "password": password})
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield http


async def test_search_on_the_embedded_sqlite_default(
    embedded: tuple[str, Path], sample_call: Path, eval_dir: Path
) -> None:
    url, data_dir = embedded
    document = _french_document(eval_dir)
    engine = create_engine(f"sqlite:///{data_dir / 'scribe.db'}")
    try:
        with _embedded_user(url) as http, _embedded_user(url) as other:
            meeting_id = _upload(http, sample_call, "Réunion « sport »")
            await _complete(engine, meeting_id, document)
            _check_search_api(http, other, meeting_id, document)

            assert http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 204
            assert _search(http, "voiture").json() == {"results": []}
        async with engine.connect() as conn:  # the FTS5 rows went with the meeting
            assert await conn.scalar(text(f"SELECT count(*) FROM {search.FTS_TABLE}")) == 0
            assert await conn.scalar(select(func.count()).select_from(MeetingSegment)) == 0
    finally:
        await engine.dispose()
