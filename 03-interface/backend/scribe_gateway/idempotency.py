"""``Idempotency-Key``: a retried ``POST`` gets the first answer instead of starting a second job.

Follows the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header) and Stripe's behaviour:

- the same key from the same user within 24 hours returns the first answer (status and JSON
  body, plus ``Idempotent-Replayed: true``) and starts nothing;
- the key reused for another request (another route, another JSON body or other form fields)
  is refused with 422 ``idempotency_key_reused``;
- a retry while the first request is still running gets 409 ``idempotency_request_in_progress``;
- a request that fails (any error) forgets the key, so the client may retry with it.

Concurrency: a record is INSERTED (and committed) before the request runs; the unique
constraint on (``owner_id``, ``key``) lets exactly one of two concurrent requests through.
Records live in the database (both the PostgreSQL and the embedded SQLite setups); expired
ones are deleted lazily when the same user sends the next key. A record left "in progress" by
a gateway that died is treated as abandoned after :data:`ABANDONED_AFTER`.

Multipart uploads are streamed, never buffered, so their file bytes are not part of the
fingerprint (only the method, the path and the fields named by the route).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Annotated, TypeVar

import anyio
from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from scribe_core.db import utcnow
from scribe_core.db.models import IdempotencyRecord
from scribe_core.errors import BadInputError, ScribeError
from scribe_gateway.platform import Platform

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
"""How long a first answer is kept and replayed."""
ABANDONED_AFTER = timedelta(hours=1)
"""A record still in progress this long after it was made belongs to a request that died."""
MAX_JSON_BODY = 1024 * 1024
"""JSON bodies up to this many bytes are part of the fingerprint."""
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=255,
        description="Any unique string (a UUID is best), up to 255 visible ASCII characters. "
        "The same key from the same user within 24 h returns the first answer "
        "(`Idempotent-Replayed: true`) and starts nothing new.",
    ),
]

Answer = TypeVar("Answer", bound=BaseModel)


class IdempotencyKeyReusedError(ScribeError):
    """The ``Idempotency-Key`` was already used for a different request (HTTP 422)."""

    status_code = 422
    code = "idempotency_key_reused"


class IdempotencyInProgressError(ScribeError):
    """The first request with this ``Idempotency-Key`` is still running (HTTP 409)."""

    status_code = 409
    code = "idempotency_request_in_progress"


async def fingerprint(request: Request, fields: Mapping[str, object] | None = None) -> str:
    """Hex SHA-256 identifying a request: method, path, the JSON body (canonical: keys
    sorted) when it is JSON and at most :data:`MAX_JSON_BODY` bytes, and ``fields``."""
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length", "")
    if content_type == "application/json" and length.isdigit() and int(length) <= MAX_JSON_BODY:
        body = await request.body()  # cached by Starlette for the route's own parsing
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass
        digest.update(body)
    if fields:
        digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _answer(
    status_code: int, body: object, location: str | None, *, replayed: bool
) -> JSONResponse:
    headers = {"Location": location} if location else {}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return JSONResponse(body, status_code=status_code, headers=headers)


async def run_once(
    platform: Platform,
    request: Request,
    owner_id: uuid.UUID,
    key: str | None,
    handler: Callable[[], Awaitable[Answer]],
    *,
    status_code: int,
    location: Callable[[Answer], str | None] = lambda _: None,
    fields: Mapping[str, object] | None = None,
) -> JSONResponse:
    """Run ``handler`` once per (``owner_id``, ``key``) within 24 h and answer with its result.

    Args:
        platform: For its session factory (records are committed in sessions of their own,
            apart from the request's).
        request: The request (its method, path and JSON body make the fingerprint).
        owner_id: The caller.
        key: The ``Idempotency-Key`` header, or ``None`` to just run ``handler``.
        handler: Does the work and returns the answer's model (it commits its own session).
        status_code: The route's success status.
        location: The ``Location`` header to send with the answer, if any.
        fields: Parsed form fields that belong to the fingerprint (multipart routes).

    Returns:
        The JSON answer: the handler's, or the stored first one (``Idempotent-Replayed``).

    Raises:
        BadInputError: A key that is empty, too long or not visible ASCII (400).
        IdempotencyKeyReusedError: The key was used for another request (422).
        IdempotencyInProgressError: The first request with the key is still running (409).
        ScribeError: Whatever ``handler`` raises (the key is then forgotten).
    """
    if key is None:
        answer = await handler()
        return _answer(status_code, answer.model_dump(mode="json"), location(answer),
                       replayed=False)  # fmt: skip
    if not _VALID_KEY.match(key):
        raise BadInputError(f"{HEADER} must be 1 to 255 visible ASCII characters")
    print_ = await fingerprint(request, fields)
    record_id, replay = await _claim(platform, owner_id, key, print_)
    if replay is not None:
        return replay
    try:
        answer = await handler()
    except BaseException:
        with anyio.CancelScope(shield=True):
            async with platform.sessions() as session:
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
                )
                await session.commit()
        raise
    body = answer.model_dump(mode="json")
    where = location(answer)
    with anyio.CancelScope(shield=True):
        async with platform.sessions() as session:
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == record_id)
                .values(status_code=status_code, response_body=body, location=where)
            )
            await session.commit()
    return _answer(status_code, body, where, replayed=False)


async def _claim(
    platform: Platform, owner_id: uuid.UUID, key: str, print_: str
) -> tuple[uuid.UUID, JSONResponse | None]:
    """Insert the in-progress record, or find the first request's.

    Returns:
        The new record's id and ``None``, or (the old id, the first answer to replay).
    """
    now = utcnow()
    async with platform.sessions() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.owner_id == owner_id,
                or_(
                    IdempotencyRecord.created_at < now - TTL,
                    and_(
                        IdempotencyRecord.status_code.is_(None),
                        IdempotencyRecord.created_at < now - ABANDONED_AFTER,
                    ),
                ),
            )
        )
        record = IdempotencyRecord(owner_id=owner_id, key=key, fingerprint=print_, created_at=now)
        session.add(record)
        try:
            await session.commit()
            return record.id, None
        except IntegrityError:
            await session.rollback()
        first = await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.owner_id == owner_id, IdempotencyRecord.key == key
            )
        )
    if first is not None and first.fingerprint != print_:
        raise IdempotencyKeyReusedError(
            f"this {HEADER} was already used for a different request; use a new key"
        )
    if first is None or first.status_code is None:
        raise IdempotencyInProgressError(
            f"a request with this {HEADER} is still running; retry in a moment"
        )
    return first.id, _answer(first.status_code, first.response_body, first.location,
                             replayed=True)  # fmt: skip
