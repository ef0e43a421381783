"""Full-text search over the utterances of a user's COMPLETED meetings.

Each utterance of a meeting's fusion document is one row of ``meeting_segments``
(:class:`~scribe_core.db.models.MeetingSegment`), written by :func:`index_meeting` in the
transaction that completes the meeting (the worker's ``_complete``), or that edits it, and
removed with the meeting (``ON DELETE CASCADE``; :func:`drop_meeting` removes them explicitly).
Meetings completed before the index existed are indexed by :func:`backfill`, which the worker's
sweeper runs once when it starts (``scribe_worker.jobs.meetings.run_sweeper``: the Taskiq
worker and ``scribe serve`` both run it).

The query language is PostgreSQL's ``websearch_to_tsquery`` on both databases: words are
AND-ed, ``"a quoted phrase"`` matches adjacent words, ``or`` between two terms matches either,
``-word`` excludes. Anything else (``*``, ``NEAR(``, quotes left open, SQL) is plain text,
never syntax; a query without a word matches nothing.

- PostgreSQL: ``search_vector`` is ``to_tsvector(search_config, text)`` (Snowball stemmers and
  stop words of ``french`` and ``english``; ``simple`` for other languages) under a GIN index;
  a row matches ``websearch_to_tsquery(search_config, query)``, ranked by ``ts_rank_cd``, the
  snippet is ``ts_headline``.
- SQLite (``scribe serve``): FTS5 has no French stemmer, so each utterance is indexed as a
  copy stemmed in Python by the same Snowball algorithms (the ``snowballstemmer`` package), in
  the FTS5 column named after its configuration; the query is stemmed the same way, ranked by
  ``bm25``, and the snippet built here from the original text. There are no stop words, and a
  ``-word`` inside an ``or`` group is ignored (FTS5's ``NOT`` needs something to subtract from).

PostgreSQL's parser reads markup as markup: tags are not words, and the text between
``<script>``/``<style>`` tags is not indexed (a transcript holds none unless someone types it).

Snippets are HTML-safe on both: every character of the stored text is escaped and only the
``<mark>…</mark>`` around matched words is markup.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, cast

import anyio.to_thread
import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus
from scribe_core.db.models import MeetingSegment
from scribe_core.domain import FusionDocument
from scribe_core.errors import BadInputError, ScribeError
from scribe_core.revisions import current_key, read_document
from scribe_core.storage import ObjectStore

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS: Final = 200
"""Longest query accepted (characters)."""
MAX_LIMIT: Final = 50
"""Most hits one search returns."""
LANGUAGE_CONFIGS: Final = {"fr": "french", "en": "english"}
"""Text search configuration (and Snowball stemmer) of each stemmed language."""
DEFAULT_CONFIG: Final = "simple"
"""Configuration of every other language: lower-cased, accent-folded words, no stemming."""
CONFIGS: Final = ("french", "english", "simple")
"""Every configuration a row can have (also the FTS5 columns on SQLite)."""
FTS_TABLE: Final = "meeting_segments_fts"
"""The FTS5 table of SQLite (see the ``c2f6d8b0e3a5`` migration)."""
WHOLE_SNIPPET_CHARS: Final = 200
"""An utterance this short is its own snippet; a longer one is cut around the matches."""
SNIPPET_WORDS: Final = 30
"""Words of a cut snippet (SQLite; PostgreSQL shows up to two fragments of this many)."""
SNIPPET_CONTEXT_WORDS: Final = 8
"""Words kept before the first match in a cut snippet (SQLite)."""
BACKFILL_BATCH: Final = 20
"""Meetings indexed per transaction by :func:`backfill`."""

_MARK_START: Final = "\ue000"
"""Private-use characters ts_headline puts around a match, turned into ``<mark>`` after the
snippet is escaped (they are removed from indexed text, so they only ever come from here)."""
_MARK_STOP: Final = "\ue001"
_WORD = re.compile(r"[^\W_]+")
"""A word: letters and digits (what FTS5's ``unicode61`` tokenizer keeps)."""
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
"""A term of a websearch query: an optionally negated quoted phrase, or a bare chunk."""
_PG_HEADLINE_WHOLE: Final = f'StartSel="{_MARK_START}", StopSel="{_MARK_STOP}", HighlightAll=true'
_FRAGMENT_DELIMITER: Final = " … "
_PG_HEADLINE_CUT: Final = (
    f'StartSel="{_MARK_START}", StopSel="{_MARK_STOP}", MaxFragments=2, '
    f'MaxWords={SNIPPET_WORDS}, MinWords=10, FragmentDelimiter="{_FRAGMENT_DELIMITER}"'
)


@dataclass(frozen=True)
class SearchHit:
    """One utterance that matches a query.

    Attributes:
        meeting_id: The meeting.
        title: The meeting's title.
        segment_index: Position of the utterance in the meeting's transcript (from 0).
        start: Start time of the utterance in seconds.
        speaker: The speaker's current display name (name, else speaker label).
        snippet: HTML: the utterance (or the part around the matches) escaped, matched words
            wrapped in ``<mark>…</mark>``.
    """

    meeting_id: uuid.UUID
    title: str
    segment_index: int
    start: float
    speaker: str
    snippet: str


def search_config(language: str | None) -> str:
    """The text search configuration of a transcript language.

    Args:
        language: ISO-639-1 code (``fr``, ``en-US`` …) or ``None``.

    Returns:
        ``french`` for French, ``english`` for English, ``simple`` otherwise.
    """
    primary = re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]
    return LANGUAGE_CONFIGS.get(primary, DEFAULT_CONFIG)


def fold(word: str) -> str:
    """``word`` lower-cased without accents (``Réunion`` → ``reunion``)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Stemmer:
    """Words → index terms of one configuration: the Snowball stem of the lower-cased word
    for ``french``/``english`` (accents kept: the algorithms use them), the folded word for
    ``simple``. Not thread-safe (Snowball stemmers keep state): one per thread."""

    def __init__(self, config: str) -> None:
        self._snowball = None if config == DEFAULT_CONFIG else snowballstemmer.stemmer(config)

    def stem(self, word: str) -> str:
        """The index term of one word."""
        word = unicodedata.normalize("NFC", word.lower())
        return fold(word) if self._snowball is None else str(self._snowball.stemWord(word))

    def stems(self, text: str) -> list[str]:
        """The index terms of the words of ``text`` (:data:`_WORD`), in order."""
        return [self.stem(w) for w in _WORD.findall(text)]


def _clean(text: str) -> str:
    """``text`` NFC-normalised, without NUL (refused by PostgreSQL) nor the mark characters."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\x00", "").replace(_MARK_START, "").replace(_MARK_STOP, "")


# -- indexing ------------------------------------------------------------------------------


async def index_meeting(session: AsyncSession, meeting: Meeting, document: FusionDocument) -> None:
    """Replace the search rows of ``meeting`` by one row per utterance of ``document``.

    Runs in the caller's transaction (no commit): call it where the meeting is completed or
    its transcript edited. Utterances without a word are left out. On SQLite the stemmed
    copies go to the FTS5 table too (stemmed in a thread: a long meeting has tens of
    thousands of words).

    Args:
        session: The caller's session.
        meeting: The meeting (its ``id`` and ``owner_id`` are used).
        document: Its current fusion document; ``document.language`` picks the configuration.
    """
    await drop_meeting(session, meeting.id)
    config = search_config(document.language or meeting.language)
    language = (document.language or meeting.language or "")[:16] or None
    speakers = document.display_names()
    rows: list[dict[str, Any]] = [
        {
            "meeting_id": meeting.id,
            "owner_id": meeting.owner_id,
            "segment_index": index,
            "start": float(u.start),
            "speaker": (speakers.get(u.speaker_label) or u.speaker or u.speaker_label)[:255],
            "speaker_label": u.speaker_label[:64],
            "text": _clean(u.text),
            "language": language,
            "search_config": config,
        }
        for index, u in enumerate(document.segments)
        if _WORD.search(u.text)
    ]
    if not rows:
        return
    table_ = cast(Table, MeetingSegment.__table__)
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(insert(table_), rows)
        return
    stems = await anyio.to_thread.run_sync(
        lambda: [" ".join(s) for s in map(_Stemmer(config).stems, (r["text"] for r in rows))]
    )
    ids = (
        await session.scalars(
            insert(table_).returning(table_.c.id, sort_by_parameter_order=True), rows
        )
    ).all()
    await session.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, {config}) VALUES (:rowid, :stems)"),
        [{"rowid": i, "stems": s} for i, s in zip(ids, stems, strict=True)],
    )


async def drop_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> None:
    """Remove every search row of the meeting (no commit).

    Deleting the meeting does it too (``ON DELETE CASCADE``; on SQLite the trigger
    ``meeting_segments_fts_delete`` removes the FTS5 rows with their segment rows).
    """
    await session.execute(delete(MeetingSegment).where(MeetingSegment.meeting_id == meeting_id))


async def backfill(
    sessions: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    *,
    batch_size: int = BACKFILL_BATCH,
) -> int:
    """Index every COMPLETED meeting that has no search rows (those completed before the
    search index existed; the migration cannot read the object store).

    Goes through them once in id order, ``batch_size`` per transaction, reading the current
    document of each (the latest edit, else ``fusion.json``). A meeting whose document cannot
    be read is logged and skipped; one whose transcript has no word stays without rows (and is
    read again at the next start). Never raises: a failure is logged and the next start of the
    sweeper tries again.

    Args:
        sessions: Session factory (each batch is its own transaction).
        store: The object store holding the results.
        batch_size: Meetings per transaction.

    Returns:
        The number of meetings indexed.
    """
    indexed = 0
    after: uuid.UUID | None = None
    try:
        while True:
            async with sessions() as session:
                batch = await _unindexed(session, after, batch_size)
                if not batch:
                    return indexed
                for meeting in batch:
                    after = meeting.id
                    document = await _current_document(store, meeting)
                    if document is not None:
                        await index_meeting(session, meeting, document)
                        indexed += 1
                await session.commit()
    except Exception:  # noqa: BLE001 - the next start of the sweeper tries again
        logger.exception("search backfill stopped after %d meeting(s)", indexed)
    finally:
        if indexed:
            logger.info("search index: %d meeting(s) completed earlier indexed", indexed)
    return indexed


async def _unindexed(
    session: AsyncSession, after: uuid.UUID | None, limit: int
) -> Sequence[Meeting]:
    """The next COMPLETED meetings without search rows, in id order, locked (PostgreSQL: a
    concurrent backfill skips them)."""
    statement = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.COMPLETED,
            ~exists().where(MeetingSegment.meeting_id == Meeting.id),
        )
        .order_by(Meeting.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Meeting)
    )
    if after is not None:
        statement = statement.where(Meeting.id > after)
    return (await session.scalars(statement)).all()


async def _current_document(store: ObjectStore, meeting: Meeting) -> FusionDocument | None:
    """The meeting's current transcript (:func:`scribe_core.revisions.current_key`: its latest
    edit, else ``fusion.json``); ``None`` (logged) when it cannot be read."""
    key = current_key(meeting)
    if key is None:
        logger.warning("search backfill: meeting %s has no fusion document", meeting.id)
        return None
    try:
        return await read_document(store, key)
    except (ScribeError, ValueError, KeyError, TypeError) as exc:
        logger.warning("search backfill: meeting %s not indexed: %r", meeting.id, exc)
        return None


# -- searching -----------------------------------------------------------------------------


async def search(
    session: AsyncSession, owner_id: uuid.UUID, query: str, limit: int
) -> list[SearchHit]:
    """The utterances of ``owner_id``'s COMPLETED meetings that match ``query``, best first.

    Args:
        session: A session.
        owner_id: The caller: only their meetings are searched.
        query: Websearch syntax (see the module docstring), at most
            :data:`MAX_QUERY_CHARS` characters; never a syntax error.
        limit: Most hits returned, 1 to :data:`MAX_LIMIT`.

    Returns:
        Hits ranked by relevance (``ts_rank_cd`` on PostgreSQL, ``bm25`` on SQLite), ties by
        newest meeting then position; empty when the query has no word (punctuation only,
        or only stop words on PostgreSQL).

    Raises:
        BadInputError: ``query`` is longer than :data:`MAX_QUERY_CHARS` or ``limit`` is out of
            range.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise BadInputError(f"the query has more than {MAX_QUERY_CHARS} characters")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"limit must be between 1 and {MAX_LIMIT}")
    query = _clean(query)
    if not _WORD.search(query):
        return []
    if session.get_bind().dialect.name == "sqlite":
        return await _search_sqlite(session, owner_id, query, limit)
    return await _search_postgresql(session, owner_id, query, limit)


def _visible(owner_id: uuid.UUID) -> ColumnElement[bool]:
    """Rows of ``owner_id``'s COMPLETED meetings (the joined ``meetings`` row decides)."""
    return and_(
        MeetingSegment.owner_id == owner_id,
        Meeting.owner_id == owner_id,
        Meeting.status == MeetingStatus.COMPLETED,
    )


def _speaker_name() -> ColumnElement[str]:
    """The speaker's current display name: a rename after indexing is read from
    ``meeting_speakers``; the indexed name when the speaker has no row there."""
    return case(
        (MeetingSpeaker.id.is_(None), MeetingSegment.speaker),
        else_=func.coalesce(MeetingSpeaker.display_name, MeetingSpeaker.label),
    )


def _hit_columns() -> tuple[Any, ...]:
    return (
        MeetingSegment.meeting_id,
        Meeting.title,
        MeetingSegment.segment_index,
        MeetingSegment.start,
        _speaker_name().label("speaker"),
    )


def _with_meeting_and_speaker(statement: Any) -> Any:
    return statement.join(Meeting, Meeting.id == MeetingSegment.meeting_id).outerjoin(
        MeetingSpeaker,
        and_(
            MeetingSpeaker.meeting_id == MeetingSegment.meeting_id,
            MeetingSpeaker.label == MeetingSegment.speaker_label,
        ),
    )


async def _search_postgresql(
    session: AsyncSession, owner_id: uuid.UUID, query: str, limit: int
) -> list[SearchHit]:
    # One condition per configuration, each with a constant regconfig, so the GIN index
    # serves them; the rank and the headline use the row's own configuration.
    matches = or_(
        *(
            and_(
                MeetingSegment.search_config == literal_column(f"'{config}'::regconfig"),
                MeetingSegment.search_vector.op("@@")(
                    func.websearch_to_tsquery(literal_column(f"'{config}'::regconfig"), query)
                ),
            )
            for config in CONFIGS
        )
    )
    tsquery = func.websearch_to_tsquery(MeetingSegment.search_config, query)
    rank = func.ts_rank_cd(MeetingSegment.search_vector, tsquery)
    top = (
        select(MeetingSegment.id, rank.label("rank"), Meeting.created_at)
        .join(Meeting, Meeting.id == MeetingSegment.meeting_id)
        .where(_visible(owner_id), matches)
        .order_by(rank.desc(), Meeting.created_at.desc(), MeetingSegment.segment_index)
        .limit(limit)
        .subquery()
    )
    # ts_headline (the costly part) runs on the ``limit`` best rows only. Its input is the
    # text escaped for HTML, so that tags in it stay text instead of being dropped as tags.
    escaped = func.replace(
        func.replace(func.replace(MeetingSegment.text, "&", "&amp;"), "<", "&lt;"), ">", "&gt;"
    )
    headline = case(
        (
            func.char_length(MeetingSegment.text) <= WHOLE_SNIPPET_CHARS,
            func.ts_headline(MeetingSegment.search_config, escaped, tsquery, _PG_HEADLINE_WHOLE),
        ),
        else_=func.ts_headline(MeetingSegment.search_config, escaped, tsquery, _PG_HEADLINE_CUT),
    )
    statement = _with_meeting_and_speaker(
        select(*_hit_columns(), MeetingSegment.text, headline.label("headline"))
        .select_from(MeetingSegment)
        .join(top, top.c.id == MeetingSegment.id)
    ).order_by(top.c.rank.desc(), top.c.created_at.desc(), MeetingSegment.segment_index)
    rows = (await session.execute(statement)).all()
    return [_hit(row, _headline_html(row.headline, row.text)) for row in rows]


def _headline_html(headline: str, original: str) -> str:
    """A ts_headline result as safe HTML: decoded (its input was escaped), escaped again
    whatever it holds, marks turned into ``<mark>``, and ``…`` where the utterance was cut."""
    headline = html.unescape(headline).strip()
    plain = headline.replace(_MARK_START, "").replace(_MARK_STOP, "")
    first = plain.split(_FRAGMENT_DELIMITER, 1)[0].strip()
    last = plain.rsplit(_FRAGMENT_DELIMITER, 1)[-1].strip()
    body = html.escape(headline).replace(_MARK_START, "<mark>").replace(_MARK_STOP, "</mark>")
    lead = "" if original.lstrip().startswith(first) else "… "
    tail = "" if original.rstrip().endswith(last) else " …"
    return lead + body + tail


def _hit(row: Any, snippet: str) -> SearchHit:
    return SearchHit(
        meeting_id=row.meeting_id,
        title=row.title,
        segment_index=row.segment_index,
        start=row.start,
        speaker=row.speaker,
        snippet=snippet,
    )


# -- SQLite: FTS5 over stems ---------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """A word or quoted phrase of a query (its words as typed), maybe negated."""

    words: tuple[str, ...]
    negated: bool = False


def parse_query(query: str) -> list[list[_Term]]:
    """Parse websearch syntax into an AND of OR-groups of terms (``websearch_to_tsquery``'s
    grammar: ``or`` binds tighter than the implicit AND).

    ``a "b c" or -d e`` → ``[[a], [phrase(b, c), not d], [e]]``. A bare chunk with several
    words (``l'accident``, ``états-unis``) is a phrase of them; chunks without a word are
    dropped, and so is an ``or`` without a term on both sides.
    """
    groups: list[list[_Term]] = []
    join_next = False
    for match in _CHUNK.finditer(query):
        quoted_minus, phrase, bare_minus, bare = match.groups()
        if phrase is None and bare.lower() == "or" and not bare_minus:
            join_next = bool(groups)
            continue
        words = tuple(_WORD.findall(phrase if phrase is not None else bare))
        if not words:
            continue
        term = _Term(words, negated=bool(quoted_minus if phrase is not None else bare_minus))
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return groups


def _fts5_expression(groups: list[list[_Term]], stemmer: _Stemmer) -> str | None:
    """The FTS5 expression of one configuration's column, every word a quoted stem (never user
    syntax); ``None`` when nothing positive is left to match."""

    def phrase(term: _Term) -> str:
        return '"' + " ".join(stemmer.stem(w) for w in term.words) + '"'

    positive: list[str] = []
    negative: list[str] = []
    for group in groups:
        if len(group) == 1 and group[0].negated:
            negative.append(phrase(group[0]))
            continue
        alternatives = [phrase(t) for t in group if not t.negated]
        if alternatives:
            positive.append("(" + " OR ".join(alternatives) + ")")
    if not positive:
        return None
    return "(" + " AND ".join(positive) + ")" + "".join(f" NOT {n}" for n in negative)


def _highlighted_stems(groups: list[list[_Term]], stemmer: _Stemmer) -> frozenset[str]:
    return frozenset(
        fold(stemmer.stem(w)) for g in groups for t in g if not t.negated for w in t.words
    )


async def _search_sqlite(
    session: AsyncSession, owner_id: uuid.UUID, query: str, limit: int
) -> list[SearchHit]:
    groups = parse_query(query)
    stemmers = {config: _Stemmer(config) for config in CONFIGS}
    per_column = [
        f"{{{config}}} : ({expression})"
        for config in CONFIGS
        if (expression := _fts5_expression(groups, stemmers[config])) is not None
    ]
    if not per_column:
        return []
    fts = table(FTS_TABLE)
    bm25: ColumnElement[Any] = literal_column(f"bm25({FTS_TABLE})")
    statement = _with_meeting_and_speaker(
        select(
            *_hit_columns(),
            MeetingSegment.text,
            MeetingSegment.search_config,
        )
        .select_from(MeetingSegment)
        .join(fts, literal_column(f"{FTS_TABLE}.rowid") == MeetingSegment.id)
    )
    statement = (
        statement.where(
            text(f"{FTS_TABLE} MATCH :match").bindparams(match=" OR ".join(per_column)),
            _visible(owner_id),
        )
        .order_by(bm25, Meeting.created_at.desc(), MeetingSegment.segment_index)
        .limit(limit)
    )
    rows = (await session.execute(statement)).all()
    terms = {config: _highlighted_stems(groups, stemmers[config]) for config in CONFIGS}
    return [
        _hit(
            row,
            snippet(
                row.text, partial(_matches, stemmers[row.search_config], terms[row.search_config])
            ),
        )
        for row in rows
    ]


def _matches(stemmer: _Stemmer, terms: frozenset[str], word: str) -> bool:
    return fold(stemmer.stem(word)) in terms


def snippet(
    text_: str,
    is_match: Callable[[str], bool],
    *,
    whole_chars: int = WHOLE_SNIPPET_CHARS,
    words: int = SNIPPET_WORDS,
    context: int = SNIPPET_CONTEXT_WORDS,
) -> str:
    """HTML snippet of ``text_``: the matched words in ``<mark>``, everything else escaped.

    Args:
        text_: The original utterance text.
        is_match: ``word → bool``: whether a word of ``text_`` matches the query.
        whole_chars: A text this short (characters) is shown whole.
        words: Otherwise, how many words are shown (``…`` marks a cut).
        context: Words shown before the first match.

    Returns:
        The snippet (HTML).
    """
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text_)]
    first, last = 0, len(spans)
    if len(text_) > whole_chars and spans:
        hit = next((i for i, (a, b) in enumerate(spans) if is_match(text_[a:b])), 0)
        first = max(0, min(hit - context, len(spans) - words))
        last = min(len(spans), first + words)
    begin = spans[first][0] if first > 0 else 0
    end = spans[last - 1][1] if last < len(spans) else len(text_)
    parts = ["… "] if begin > 0 else []
    cursor = begin
    for a, b in spans[first:last]:
        if is_match(text_[a:b]):
            parts += [html.escape(text_[cursor:a]), "<mark>", html.escape(text_[a:b]), "</mark>"]
            cursor = b
    parts.append(html.escape(text_[cursor:end]))
    if end < len(text_):
        parts.append(" …")
    return "".join(parts)
