"""``GET /health`` (the process answers) and ``GET /ready`` (its dependencies answer).

``/ready`` checks the database (``SELECT 1``), the broker (Redis ``PING``) and the object store
(``HeadBucket``) concurrently, each within ``READINESS_TIMEOUT_SECONDS``, and answers 503 naming
the one that is not reachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

import anyio.to_thread
from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text

from scribe_core.queue import ping_broker
from scribe_gateway.deps import PlatformDep
from scribe_gateway.platform import Platform

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Answer of ``GET /health``."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Answer of ``GET /ready``: ``ok`` or the error of each dependency."""

    status: Literal["ready", "unavailable"]
    checks: dict[str, str]
    detail: str | None = None


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The gateway process is alive (checks nothing else)."""
    return Health()


async def _database(platform: Platform) -> None:
    async with platform.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _broker(platform: Platform) -> None:
    await ping_broker(platform.broker)


async def _storage(platform: Platform) -> None:
    await anyio.to_thread.run_sync(platform.store.check, abandon_on_cancel=True)


CHECKS: dict[str, Callable[[Platform], Awaitable[None]]] = {
    "database": _database,
    "broker": _broker,
    "storage": _storage,
}


async def _run(check: Callable[[Platform], Awaitable[None]], platform: Platform) -> str:
    try:
        await asyncio.wait_for(check(platform), platform.gateway.readiness_timeout_seconds)
    except TimeoutError:
        return f"error: no answer within {platform.gateway.readiness_timeout_seconds:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as text
        detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
        return f"error: {detail}"
    return "ok"


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is unreachable"}},
)
async def ready(platform: PlatformDep, response: Response) -> Readiness:
    """Whether the database, the broker and the object store are reachable."""
    results = await asyncio.gather(*(_run(check, platform) for check in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    if not failing:
        return Readiness(status="ready", checks=checks)
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    detail = "; ".join(f"{name} unreachable ({checks[name][7:]})" for name in failing)
    return Readiness(status="unavailable", checks=checks, detail=detail)
