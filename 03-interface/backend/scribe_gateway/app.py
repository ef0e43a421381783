"""The FastAPI application: routers, CORS, the error handler and the lifespan.

Run it with ``python -m scribe_gateway`` or ``uvicorn scribe_gateway.app:create_app --factory``;
``scribe serve`` builds it with an in-process worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from scribe_core.errors import ScribeError
from scribe_gateway import health
from scribe_gateway.auth.endpoints import router as auth_router
from scribe_gateway.meetings.endpoints import router as meetings_router
from scribe_gateway.platform import Platform
from scribe_gateway.speakers.endpoints import router as speakers_router

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def _error_body(exc: ScribeError) -> dict[str, str]:
    return {"error": type(exc).__name__, "detail": exc.detail}


async def _scribe_error(request: Request, exc: Exception) -> JSONResponse:
    """Render every expected error as ``{"error": "<Type>", "detail": "…"}``."""
    if not isinstance(exc, ScribeError):  # registered for ScribeError only
        raise exc
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if exc.status_code >= 500:
        logger.warning("%s %s: %s", request.method, request.url.path, exc.detail)
    return JSONResponse(_error_body(exc), status_code=exc.status_code, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"error": "InternalError", "detail": "unexpected error; see the gateway log"},
        status_code=500,
    )


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
        try:
            yield
        finally:
            await current.stop()

    cors_origins = (platform.gateway.cors_origins if platform else None) or _cors_from_env()
    app = FastAPI(
        title="Smart Meeting Scribe",
        version="0.1.0",
        summary="Self-hosted meeting transcription: who said what, word by word.",
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Range"],
        expose_headers=["Location", "Content-Disposition", "Content-Range", "Accept-Ranges"],
    )
    app.add_exception_handler(ScribeError, _scribe_error)
    app.add_exception_handler(Exception, _unexpected_error)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_router)
    api.include_router(meetings_router)
    api.include_router(speakers_router)
    app.include_router(api)
    app.include_router(health.router)
    return app


def _cors_from_env() -> list[str]:
    from scribe_core.settings import GatewaySettings

    return GatewaySettings().cors_origins
