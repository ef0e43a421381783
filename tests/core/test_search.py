"""Full-text search (:mod:`scribe_core.search`) on a real PostgreSQL server and on the
embedded SQLite file, both migrated to head.

The meetings are real reference transcripts: the ten FLEURS French sentences and the
multilingual French sentence (``fr``), the pyannote sample call (``en``, NIST STM) and the
FLEURS English sentences. They are indexed as the worker does when a meeting completes, then
searched: stemming (French plural → singular, irregular plurals, English inflections),
ranking, owner and status isolation, edits, deletion (the SQLite FTS5 rows too), hostile
queries and HTML in the stored text.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from scribe_core import search
from scribe_core.db import (
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    User,
    create_sessionmaker,
)
from scribe_core.db.models import MeetingSegment
from scribe_core.domain import FusionDocument, SpeakerIdentity, Utterance, Word
from scribe_core.errors import BadInputError
from scribe_core.revisions import revision_key
from scribe_core.storage import LocalStore, results_prefix

HOSTILE_QUERIES = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(tigre lion, 2)",
    "'); drop table meetings; --",
    "tigre OR",
    "OR",
    "-",
    "-tigre",
    "tigre AND NOT lion",
    "{french} : tigre",
    "rugissement*",
    "^tigre",
    "a:b",
    "\x00tigre",
    "<script>alert(1)</script>",
    "x" * 200,
    "é" * 200,
    ('tigre "' * 40)[:200],
    " ",
    "?!.,;:()[]{}",
]


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


def _utterance(index: int, text_: str, label: str, start: float) -> Utterance:
    tokens = text_.split()
    step = 5.0 / len(tokens)
    words = tuple(
        Word(f" {w}", start + k * step, start + (k + 1) * step, 1.0) for k, w in enumerate(tokens)
    )
    return Utterance(start, start + 5.0, text_, label, label, words)


def _document(texts: list[str], language: str, labels: tuple[str, ...]) -> FusionDocument:
    """Utterances of ``texts`` said in turn by ``labels``, 6 s apart."""
    utterances = tuple(
        _utterance(i, t, labels[i % len(labels)], i * 6.0) for i, t in enumerate(texts)
    )
    return FusionDocument(
        segments=utterances,
        speakers=tuple(SpeakerIdentity(label) for label in sorted(set(labels))),
        language=language,
        duration=len(texts) * 6.0,
    )


def french_document(eval_dir: Path) -> FusionDocument:
    """FLEURS fr 000…009 then the multilingual French sentence (index 10), two speakers."""
    texts = [
        (eval_dir / "fleurs" / f"fleurs-fr-{i:03d}.txt").read_text().strip() for i in range(10)
    ]
    rows = (eval_dir / "multilingual" / "reference_transcripts.tsv").read_text().splitlines()
    texts.append(next(r.split("\t")[3] for r in rows if r.startswith("test_fr.wav")))
    return _document(texts, "fr", ("SPEAKER_00", "SPEAKER_01"))


def call_document(eval_dir: Path) -> FusionDocument:
    """The sample call (Diane and Sheila), one utterance per STM line, then FLEURS en 000…009."""
    lines = (eval_dir / "sample-call" / "sample.stm").read_text().splitlines()
    utterances = []
    labels = {"Diane": "SPEAKER_00", "Sheila": "SPEAKER_01"}
    for line in lines:
        _, _, who, start, _, *words = line.split()
        utterances.append(_utterance(0, " ".join(words), labels[who], float(start)))
    for i in range(10):
        fleurs = (eval_dir / "fleurs" / f"fleurs-en-{i:03d}.txt").read_text().strip()
        utterances.append(_utterance(0, fleurs, "SPEAKER_00", 40.0 + i * 6))
    return FusionDocument(
        segments=tuple(utterances),
        speakers=(SpeakerIdentity("SPEAKER_00", "Diane"), SpeakerIdentity("SPEAKER_01")),
        language="en",
        duration=100.0,
    )


async def _user(sessions: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    async with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex[:10]}@example.org", hashed_password="x")
        session.add(user)
        await session.commit()
        return user.id


async def _meeting(
    sessions: async_sessionmaker[AsyncSession],
    owner_id: uuid.UUID,
    document: FusionDocument,
    *,
    title: str = "Point hebdomadaire",
    status: MeetingStatus = MeetingStatus.COMPLETED,
    index: bool = True,
) -> Meeting:
    """A meeting of ``owner_id`` with ``document``'s speakers, indexed as the worker does."""
    async with sessions() as session:
        meeting_id = uuid.uuid4()
        meeting = Meeting(
            id=meeting_id,
            owner_id=owner_id,
            title=title,
            original_filename="call.wav",
            content_type="audio/wav",
            size_bytes=1000,
            task_id=uuid.uuid4().hex,
            upload_key=f"uploads/{meeting_id}_call.wav",
            status=status,
            language=document.language,
        )
        session.add(meeting)
        session.add_all(
            MeetingSpeaker(meeting_id=meeting_id, label=s.label, display_name=s.name)
            for s in document.speakers
        )
        await session.flush()
        if index:
            await search.index_meeting(session, meeting, document)
        await session.commit()
        return meeting


async def _search(
    sessions: async_sessionmaker[AsyncSession], owner_id: uuid.UUID, query: str, limit: int = 50
) -> list[search.SearchHit]:
    async with sessions() as session:
        return await search.search(session, owner_id, query, limit)


async def _fts_rows(session: AsyncSession) -> int | None:
    """Rows of SQLite's FTS5 table (``None`` on PostgreSQL)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return int(await session.scalar(text(f"SELECT count(*) FROM {search.FTS_TABLE}")) or 0)


def _plain(snippet: str) -> str:
    """The snippet's text: marks removed, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def _marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


# -- tests ---------------------------------------------------------------------------------


async def test_french_words_find_their_other_forms(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = french_document(eval_dir)
    meeting = await _meeting(sessions, owner, document)

    cases = {
        "accidents": (0, "accident"),  # plural finds the singular ("l'accident")
        "athlète": (1, "athlètes"),  # singular finds the plural
        "changement": (1, "changements"),
        "forêt": (10, "forêts"),
        "généraux": (10, "général"),  # irregular plural -aux → -al
        "cristal": (8, "cristaux"),
        "rugissements": (3, "rugissement"),
    }
    for query, (index, word) in cases.items():
        hits = await _search(sessions, owner, query)
        assert [h.segment_index for h in hits] == [index], query
        hit = hits[0]
        assert hit.meeting_id == meeting.id
        assert hit.title == "Point hebdomadaire"
        assert hit.start == pytest.approx(document.segments[index].start)
        assert hit.speaker == document.segments[index].speaker
        assert word in _marked(hit.snippet), (query, hit.snippet)
        original = document.segments[index].text
        if len(original) <= search.WHOLE_SNIPPET_CHARS:
            assert _plain(hit.snippet) == original
        else:  # cut around the match
            assert all(p.strip() in original for p in _plain(hit.snippet).split("…"))

    # "états-unis" (hyphenated) and "l'état" (elided article) are both found.
    assert {h.segment_index for h in await _search(sessions, owner, "états")} == {1, 9}


async def test_english_inflections_match(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = call_document(eval_dir)
    await _meeting(sessions, owner, document, title="Sample call")
    texts = [u.text for u in document.segments]

    for query, expected in {
        "differences": "Well, there isn't that much difference.",
        "beeps": "Okay, then I thought you know, I heard a beep.",
        "infections": texts[18],
        "dinosaur": texts[17],
    }.items():
        hits = await _search(sessions, owner, query)
        assert [texts[h.segment_index] for h in hits] == [expected], query
    hits = await _search(sessions, owner, "hearing")  # "hear"; the stem of "heard" differs
    assert [texts[h.segment_index] for h in hits] == ["Oh, I don't hear that in New Jersey now."]
    # The identified speaker's name is shown, the unnamed one's label.
    beep = (await _search(sessions, owner, "beep"))[0]
    assert beep.speaker == "Diane"
    texas = (await _search(sessions, owner, "texas"))[0]
    assert texas.speaker == "SPEAKER_01"


async def test_ranking_phrases_or_and_exclusion(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = call_document(eval_dir)
    await _meeting(sessions, owner, document, title="Sample call")
    texts = [u.text for u in document.segments]

    # The utterance with both words ranks above the one with one of them.
    hits = await _search(sessions, owner, "chicago or texas")
    assert [texts[h.segment_index] for h in hits] == [
        "And I'm Sheila in Texas, originally from Chicago.",
        "Oh, I'm originally from Chicago also.",
    ]
    assert _marked(hits[0].snippet) == ["Texas", "Chicago"]

    # Words are AND-ed; a quoted phrase needs them adjacent; -word excludes.
    jersey = {texts[h.segment_index] for h in await _search(sessions, owner, '"new jersey"')}
    assert jersey == {
        "This is Diane in New Jersey.",
        "I'm in New Jersey now though.",
        "Oh, I don't hear that in New Jersey now.",
    }
    both = [texts[h.segment_index] for h in await _search(sessions, owner, "jersey diane")]
    assert both == ["This is Diane in New Jersey."]
    excluded = await _search(sessions, owner, "jersey -hear")
    assert {texts[h.segment_index] for h in excluded} == jersey - {
        "Oh, I don't hear that in New Jersey now."
    }
    assert await _search(sessions, owner, '"jersey new"') == []

    # The limit keeps the best.
    assert len(await _search(sessions, owner, "jersey", limit=2)) == 2


async def test_only_the_owners_completed_meetings_are_searched(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner, other = await _user(sessions), await _user(sessions)
    document = french_document(eval_dir)
    mine = await _meeting(sessions, owner, document)
    theirs = await _meeting(sessions, other, document, title="Leur réunion")
    # Rows of a meeting that is not COMPLETED (e.g. being processed again) are not shown.
    processing = await _meeting(sessions, owner, document, status=MeetingStatus.PROCESSING)

    hits = await _search(sessions, owner, "tigre")
    assert [(h.meeting_id, h.segment_index) for h in hits] == [(mine.id, 3)]
    assert [h.meeting_id for h in await _search(sessions, other, "tigre")] == [theirs.id]
    assert await _search(sessions, uuid.uuid4(), "tigre") == []
    assert processing.id not in {h.meeting_id for h in await _search(sessions, owner, "lion")}


async def test_edits_are_reindexed_and_renames_shown(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = french_document(eval_dir)
    meeting = await _meeting(sessions, owner, document)
    assert [h.segment_index for h in await _search(sessions, owner, "tigre")] == [3]

    # An edit of utterance 3: "tigre" corrected to "jaguar"; utterance 4 removed.
    edited_text = document.segments[3].text.replace("tigre", "jaguar")
    segments = list(document.segments)
    segments[3] = replace(segments[3], text=edited_text)
    del segments[4]
    edited = replace(document, segments=tuple(segments))
    async with sessions() as session:
        await search.index_meeting(session, meeting, edited)
        await session.commit()

    assert await _search(sessions, owner, "tigre") == []
    hits = await _search(sessions, owner, "jaguars")
    assert [h.segment_index for h in hits] == [3]
    assert _marked(hits[0].snippet) == ["jaguar"]
    assert [h.segment_index for h in await _search(sessions, owner, "rugissement")] == [3]
    assert await _search(sessions, owner, "mashhad") == []  # the removed utterance
    # Utterance 5 is now the 4th: indexes follow the edited document.
    assert [h.segment_index for h in await _search(sessions, owner, "fisichella")] == [4]
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(MeetingSegment.meeting_id == meeting.id)
        )
        assert count == len(edited.segments)
        assert await _fts_rows(session) in (None, len(edited.segments))

    # A speaker renamed after indexing is shown with the new name.
    async with sessions() as session:
        await session.execute(
            update(MeetingSpeaker)
            .where(MeetingSpeaker.meeting_id == meeting.id, MeetingSpeaker.label == "SPEAKER_01")
            .values(display_name="Claire")
        )
        await session.commit()
    assert (await _search(sessions, owner, "jaguar"))[0].speaker == "Claire"


async def test_deleting_removes_the_rows(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = french_document(eval_dir)
    kept = await _meeting(sessions, owner, document, title="Gardée")
    deleted = await _meeting(sessions, owner, document, title="Supprimée")
    dropped = await _meeting(sessions, owner, document, title="Désindexée")
    assert len(await _search(sessions, owner, "tigre")) == 3

    async with sessions() as session:
        await session.delete(await session.get_one(Meeting, deleted.id))
        await search.drop_meeting(session, dropped.id)
        await session.commit()

    assert [h.meeting_id for h in await _search(sessions, owner, "tigre")] == [kept.id]
    async with sessions() as session:
        remaining = (await session.scalars(select(MeetingSegment.meeting_id).distinct())).all()
        assert remaining == [kept.id]
        # SQLite: the FTS5 rows went with their segment rows (trigger, cascade included).
        assert await _fts_rows(session) in (None, len(document.segments))

    # Deleting the user deletes everything (ON DELETE CASCADE down to the FTS5 rows).
    async with sessions() as session:
        await session.execute(delete(User).where(User.id == owner))
        await session.commit()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MeetingSegment)) == 0
        assert await _fts_rows(session) in (None, 0)


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
async def test_hostile_queries_never_fail(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path, query: str
) -> None:
    owner = await _user(sessions)
    await _meeting(sessions, owner, french_document(eval_dir))
    hits = await _search(sessions, owner, query)
    for hit in hits:
        assert "<" not in re.sub(r"</?mark>", "", hit.snippet)
    # Queries without a word match nothing.
    if not re.search(r"[^\W_]", query):
        assert hits == []


async def test_query_and_limit_bounds(sessions: async_sessionmaker[AsyncSession]) -> None:
    owner = await _user(sessions)
    async with sessions() as session:
        with pytest.raises(BadInputError):
            await search.search(session, owner, "x" * 201, 20)
        for limit in (0, 51):
            with pytest.raises(BadInputError):
                await search.search(session, owner, "tigre", limit)


async def test_html_in_the_stored_text_is_escaped(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    document = french_document(eval_dir)
    hostile = (
        '<script>alert("x")</script> <b>réunion</b> budget & <img src=x onerror=alert(1)> '
        "l'équipe « vœux » \ue000 fin"
    )
    edited = replace(
        document,
        segments=(*document.segments, _utterance(0, hostile, "SPEAKER_00", 80.0)),
    )
    await _meeting(sessions, owner, edited)

    for query in ("budget", "réunions", "alert", "équipes"):
        hits = await _search(sessions, owner, query)
        assert [h.segment_index for h in hits] == [11], query
        snippet = hits[0].snippet
        assert "<" not in re.sub(r"</?mark>", "", snippet), snippet
        assert "&lt;script&gt;" in snippet
        assert "&lt;b&gt;" in snippet
        assert _marked(snippet), snippet
        # The text is shown as stored, only the private-use mark character removed.
        assert _plain(snippet) == hostile.replace("\ue000", ""), snippet


async def test_long_utterances_are_cut_around_the_match(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path
) -> None:
    owner = await _user(sessions)
    fleurs = [
        (eval_dir / "fleurs" / f"fleurs-fr-{i:03d}.txt").read_text().strip() for i in range(10)
    ]
    paragraph = " ".join(fleurs)  # one long turn: every sentence, ~330 words
    await _meeting(sessions, owner, _document([paragraph], "fr", ("SPEAKER_00",)))

    hits = await _search(sessions, owner, "voitures")
    assert len(hits) == 1
    snippet = hits[0].snippet
    assert _marked(snippet) == ["voiture"]
    assert "…" in snippet
    assert len(_plain(snippet)) < len(paragraph) // 3
    for piece in _plain(snippet).split("…"):
        assert piece.strip() in paragraph


async def test_backfill_indexes_meetings_completed_before_search(
    sessions: async_sessionmaker[AsyncSession], eval_dir: Path, tmp_path: Path
) -> None:
    owner = await _user(sessions)
    store = LocalStore(tmp_path / "storage")
    store.ensure_bucket()
    document = french_document(eval_dir)
    old = await _meeting(sessions, owner, document, index=False)
    silent = await _meeting(sessions, owner, replace(document, segments=()), index=False)
    unreadable = await _meeting(sessions, owner, document, index=False)
    pending = await _meeting(sessions, owner, document, status=MeetingStatus.PENDING, index=False)
    edited = await _meeting(sessions, owner, document, index=False)
    for meeting, doc in (
        (old, document),
        (silent, replace(document, segments=())),
        (edited, document),
    ):
        key = results_prefix(meeting.id, meeting.created_at) + "fusion.json"
        store.put_bytes(key, json.dumps(doc.to_dict()).encode(), "application/json")
        async with sessions() as session:
            await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting.id)
                .values(result_keys={"fusion.json": key})
            )
            await session.commit()
    # An edited meeting is indexed from its latest edit, not from fusion.json.
    segments = list(document.segments)
    segments[3] = replace(segments[3], text=segments[3].text.replace("tigre", "jaguar"))
    revised = replace(document, segments=tuple(segments))
    async with sessions() as session:
        await session.execute(update(Meeting).where(Meeting.id == edited.id).values(revision=2))
        await session.commit()
        edited = await session.get_one(Meeting, edited.id)
    body = json.dumps(revised.to_dict()).encode()
    store.put_bytes(revision_key(edited, 2), body, "application/json")
    async with sessions() as session:  # its fusion.json is missing from the store
        await session.execute(
            update(Meeting)
            .where(Meeting.id == unreadable.id)
            .values(result_keys={"fusion.json": "processed/gone/fusion.json"})
        )
        await session.commit()
    assert await _search(sessions, owner, "tigre") == []

    assert await search.backfill(sessions, store, batch_size=2) == 3  # old, silent, edited
    hits = await _search(sessions, owner, "tigre")
    assert [(h.meeting_id, h.segment_index) for h in hits] == [(old.id, 3)]
    hits = await _search(sessions, owner, "jaguars")
    assert [(h.meeting_id, h.segment_index) for h in hits] == [(edited.id, 3)]
    async with sessions() as session:
        indexed = set((await session.scalars(select(MeetingSegment.meeting_id))).all())
    assert indexed == {old.id, edited.id}
    assert pending.id not in indexed
    # A later run reads again only those still without rows: the silent one (indexed to no
    # rows again) and the unreadable one (skipped again).
    assert await search.backfill(sessions, store) == 1
    assert len(await _search(sessions, owner, "tigre")) == 1
