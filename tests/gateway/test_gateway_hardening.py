"""Checks before work, bounded bodies, validation that echoes nothing, no 5xx from input, safe
names, exports no stored text can break, and an audio endpoint that never serves HTML.

Against the real gateway (uvicorn, PostgreSQL, Redis stream, SeaweedFS S3); the body-size
tests talk raw HTTP over a socket and count the bytes the server took before it answered. Two
more gateways share the session's servers: ``strict`` (S3, a 3 s body read timeout, a 1 MiB
enrolment limit) and ``embedded`` (the embedded default's SQLite file and local store).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import select
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import redis
import srt
import webvtt
from gateway_support import (
    JWT_SECRET,
    MAX_UPLOAD_BYTES,
    PART_SIZE,
    Gateway,
    MiB,
    ThreadedServer,
    multipart_body,
    reference_document,
)
from sqlalchemy import func, update
from sqlalchemy import select as sql_select
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus, Person, create_sessionmaker
from scribe_core.domain import FusionDocument
from scribe_core.exporters import subtitle_cues
from scribe_core.settings import (
    AuthSettings,
    DatabaseSettings,
    GatewaySettings,
    QueueSettings,
    StorageSettings,
    VoiceBankSettings,
)
from scribe_core.storage import ObjectStore, S3Store, results_prefix
from scribe_core.testing import SeaweedS3, redis_server_url
from scribe_gateway.app import create_app
from scribe_gateway.platform import Platform

HUNDRED_MB = 100 * 1000 * 1000
BOUNDED_PREFIX = MiB
"""Most body bytes a refused request may get the server to take (socket buffers included)."""
READ_TIMEOUT = 3.0
INJECTION = "\n\n99\n00:00:05,000 --> 00:00:09,000\nInjected cue"


# -- raw HTTP ------------------------------------------------------------------------------


@dataclass
class Exchange:
    """What a raw client sent and got back."""

    accepted: int
    """Body bytes the server's side took (its socket buffers and reads) before the answer."""
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool
    """Whether the server closed the connection after its answer."""

    def json(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


def _push(url: str, head: bytes, body: Iterable[bytes], *, stall: float = 3.0) -> Exchange:
    """Send ``head``, then ``body`` for as long as the server takes it, and read the answer.

    The socket's send buffer is kept small, so ``accepted`` is what the server side took,
    within a few hundred KiB. Sending stops when the server answers, resets, or takes nothing
    for ``stall`` seconds (it stopped reading).
    """
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
    sock.settimeout(30)
    sock.connect((parts.hostname, parts.port))
    accepted = 0
    with sock:
        sock.sendall(head)
        sock.setblocking(False)
        chunks = iter(body)
        pending = next(chunks, b"")
        last = time.monotonic()
        while pending and time.monotonic() - last < stall:
            readable, writable, _ = select.select([sock], [sock], [], 0.1)
            if readable:
                break  # the server answered before the body ended
            if not writable:
                continue
            try:
                sent = sock.send(pending)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            accepted += sent
            last = time.monotonic()
            pending = pending[sent:] or next(chunks, b"")
        sock.setblocking(True)
        sock.settimeout(30)
        raw, closed = b"", False
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                raw += data
                if _whole_answer(raw):
                    sock.settimeout(5)  # the answer is whole: does the server close?
        except ConnectionResetError:
            closed = True
        except TimeoutError:
            closed = False
    head_bytes, _, answer = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return Exchange(accepted, int(lines[0].split(" ")[1]), headers, answer, closed)


def _whole_answer(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _head(path: str, content_type: str, length: int | None, auth: str | None = None) -> bytes:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    authorization = f"Authorization: {auth}\r\n" if auth else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{authorization}"
        f"Content-Type: {content_type}\r\n{size}\r\n\r\n"
    ).encode()


def _zeros(total: int, *, chunked: bool = False, opening: bytes = b"") -> Iterator[bytes]:
    """``opening`` then zeros up to ``total`` bytes, in 64 KiB pieces (chunk-framed when
    ``chunked``)."""
    block = b"0" * (64 * 1024)
    pieces = [opening] if opening else []
    sent = len(opening)
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    while sent < total:
        piece = block[: total - sent]
        sent += len(piece)
        yield b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece


def _file_opening(boundary: str, name: str = "file", filename: str = "big.wav") -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()


# -- more gateways -------------------------------------------------------------------------


@dataclass
class Server:
    """A gateway of this module and its store."""

    url: str
    store: ObjectStore

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=headers or {}, timeout=30)

    def new_user(self) -> dict[str, str]:
        email, password = f"h-{uuid.uuid4().hex[:10]}@example.org", secrets.token_urlsafe(12)
        with self.client() as http:
            created = http.post(
                "/api/v1/auth/register", json={"email": email, "password": password}
            )
            assert created.status_code == 201, created.text
            token = http.post(
                "/api/v1/auth/token", data={"username": email, "password": password}
            ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}


@contextmanager
def _serve(platform: Platform, queue_name: str) -> Iterator[ThreadedServer]:
    """The gateway of ``platform`` served in a thread; its Redis stream removed afterwards."""
    client = redis.Redis.from_url(redis_server_url())
    try:
        with ThreadedServer(create_app(platform)) as server:
            yield server
    finally:
        client.delete(queue_name)
        client.close()


@pytest.fixture(scope="module")
def strict(weed: SeaweedS3, gateway_database_url: str, gateway: Gateway) -> Iterator[Server]:
    """The gateway on the same PostgreSQL and S3, with a 3 s body read timeout and a 1 MiB
    enrolment limit (``gateway`` first: it migrates the database)."""
    queue_name = f"scribe-test:{uuid.uuid4().hex[:8]}"
    platform = Platform.from_settings(
        gateway=GatewaySettings(
            MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES, BODY_READ_TIMEOUT_SECONDS=READ_TIMEOUT
        ),
        auth=AuthSettings(JWT_SECRET=JWT_SECRET, ACCESS_TOKEN_EXPIRE_MINUTES=5),
        storage=weed.storage_settings().model_copy(update={"part_size": PART_SIZE}),
        database=DatabaseSettings(DATABASE_URL=gateway_database_url),
        queue=QueueSettings(REDIS_URL=redis_server_url(), TASKIQ_QUEUE=queue_name),
        voice_bank=VoiceBankSettings(ENROLMENT_MAX_BYTES=MiB, QDRANT_PATH=":memory:"),
    )
    with _serve(platform, queue_name) as server:
        yield Server(server.url, platform.store)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The embedded default's SQLite file and local store (queue on Redis, no worker)."""
    root = tmp_path_factory.mktemp("embedded-gateway")
    queue_name = f"scribe-test:{uuid.uuid4().hex[:8]}"
    platform = Platform.from_settings(
        gateway=GatewaySettings(BODY_READ_TIMEOUT_SECONDS=READ_TIMEOUT),
        auth=AuthSettings(JWT_SECRET=JWT_SECRET),
        storage=StorageSettings(STORAGE_DIR=str(root / "storage")),
        database=DatabaseSettings(DATABASE_URL=f"sqlite+aiosqlite:///{root / 'scribe.db'}"),
        queue=QueueSettings(REDIS_URL=redis_server_url(), TASKIQ_QUEUE=queue_name),
        voice_bank=VoiceBankSettings(QDRANT_PATH=":memory:"),
    )
    with _serve(platform, queue_name) as server:
        yield Server(server.url, platform.store)


# -- checks before work --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "chunked"),
    [
        ("/api/v1/speakers", False),
        ("/api/v1/speakers", True),
        (f"/api/v1/speakers/{uuid.uuid4()}/samples", False),
        ("/api/v1/process", True),
    ],
)
def test_unauthenticated_100_mb_upload_is_refused_before_its_body_is_read(
    gateway: Gateway, path: str, chunked: bool
) -> None:
    before = gateway.store.list_keys("")
    boundary = uuid.uuid4().hex
    content_type = f"multipart/form-data; boundary={boundary}"
    body = _zeros(HUNDRED_MB, chunked=chunked, opening=_file_opening(boundary))
    answer = _push(gateway.url, _head(path, content_type, None if chunked else HUNDRED_MB), body)
    assert answer.accepted < BOUNDED_PREFIX, f"the server took {answer.accepted} bytes"
    assert answer.status == 401, answer.body
    assert answer.headers.get("connection") == "close"
    assert answer.closed, "the connection is closed, not drained"
    assert answer.json()["code"] == "not_authenticated"
    assert gateway.store.list_keys("") == before


def test_declared_oversized_upload_is_refused_before_a_byte_is_sent(
    gateway: Gateway, user: dict[str, str]
) -> None:
    head = _head(
        "/api/v1/process", "multipart/form-data; boundary=x", MAX_UPLOAD_BYTES + 1,
        user["Authorization"],
    )  # fmt: skip
    answer = _push(gateway.url, head, _zeros(HUNDRED_MB))
    assert answer.status == 413
    assert answer.json()["code"] == "payload_too_large"
    assert answer.accepted < BOUNDED_PREFIX
    assert answer.closed


@pytest.mark.parametrize(
    ("path", "content_type", "limit"),
    [
        ("/api/v1/auth/register", "application/json", 4096),
        ("/api/v1/auth/token", "application/x-www-form-urlencoded", 4096),
        ("/api/v1/process", "application/json", 64 * 1024),  # not multipart: a JSON route
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_100_mb_json_is_refused_with_413_without_being_parsed(
    gateway: Gateway, user: dict[str, str], path: str, content_type: str, limit: int,
    chunked: bool,
) -> None:  # fmt: skip
    opening = b'{"email": "a@example.org", "password": "' if "json" in content_type else b"a="
    head = _head(path, content_type, None if chunked else HUNDRED_MB, user["Authorization"])
    answer = _push(gateway.url, head, _zeros(HUNDRED_MB, chunked=chunked, opening=opening))
    assert answer.status == 413, answer.body
    assert answer.json() == {
        "error": "PayloadTooLargeError",
        "code": "payload_too_large",
        "detail": answer.json()["detail"],
    }
    assert str(limit) in str(answer.json()["detail"])
    assert answer.accepted < BOUNDED_PREFIX
    assert answer.closed


def test_small_routes_take_a_few_kib_and_others_their_limit(
    gateway: Gateway, user: dict[str, str]
) -> None:
    with gateway.client(user) as http:
        rename = http.patch(
            f"/api/v1/meetings/{uuid.uuid4()}/speakers/SPEAKER_00", json={"name": "x" * 5000}
        )
        assert rename.status_code == 413
        assert rename.json()["code"] == "payload_too_large"
        fine = http.patch(
            f"/api/v1/meetings/{uuid.uuid4()}/speakers/SPEAKER_00", json={"name": "Ada"}
        )
        assert fine.status_code == 404  # within the limit: the route ran


# -- validation never echoes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "Tr0ub4dor&3-horse-battery"},
        {"email": "ada@example.org", "password": "s3cr3t!"},  # too short
        {"email": "ada@example.org", "password": "Tr0ub4dor&3" * 12},  # too long
        {"email": "ada@example.org", "password": ["Tr0ub4dor&3-horse-battery"]},
        '{"email": "ada@example.org", "password": "Tr0ub4dor&3-horse-battery"',  # not JSON
    ],
)
def test_a_422_lists_fields_but_never_the_submitted_values(
    gateway: Gateway, body: dict[str, object] | str
) -> None:
    with gateway.client() as http:
        if isinstance(body, str):
            response = http.post(
                "/api/v1/auth/register", content=body,
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
        else:
            response = http.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    for secret in ("Tr0ub4dor", "s3cr3t", "not-an-email"):
        assert secret not in response.text
    answer = response.json()
    assert (answer["error"], answer["code"]) == ("ValidationError", "invalid_request")
    assert answer["detail"].startswith("the request is invalid: ")
    assert answer["fields"], answer
    for field in answer["fields"]:
        assert set(field) == {"loc", "msg", "type"}
        assert field["loc"][0] == "body"


# -- no 5xx from input ---------------------------------------------------------------------


@pytest.mark.parametrize("count", ["²", "٣", "３", "1e3", "0x10", "-1", "65", "1234"])
async def test_speaker_counts_must_be_ascii_integers(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, count: str
) -> None:
    rows, before = await _count(db, Meeting), gateway.store.list_keys("uploads/")
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process",
            files={"file": ("a.wav", b"RIFF....WAVE", "audio/wav")},
            data={"num_speakers": count},
        )
    assert response.status_code == 400, response.text
    assert "num_speakers must be an integer from 1 to 64" in response.json()["detail"]
    assert await _count(db, Meeting) == rows
    assert gateway.store.list_keys("uploads/") == before


@pytest.mark.parametrize(
    "params",
    [
        {"offset": "9223372036854775808"},
        {"offset": str(10**40)},
        {"offset": "1000001"},
        {"offset": "-1"},
        {"offset": "²"},
        {"limit": "9223372036854775808"},
        {"limit": "0"},
    ],
)
def test_pagination_out_of_range_is_422(
    gateway: Gateway, user: dict[str, str], params: dict[str, str]
) -> None:
    with gateway.client(user) as http:
        response = http.get("/api/v1/meetings", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"


@pytest.mark.parametrize("task_id", ["%00abc", "x" * 300, "%F0%9F%98%80", "a%0Ab"])
def test_a_task_id_that_cannot_exist_is_404_not_a_database_error(
    gateway: Gateway, user: dict[str, str], task_id: str
) -> None:
    with gateway.client(user) as http:
        response = http.get(f"/api/v1/status/{task_id}")
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_the_largest_offset_is_a_page(gateway: Gateway, user: dict[str, str]) -> None:
    with gateway.client(user) as http:
        response = http.get("/api/v1/meetings", params={"offset": "1000000"})
    assert response.status_code == 200
    assert response.json()["items"] == []


# -- names ---------------------------------------------------------------------------------


async def _complete(
    db: AsyncEngine, store: ObjectStore, meeting_id: str, data: dict[str, object]
) -> None:
    """Store ``data`` as the meeting's fusion document, written straight to the store (as old
    data or a hand-edited file would be), and mark the meeting COMPLETED."""
    document = FusionDocument.from_dict(data)
    async with create_sessionmaker(db)() as session:
        meeting = await session.get_one(Meeting, uuid.UUID(meeting_id))
        key = results_prefix(meeting.id, meeting.created_at) + "fusion.json"
        store.put_bytes(key, json.dumps(data).encode(), "application/json")
        await session.execute(
            update(Meeting).where(Meeting.id == meeting.id).values(
                status=MeetingStatus.COMPLETED, stage="done", progress=1.0,
                result_keys={"fusion.json": key}, duration_seconds=document.duration,
            )
        )  # fmt: skip
        session.add_all(
            MeetingSpeaker(meeting_id=meeting.id, label=s.label) for s in document.speakers
        )
        await session.commit()


def _hostile_document(stm: Path) -> dict[str, object]:
    """The sample call's reference, SPEAKER_00 named with a forged cue and controls."""
    data = reference_document(stm).to_dict()
    evil = f"Eve{INJECTION}\r\n\x1b[2J\u202eLIVE"
    for speaker in data["speakers"]:
        if speaker["label"] == "SPEAKER_00":
            speaker["name"] = evil
    for segment in data["segments"]:
        if segment["speaker_label"] == "SPEAKER_00":
            segment["speaker"] = evil
    data["segments"][1]["text"] += INJECTION
    return data


@pytest.fixture
async def hostile(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> tuple[str, dict[str, object]]:
    """A completed meeting of ``user`` whose stored fusion document has a line break (and a
    forged cue) in a speaker name and in a text."""
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process", files={"file": ("call.wav", sample_call.read_bytes(), "audio/wav")}
        )
    assert response.status_code == 202, response.text
    meeting_id = response.json()["meeting_id"]
    data = _hostile_document(sample_call.with_suffix(".stm"))
    await _complete(db, gateway.store, meeting_id, data)
    return meeting_id, data


def test_exports_of_stored_text_with_line_breaks_stay_valid(
    gateway: Gateway, user: dict[str, str], hostile: tuple[str, dict[str, object]]
) -> None:
    meeting_id, data = hostile
    cues = subtitle_cues(FusionDocument.from_dict(data))
    with gateway.client(user) as http:
        texts = {
            fmt: http.get(f"/api/v1/meetings/{meeting_id}/transcript", params={"format": fmt})
            for fmt in ("srt", "vtt", "txt", "rttm")
        }
    assert all(r.status_code == 200 for r in texts.values())

    parsed = list(srt.parse(texts["srt"].text))
    assert len(parsed) == len(cues)
    assert [p.index for p in parsed] == list(range(1, len(cues) + 1))
    assert not any(p.content == "Injected cue" for p in parsed)
    assert all(p.content.startswith(("Eve 99 ", "SPEAKER_01: ")) for p in parsed)

    vtt = texts["vtt"].text
    assert vtt.splitlines()[0] == "WEBVTT"
    captions = webvtt.from_buffer(io.StringIO(vtt)).captions
    assert len(captions) == len(cues)
    assert {c.voice for c in captions} == {
        "Eve 99 00:00:05,000 --&gt; 00:00:09,000 Injected cue [2JLIVE", "SPEAKER_01"
    }  # fmt: skip

    assert len(texts["txt"].text.splitlines()) == len(data["segments"])  # type: ignore[arg-type]
    assert all(len(line.split(" ")) == 10 for line in texts["rttm"].text.splitlines())


@pytest.mark.parametrize("name", ["Eve\nMallory", "Eve\r", "\u202eEve", "Eve\x00", "Eve\u2028X"])
def test_a_rename_with_a_control_character_is_refused(
    gateway: Gateway, user: dict[str, str], hostile: tuple[str, dict[str, object]], name: str
) -> None:
    meeting_id, _ = hostile
    with gateway.client(user) as http:
        response = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_01", json={"name": name}
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_name"
        enrol = http.post(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_01/enroll", json={"name": name}
        )
        assert enrol.status_code == 400
        assert enrol.json()["code"] == "invalid_name"
        speakers = http.get(f"/api/v1/meetings/{meeting_id}").json()["speakers"]
    assert {s["label"]: s["display_name"] for s in speakers}["SPEAKER_01"] is None
    with gateway.client(user) as http:  # a clean name still works, trimmed and collapsed
        renamed = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_01", json={"name": "  Ada   L. "}
        )
    assert renamed.status_code == 200
    assert {s["label"]: s["display_name"] for s in renamed.json()["speakers"]}[
        "SPEAKER_01"
    ] == "Ada L."


async def test_an_upload_title_with_a_control_character_is_refused(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    rows, before = await _count(db, Meeting), gateway.store.list_keys("uploads/")
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process",
            files={"file": ("a.wav", b"RIFF....WAVE", "audio/wav")},
            data={"title": "Weekly\rsync\u202e"},
        )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_name"
    assert await _count(db, Meeting) == rows
    assert gateway.store.list_keys("uploads/") == before


async def test_an_enrolment_name_with_a_line_break_is_refused_and_leaves_nothing(
    strict: Server, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    audio = sample_call.read_bytes()[: 64 * 1024]
    people, before = await _count(db, Person), strict.store.list_keys("voicebank/")
    with strict.client(user) as http:
        for files in (  # the name before the files (checked first), and after them
            [("name", (None, "Eve\nMallory")), ("file", ("a.wav", audio, "audio/wav"))],
            [("file", ("a.wav", audio, "audio/wav")), ("name", (None, "Eve\nMallory"))],
        ):
            response = http.post("/api/v1/speakers", files=files)
            assert response.status_code == 400, response.text
            assert response.json()["code"] == "invalid_name"
    assert await _count(db, Person) == people
    assert strict.store.list_keys("voicebank/") == before


# -- enrolment limits ----------------------------------------------------------------------


async def test_enrolment_limits_per_file_and_per_request(
    strict: Server, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    audio = sample_call.read_bytes()[: 64 * 1024]
    people, before = await _count(db, Person), strict.store.list_keys("voicebank/")
    with strict.client(user) as http:
        too_big = http.post(
            "/api/v1/speakers",
            data={"name": "Big"},
            files=[("file", ("a.wav", audio, "audio/wav")),
                   ("file", ("b.wav", os.urandom(MiB + 1), "audio/wav"))],
        )  # fmt: skip
        assert too_big.status_code == 413, too_big.text
        assert "b.wav is larger than the limit of 1048576 bytes" in too_big.json()["detail"]
        too_many = http.post(
            "/api/v1/speakers",
            data={"name": "Many"},
            files=[("file", (f"{i}.wav", audio, "audio/wav")) for i in range(11)],
        )
        assert too_many.status_code == 400
        assert "at most 10 `file` parts" in too_many.json()["detail"]
        html = http.post(
            "/api/v1/speakers",
            data={"name": "Page"},
            files=[("file", ("a.wav", audio, "audio/wav")),
                   ("file", ("x.html", b"<html></html>", "text/html"))],
        )  # fmt: skip
        assert html.status_code == 415
    assert await _count(db, Person) == people
    assert strict.store.list_keys("voicebank/") == before


# -- a body that stops arriving ------------------------------------------------------------


def _pending_uploads(store: ObjectStore) -> list[object]:
    assert isinstance(store, S3Store)
    return list(store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []))


async def test_a_stalled_upload_gets_408_and_leaves_nothing(
    strict: Server, user: dict[str, str], db: AsyncEngine
) -> None:
    rows, before = await _count(db, Meeting), strict.store.list_keys("uploads/")
    boundary = uuid.uuid4().hex
    body = multipart_body(boundary, os.urandom(12 * MiB), "stalled.wav")
    head = _head(
        "/api/v1/process", f"multipart/form-data; boundary={boundary}", len(body),
        user["Authorization"],
    )  # fmt: skip
    parts = urlsplit(strict.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head + body[: 7 * MiB])
        # Stall once the first 5 MiB part sits in S3, half-way through the upload.
        deadline = time.monotonic() + 20
        while not _pending_uploads(strict.store) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _pending_uploads(strict.store), "the upload never reached S3"
        raw = b""
        while b"\r\n\r\n" not in raw:  # the server answers on its own, then closes
            data = sock.recv(65536)
            if not data:
                break
            raw += data
    assert raw.startswith(b"HTTP/1.1 408 "), raw
    assert b'"code":"request_timeout"' in raw.replace(b" ", b"")
    assert b"connection: close" in raw.lower()
    deadline = time.monotonic() + 20
    while _pending_uploads(strict.store) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pending_uploads(strict.store) == []
    assert strict.store.list_keys("uploads/") == before
    assert await _count(db, Meeting) == rows


@pytest.mark.parametrize("sent", [b"", b'{"email": "a@'])
def test_a_stalled_json_body_gets_408(strict: Server, sent: bytes) -> None:
    head = _head("/api/v1/auth/register", "application/json", 100)
    parts = urlsplit(strict.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head + sent)
        raw = sock.recv(65536)
    assert raw.startswith(b"HTTP/1.1 408 "), raw
    assert b"request_timeout" in raw


# -- the recording endpoint ----------------------------------------------------------------

HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def _upload(server: Server | Gateway, headers: dict[str, str], data: bytes, declared: str) -> str:
    with server.client(headers) as http:
        response = http.post("/api/v1/process", files={"file": ("page.wav", data, declared)})
    assert response.status_code == 202, response.text
    return str(response.json()["meeting_id"])


async def test_audio_never_serves_a_declared_html_type(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    html_id = _upload(gateway, user, HTML, "audio/wav, text/html")
    wav_id = _upload(gateway, user, sample_call.read_bytes(), "audio/wav")
    old_id = _upload(gateway, user, HTML, "audio/wav")
    async with db.begin() as conn:  # a row written before uploads were checked
        await conn.execute(
            update(Meeting).where(Meeting.id == uuid.UUID(old_id)).values(content_type="text/html")
        )
    with gateway.client(user) as http:
        assert http.get(f"/api/v1/meetings/{html_id}").json()["content_type"] == (
            "application/octet-stream"
        )
        served = {}
        for name, meeting_id in (("html", html_id), ("wav", wav_id), ("old", old_id)):
            redirect = http.get(f"/api/v1/meetings/{meeting_id}/audio")
            assert redirect.status_code == 307
            assert redirect.headers["x-content-type-options"] == "nosniff"
            served[name] = httpx.get(redirect.headers["location"], timeout=30)
    for name in ("html", "old"):
        assert served[name].status_code == 200
        assert served[name].headers["content-type"] == "application/octet-stream"
        assert served[name].headers["content-disposition"].startswith("attachment;")
        assert served[name].content == HTML
    assert served["wav"].headers["content-type"] == "audio/wav"
    assert served["wav"].headers["content-disposition"].startswith("inline;")


def test_audio_of_the_embedded_store_never_serves_html(embedded: Server) -> None:
    owner = embedded.new_user()
    html_id = _upload(embedded, owner, HTML, "audio/wav, text/html")
    wav_id = _upload(embedded, owner, b"RIFF....WAVEfmt ", "audio/x-wav")
    with embedded.client(owner) as http:
        html = http.get(f"/api/v1/meetings/{html_id}/audio")
        wav = http.get(f"/api/v1/meetings/{wav_id}/audio")
    assert html.status_code == 200
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["x-content-type-options"] == "nosniff"
    assert html.headers["content-disposition"].startswith("attachment;")
    assert html.content == HTML
    assert wav.headers["content-type"] == "audio/x-wav"
    assert wav.headers["x-content-type-options"] == "nosniff"
    assert wav.headers["content-disposition"].startswith("inline;")


async def _count(db: AsyncEngine, model: type[Meeting] | type[Person]) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(sql_select(func.count()).select_from(model)) or 0)
