"""``scribe serve``: the embedded default, the whole platform in one process.

The gateway (FastAPI on uvicorn), the in-process Taskiq broker and the pipeline share one
process; the database is a SQLite file, the object store a local directory and the voice bank Qdrant
in local mode, all under
``SCRIBE_DATA_DIR`` (``volumes/``), so the full API works on a laptop with no server
installed. ``DATABASE_URL``/``POSTGRES_HOST`` or ``MINIO_ENDPOINT`` still switch the database
or the store to a server; the queue is always in-process here (a separate worker is not
needed). The JWT key is kept in ``$SCRIBE_DATA_DIR/jwt_secret`` unless ``JWT_SECRET`` is set,
so tokens survive a restart. Meetings a previous run left PENDING are processed again at
start-up, PROCESSING ones once their lease (``WORKER_LEASE_SECONDS``) has expired. Tasks work
in folders under ``$SCRIBE_DATA_DIR/work``; what a killed run left there, and its partial
uploads (``storage/.incoming/*.part``), are removed at start-up and by every sweep
(:func:`scribe_worker.jobs.meetings.remove_leftovers`).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from scribe_core.db import create_engine
from scribe_core.settings import (
    AuthSettings,
    DatabaseSettings,
    GatewaySettings,
    QueueSettings,
    StorageSettings,
    WebhookSettings,
)
from scribe_core.storage import create_store
from scribe_core.voiceprints import VoiceprintStore
from scribe_worker.jobs.meetings import WorkerContext
from scribe_worker.jobs.tasks import attach_context, build_broker

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)


def _jwt_secret(auth: AuthSettings, data_dir: Path) -> AuthSettings:
    """``auth`` with a secret: ``JWT_SECRET`` when set, else one kept in ``data_dir``."""
    if auth.jwt_secret is not None:
        return auth
    path = data_dir / "jwt_secret"
    if not path.is_file():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return auth.model_copy(update={"jwt_secret": SecretStr(path.read_text().strip())})


def build_app(gateway: GatewaySettings | None = None) -> FastAPI:
    """The embedded application: gateway + in-process broker + pipeline, sharing one engine and
    one store.

    Args:
        gateway: HTTP settings; from the environment when ``None``.

    Raises:
        ModuleNotFoundError: The ``scribe-gateway`` package is not installed.
    """
    from scribe_gateway.app import create_app
    from scribe_gateway.platform import Platform

    database, storage = DatabaseSettings(), StorageSettings()
    database.data_dir.mkdir(parents=True, exist_ok=True)
    auth = _jwt_secret(AuthSettings(), database.data_dir)
    queue = QueueSettings(REDIS_URL=None)
    broker = build_broker(queue)
    platform = Platform.from_settings(
        gateway=gateway,
        auth=auth,
        storage=storage,
        database=database,
        queue=queue,
        broker=broker,
        engine=create_engine(database),
        store=create_store(storage),
    )
    voiceprints = VoiceprintStore.from_settings()  # the gateway's client (one per location)
    attach_context(
        broker,
        WorkerContext(
            sessions=platform.sessions,
            store=platform.store,
            broker=broker,
            queue=queue,
            voiceprint_store=voiceprints,
            work_dir=database.data_dir / "work",
            in_process=True,
        ),
    )
    return create_app(platform)


def serve(host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the embedded platform until interrupted (Ctrl-C).

    Args:
        host: Interface to bind (``0.0.0.0`` to accept other machines).
        port: TCP port of the API.
    """
    import uvicorn

    database = DatabaseSettings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logger.info(
        "Smart Meeting Scribe on http://%s:%d (API docs at /docs); data in %s",
        host, port, database.data_dir,
    )  # fmt: skip
    if not WebhookSettings().public_url:  # links in webhook events point at this server
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        os.environ["PUBLIC_URL"] = f"http://{shown}:{port}"
    uvicorn.run(build_app(), host=host, port=port, log_level="info")
