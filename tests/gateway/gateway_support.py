"""Helpers of the gateway tests: a uvicorn server in a thread, a handle on the running
gateway, hand-built multipart bodies and a fusion document made from the sample call's
reference transcript."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis
import uvicorn

from scribe_core.domain import FusionDocument, SpeakerIdentity, Utterance, Word
from scribe_core.storage import S3Store
from scribe_core.testing import free_ports

MiB = 1024 * 1024
MAX_UPLOAD_BYTES = 16 * MiB
PART_SIZE = 5 * MiB
JWT_SECRET = secrets.token_hex(32)
"""The gateway's token key, so tests can forge expired or foreign tokens."""


class ThreadedServer:
    """uvicorn serving an ASGI app from a background thread (real sockets, real disconnects)."""

    def __init__(self, app: object) -> None:
        (self.port,) = free_ports(1)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class Gateway:
    """A running gateway and handles on the servers behind it."""

    url: str
    store: S3Store
    database_url: str
    queue_name: str
    redis: redis.Redis

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """An HTTP client for the gateway (``follow_redirects`` off)."""
        return httpx.Client(base_url=self.url, headers=headers or {}, timeout=30)

    def new_user(self) -> dict[str, str]:
        """Register a fresh user, log in, and return its ``Authorization`` header."""
        email = f"user-{uuid.uuid4().hex[:10]}@example.org"
        password = secrets.token_urlsafe(12)
        with self.client() as http:
            assert (
                http.post(
                    "/api/v1/auth/register", json={"email": email, "password": password}
                ).status_code
                == 201
            )
            token = http.post(
                "/api/v1/auth/token", data={"username": email, "password": password}
            ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def queued_meeting_ids(self) -> list[str]:
        """Meeting ids of the ``meetings.process`` messages in the gateway's Redis stream."""
        ids = []
        entries: list[tuple[bytes, dict[bytes, bytes]]] = self.redis.xrange(self.queue_name)  # type: ignore[assignment]
        for _, fields in entries:
            message = json.loads(fields[b"data"])
            assert message["task_name"] == "meetings.process"
            ids.append(message["kwargs"]["meeting_id"])
        return ids


def multipart_body(
    boundary: str, file_bytes: bytes, filename: str, content_type: str = "audio/wav",
    fields: dict[str, str] | None = None,
) -> bytes:  # fmt: skip
    """A ``multipart/form-data`` body built by hand (for raw-socket tests)."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + file_bytes
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def reference_document(stm: Path) -> FusionDocument:
    """A fusion document built from a reference transcript (NIST STM: ``uri channel speaker
    start end text``), not from a model: one utterance per line, its words spread evenly over
    the line's time span, speakers labelled ``SPEAKER_00``… in order of appearance and
    unnamed."""
    labels: dict[str, str] = {}
    utterances = []
    for line in stm.read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        label = labels.setdefault(speaker, f"SPEAKER_{len(labels):02d}")
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(text)
        )
        utterances.append(Utterance(t0, t1, " ".join(text), label, label, words))
    return FusionDocument(
        segments=tuple(utterances),
        speakers=tuple(SpeakerIdentity(label) for label in sorted(labels.values())),
        language="en",
        duration=max(u.end for u in utterances),
    )


def raw_exchange(
    url: str, head: bytes, chunks: list[bytes], *, read_response: bool = True, timeout: float = 30
) -> bytes:
    """Send ``head`` then ``chunks`` over a plain socket, stopping early if the server answers;
    return what the server sent (``b""`` when ``read_response`` is false: the socket is just
    closed, like a client that went away)."""
    import select
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server answered before the body ended
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        if not read_response:
            return b""
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)
            if not data:
                break
            received += data
        return received


def status_of(raw: bytes) -> int:
    """The status code of a raw HTTP response."""
    return int(raw.split(b" ", 2)[1])
