"""The embedded default's application (SQLite file, local-directory store, in-process broker)
served by uvicorn in a thread, for the gateway tests that need no server at all.

Two variants: ``scribe serve``'s own application (:func:`scribe_worker.jobs.serve.build_app`,
the pipeline runs in the same process), or the same gateway whose in-process broker only
records the tasks it is sent (for tests of the gateway alone, e.g. fuzzing: a worker chewing on
generated uploads would cost minutes of CPU, and its model threads would outlive the server).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from gateway_support import ThreadedServer
from taskiq import InMemoryBroker

from scribe_core.tasks import ENROLL_SPEAKER, PROCESS_MEETING

SERVER_VARIABLES = (
    "DATABASE_URL", "POSTGRES_HOST", "REDIS_URL", "MINIO_ENDPOINT", "STORAGE_DIR", "QDRANT_URL",
    "JWT_SECRET", "ENVIRONMENT",
)  # fmt: skip
"""Cleared while the application is built, so it is the embedded default whatever the shell
exports."""


def _recorder(
    name: str, kicked: list[tuple[str, dict[str, Any]]]
) -> Callable[..., Coroutine[Any, Any, None]]:
    """A task that appends ``(name, its keyword arguments)`` to ``kicked``."""

    async def record(**kwargs: Any) -> None:
        kicked.append((name, kwargs))

    return record


def _gateway_only_app(kicked: list[tuple[str, dict[str, Any]]]) -> FastAPI:
    """The embedded gateway (settings from the environment, queue in-process) whose broker
    appends each task it is sent to ``kicked`` as ``(task name, keyword arguments)``."""
    from scribe_core.settings import QueueSettings
    from scribe_gateway.app import create_app
    from scribe_gateway.platform import Platform

    broker = InMemoryBroker()
    for name in (PROCESS_MEETING, ENROLL_SPEAKER):
        broker.register_task(_recorder(name, kicked), task_name=name)
    return create_app(Platform.from_settings(queue=QueueSettings(REDIS_URL=None), broker=broker))


@contextmanager
def embedded_gateway(
    data_dir: Path,
    *,
    worker: bool = True,
    kicked: list[tuple[str, dict[str, Any]]] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Build the embedded application with its data in ``data_dir`` and the variables ``env``
    (e.g. ``{"LOGIN_MAX_FAILURES_PER_ADDRESS": "3"}``), serve it, and yield its base URL.

    Args:
        data_dir: ``SCRIBE_DATA_DIR``.
        worker: ``scribe serve``'s application with its in-process worker; when false, the
            gateway alone, its tasks appended to ``kicked``.
        kicked: Receives the tasks of the gateway-only variant.
        env: Further environment variables, read once while the application is built (the
            environment is restored before the server starts).
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in SERVER_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("SCRIBE_DATA_DIR", str(data_dir))
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        if worker:
            from scribe_worker.jobs.serve import build_app

            app = build_app()
        else:
            app = _gateway_only_app(kicked if kicked is not None else [])
    with ThreadedServer(app) as server:
        yield server.url
