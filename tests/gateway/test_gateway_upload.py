"""``POST /api/v1/process`` against the running gateway: streamed to S3, recorded in
PostgreSQL, queued on Redis, and every bad input refused without leaving anything behind."""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from gateway_support import (
    MAX_UPLOAD_BYTES,
    Gateway,
    MiB,
    multipart_body,
    raw_exchange,
    status_of,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import Meeting, MeetingStatus


def _objects(gateway: Gateway) -> list[str]:
    return gateway.store.list_keys("uploads/")


def _pending_multipart_uploads(gateway: Gateway) -> list[object]:
    listed = gateway.store.client.list_multipart_uploads(Bucket=gateway.store.bucket)
    return list(listed.get("Uploads", []))


async def _meeting_count(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Meeting)) or 0)


async def _meeting(db: AsyncEngine, meeting_id: str) -> Meeting:
    from scribe_core.db import create_sessionmaker

    async with create_sessionmaker(db)() as session:
        return await session.get_one(Meeting, uuid.UUID(meeting_id))


async def test_upload_is_streamed_recorded_and_queued(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    with gateway.client(user) as http, sample_call.open("rb") as audio:
        response = http.post(
            "/api/v1/process",
            files={"file": ("sample.wav", audio, "audio/wav")},
            data={"language": "en", "min_speakers": "1", "max_speakers": "3", "title": "Call"},
        )
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["status"] == "PENDING"
        assert accepted["status_url"] == f"/api/v1/status/{accepted['task_id']}"
        assert response.headers["location"] == accepted["status_url"]

        status = http.get(accepted["status_url"]).json()
        assert status["meeting_id"] == accepted["meeting_id"]
        assert status["status"] == "PENDING"
        assert status["progress"] == 0.0

    meeting = await _meeting(db, accepted["meeting_id"])
    assert meeting.status is MeetingStatus.PENDING
    assert meeting.upload_key == f"uploads/{accepted['meeting_id']}_sample.wav"
    assert meeting.size_bytes == sample_call.stat().st_size
    assert meeting.content_type == "audio/wav"
    assert meeting.title == "Call"
    assert meeting.options.language == "en"
    assert (meeting.options.min_speakers, meeting.options.max_speakers) == (1, 3)
    assert meeting.enqueued_at is not None, "the task is sent after the row is committed"
    assert gateway.store.get_bytes(meeting.upload_key) == sample_call.read_bytes()
    assert accepted["meeting_id"] in gateway.queued_meeting_ids()


async def test_large_upload_goes_through_multipart_intact(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    payload = os.urandom(12 * MiB + 7)  # three 5 MiB parts, the last one short
    with gateway.client(user) as http:
        # Trailing slash too, as in `curl -F file=@x http://host/api/v1/process/`.
        response = http.post(
            "/api/v1/process/", files={"file": ("long meeting.m4a", payload, "audio/mp4")}
        )
    assert response.status_code == 202, response.text
    meeting = await _meeting(db, response.json()["meeting_id"])
    assert meeting.upload_key.endswith("_long_meeting.m4a")
    stored = gateway.store.get_bytes(meeting.upload_key)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(payload).digest()
    assert _pending_multipart_uploads(gateway) == []


@pytest.mark.parametrize(
    ("filename", "expected_key_name", "expected_display"),
    [
        ("../../etc/passwd", "passwd", "passwd"),
        ("C:\\Users\\ada\\My call.wav", "My_call.wav", "My call.wav"),
        ("dir/sub/../x.wav", "x.wav", "x.wav"),
        ("bad\x01name\x7f\x1b[31m.wav", "badname_31m.wav", "badname[31m.wav"),
        ("réunion d'équipe.m4a", "reunion_d_equipe.m4a", "réunion d'équipe.m4a"),
        ("..", "upload", "upload"),
        (".hidden.wav", "hidden.wav", ".hidden.wav"),
    ],
)
async def test_filenames_are_stored_under_safe_keys(
    gateway: Gateway,
    user: dict[str, str],
    db: AsyncEngine,
    filename: str,
    expected_key_name: str,
    expected_display: str,
) -> None:
    boundary = uuid.uuid4().hex
    body = multipart_body(boundary, b"RIFF....WAVE", filename, "application/octet-stream")
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 202, response.text
    meeting_id = response.json()["meeting_id"]
    meeting = await _meeting(db, meeting_id)
    assert meeting.upload_key == f"uploads/{meeting_id}_{expected_key_name}"
    assert meeting.original_filename == expected_display
    assert gateway.store.size(meeting.upload_key) == len(b"RIFF....WAVE")


async def test_empty_file_is_refused_with_400(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    before, rows = _objects(gateway), await _meeting_count(db)
    with gateway.client(user) as http:
        response = http.post("/api/v1/process", files={"file": ("empty.wav", b"", "audio/wav")})
    assert response.status_code == 400
    assert response.json() == {
        "error": "BadInputError",
        "code": "bad_input",
        "detail": "the uploaded file is empty (0 bytes)",
    }
    assert _objects(gateway) == before
    assert await _meeting_count(db) == rows


@pytest.mark.parametrize(
    ("files", "data", "status", "message"),
    [
        ({"file": ("notes.txt", b"minutes of the meeting", "text/plain")}, {}, 415, "text/plain"),
        ({"file": ("slide.png", b"\x89PNG\r\n", "image/png")}, {}, 415, "image/png"),
        ({"file": ("a.wav", b"RIFF", "audio/wav")}, {"min_speakers": "3", "max_speakers": "2"},
         400, "greater than max_speakers"),
        ({"file": ("a.wav", b"RIFF", "audio/wav")}, {"num_speakers": "two"}, 400, "integer"),
        ({"file": ("a.wav", b"RIFF", "audio/wav")}, {"num_speakers": "0"}, 400, "integer"),
        ({"file": ("a.wav", b"RIFF", "audio/wav")}, {"language": "english!"}, 400, "ISO-639"),
        ({"file": ("a.wav", b"RIFF", "audio/wav")}, {"speakers": "2"}, 400, "unknown form field"),
        ({"document": ("a.wav", b"RIFF", "audio/wav")}, {}, 400, "unknown form field"),
        ({}, {"title": "no file"}, 400, "no `file` part"),
    ],
)  # fmt: skip
async def test_bad_uploads_are_refused_and_leave_nothing(
    gateway: Gateway,
    user: dict[str, str],
    db: AsyncEngine,
    files: dict[str, tuple[str, bytes, str]],
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    before, rows = _objects(gateway), await _meeting_count(db)
    with gateway.client(user) as http:
        if files:
            response = http.post("/api/v1/process", files=files, data=data)
        else:  # a multipart body without any file part
            response = http.post("/api/v1/process", files={"title": (None, "no file")})
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert _objects(gateway) == before
    assert await _meeting_count(db) == rows


def test_a_body_that_is_neither_multipart_nor_json_gets_415(
    gateway: Gateway, user: dict[str, str]
) -> None:
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process", content=b"file=meeting.wav", headers={"Content-Type": "text/plain"}
        )
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


def _head(gateway: Gateway, user: dict[str, str], boundary: str, length: str | None) -> bytes:
    size = f"Content-Length: {length}" if length else "Transfer-Encoding: chunked"
    return (
        f"POST /api/v1/process HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {user['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n{size}\r\n\r\n"
    ).encode()


async def test_body_over_the_limit_is_refused_before_it_is_read(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    before, rows = _objects(gateway), await _meeting_count(db)
    boundary = uuid.uuid4().hex
    # Declared too large: the answer comes before a single body byte is sent.
    head = _head(gateway, user, boundary, str(MAX_UPLOAD_BYTES + 1))
    response = raw_exchange(gateway.url, head, [])
    assert status_of(response) == 413
    assert b"PayloadTooLargeError" in response

    # Chunked, no declared length: refused as soon as the limit is passed, parts aborted.
    opening = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    block = os.urandom(MiB)
    chunks = [b"%x\r\n%s\r\n" % (len(opening), opening)]
    chunks += [b"%x\r\n%s\r\n" % (len(block), block)] * (MAX_UPLOAD_BYTES // MiB + 4)
    response = raw_exchange(gateway.url, _head(gateway, user, boundary, None), chunks)
    assert status_of(response) == 413

    assert _objects(gateway) == before
    assert _pending_multipart_uploads(gateway) == []
    assert await _meeting_count(db) == rows


async def test_interrupted_upload_leaves_no_row_and_no_object(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    before, rows = _objects(gateway), await _meeting_count(db)
    boundary = uuid.uuid4().hex
    body = multipart_body(boundary, os.urandom(12 * MiB), "cut.wav")
    parts = urlsplit(gateway.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(_head(gateway, user, boundary, str(len(body))))
        sock.sendall(body[: 8 * MiB])
        # Go away only once the first 5 MiB part sits in S3, half-way through the upload.
        deadline = time.monotonic() + 20
        while not _pending_multipart_uploads(gateway) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _pending_multipart_uploads(gateway), "the upload never reached S3"

    deadline = time.monotonic() + 20
    while _pending_multipart_uploads(gateway) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pending_multipart_uploads(gateway) == []
    assert _objects(gateway) == before
    assert await _meeting_count(db) == rows
