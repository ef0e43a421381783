"""The FastAPI application: routers, CORS, the error handler and the lifespan.

Run it with ``python -m scribe_gateway`` or ``uvicorn scribe_gateway.app:create_app --factory``;
``scribe serve`` builds it with an in-process worker.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from scribe_core.errors import ScribeError
from scribe_core.settings import GatewaySettings
from scribe_gateway import health
from scribe_gateway.api_keys.endpoints import router as api_keys_router
from scribe_gateway.auth.endpoints import router as auth_router
from scribe_gateway.auth.throttle import AuthThrottle
from scribe_gateway.body_limits import BodyLimitMiddleware
from scribe_gateway.docs import install_docs
from scribe_gateway.meetings.endpoints import router as meetings_router
from scribe_gateway.meetings.events import router as meeting_events_router
from scribe_gateway.platform import Platform
from scribe_gateway.search.endpoints import router as search_router
from scribe_gateway.security_headers import SecurityHeadersMiddleware, gateway_headers
from scribe_gateway.speakers.endpoints import router as speakers_router
from scribe_gateway.validation import validation_error
from scribe_gateway.webhooks.endpoints import events as webhook_events
from scribe_gateway.webhooks.endpoints import router as webhooks_router

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def _error_body(exc: ScribeError) -> dict[str, str]:
    return {"error": type(exc).__name__, "code": exc.code, "detail": exc.detail}


async def _scribe_error(request: Request, exc: Exception) -> JSONResponse:
    """Render every expected error as ``{"error": "<Type>", "code": "<code>", "detail": "…"}``."""
    if not isinstance(exc, ScribeError):  # registered for ScribeError only
        raise exc
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
    headers.update(getattr(exc, "headers", None) or {})  # e.g. Retry-After of a 429
    if exc.status_code >= 500:
        internal = f" [{exc.internal}]" if exc.internal else ""  # raw detail: the log only
        logger.warning("%s %s: %s%s", request.method, request.url.path, exc.detail, internal)
    return JSONResponse(_error_body(exc), status_code=exc.status_code, headers=headers)


_INTERNAL_ERROR_HEADERS = gateway_headers()
"""Security headers of the 500 answer: Starlette sends it from its outermost
``ServerErrorMiddleware``, outside :class:`SecurityHeadersMiddleware`, so it carries its own."""


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        headers=_INTERNAL_ERROR_HEADERS,
        content={
            "error": "InternalError",
            "code": "internal_error",
            "detail": "unexpected error; see the gateway log",
        },
        status_code=500,
    )


def freeze_startup_objects() -> None:
    """Move every object alive after start-up (modules, routes, models: about 200,000) into
    the garbage collector's permanent generation (:func:`gc.freeze`, CPython's advice for
    long-running servers), so that full collections no longer scan them. A full collection
    of those objects takes about 60 ms of CPU, a pause every request in flight waits for:
    frozen, it takes well under a millisecond and ``/status`` latency has no such tail."""
    gc.collect()
    gc.freeze()


def create_app(platform: Platform | None = None) -> FastAPI:
    """Build the gateway application.

    Args:
        platform: The clients to use (``scribe serve`` and the tests share theirs); built from
            the environment at start-up when ``None``.

    Returns:
        The application. Its lifespan starts the platform (migrates the database when
        ``DATABASE_AUTO_MIGRATE``, starts the broker, creates the bucket) and stops it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = platform or Platform.from_settings()
        app.state.platform = current
        await current.start()
        freeze_startup_objects()
        try:
            yield
        finally:
            throttle: AuthThrottle | None = getattr(app.state, AuthThrottle.STATE_KEY, None)
            if throttle is not None:
                await throttle.aclose()
            await current.stop()

    cors_origins = (platform.gateway.cors_origins if platform else None) or _cors_from_env()
    app = FastAPI(
        title="Smart Meeting Scribe",
        version="0.1.0",
        summary="Self-hosted meeting transcription: who said what, word by word.",
        lifespan=lifespan,
        docs_url=None,  # served from packaged assets by install_docs (no CDN)
        redoc_url=None,
    )
    app.add_middleware(BodyLimitMiddleware)  # inside CORS: its 413/408 carry CORS headers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Range", "X-API-Key", "Idempotency-Key"],
        expose_headers=[
            "Location",
            "Content-Disposition",
            "Content-Range",
            "Accept-Ranges",
            "Idempotent-Replayed",
        ],  # fmt: skip
    )
    settings = platform.gateway if platform else GatewaySettings()
    app.add_middleware(  # outermost: every answer, CORS preflights and 413s included
        SecurityHeadersMiddleware, hsts_max_age_seconds=settings.hsts_max_age_seconds
    )
    app.add_exception_handler(ScribeError, _scribe_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, _unexpected_error)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_router)
    api.include_router(meetings_router)
    api.include_router(meeting_events_router)
    api.include_router(api_keys_router)
    api.include_router(speakers_router)
    api.include_router(webhooks_router)
    api.include_router(search_router)
    app.include_router(api)
    app.include_router(health.router)
    app.webhooks.include_router(webhook_events)
    if settings.docs_enabled:
        install_docs(app)
    return app


def _cors_from_env() -> list[str]:
    from scribe_core.settings import GatewaySettings

    return GatewaySettings().cors_origins
