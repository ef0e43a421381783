"""The long-lived clients of a gateway process, created once and shared by every request.

:class:`Platform` holds the database engine and session factory, the object store, the Taskiq
broker, the settings and the JWT signing key. The FastAPI lifespan starts and stops it
(polarsource/polar ``server/polar/app.py`` creates its clients the same way); ``scribe serve``
and the tests build one themselves to share it with an in-process worker.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from scribe_core.db import create_engine, create_sessionmaker
from scribe_core.queue import create_broker
from scribe_core.settings import (
    AuthSettings,
    DatabaseSettings,
    GatewaySettings,
    QueueSettings,
    StorageSettings,
    VoiceBankSettings,
)
from scribe_core.storage import ObjectStore, StorageError, create_store
from scribe_core.voiceprints import VoiceprintStore

logger = logging.getLogger(__name__)


@dataclass
class Platform:
    """Everything a request handler needs besides the request.

    Attributes:
        gateway: HTTP settings (CORS origins, upload limit).
        auth: Token settings.
        storage: Object store settings (part size, presigned URL lifetime).
        database: Database settings.
        queue: Queue settings.
        engine: The async engine.
        sessions: Session factory (one session per request).
        store: The object store.
        broker: The Taskiq broker tasks are sent with.
        jwt_secret: The key signing access tokens.
        voice_bank: Voice bank settings (enrolment limits, Qdrant location).
        voiceprints: The voiceprint store (Qdrant), opened on first use.
    """

    gateway: GatewaySettings
    auth: AuthSettings
    storage: StorageSettings
    database: DatabaseSettings
    queue: QueueSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    broker: AsyncBroker
    jwt_secret: str = field(repr=False)
    voice_bank: VoiceBankSettings = field(default_factory=VoiceBankSettings)
    _voiceprints: VoiceprintStore | None = field(default=None, repr=False)

    @property
    def voiceprints(self) -> VoiceprintStore:
        """The voiceprint store (qdrant-client, no torch), opened on first use."""
        if self._voiceprints is None:
            self._voiceprints = VoiceprintStore.from_settings(self.voice_bank)
        return self._voiceprints

    @classmethod
    def from_settings(
        cls,
        *,
        gateway: GatewaySettings | None = None,
        auth: AuthSettings | None = None,
        storage: StorageSettings | None = None,
        database: DatabaseSettings | None = None,
        queue: QueueSettings | None = None,
        broker: AsyncBroker | None = None,
        engine: AsyncEngine | None = None,
        store: ObjectStore | None = None,
        voice_bank: VoiceBankSettings | None = None,
        voiceprints: VoiceprintStore | None = None,
    ) -> Platform:
        """Build the clients; settings not given are read from the environment and ``.env``.

        Args:
            broker: A broker to use instead of the one ``queue`` describes (``scribe serve``
                passes the worker's in-process broker).
            engine: An engine to share instead of creating one.
            store: A store to share instead of creating one.
            voice_bank: Voice bank settings.
            voiceprints: A voiceprint store to share instead of opening one.

        Raises:
            pydantic.ValidationError: A setting is invalid (e.g. a placeholder ``JWT_SECRET``
                with ``ENVIRONMENT=production``).
        """
        auth = auth or AuthSettings()
        database = database or DatabaseSettings()
        storage = storage or StorageSettings()
        queue = queue or QueueSettings()
        engine = engine or create_engine(database)
        if auth.jwt_secret is not None:
            jwt_secret = auth.jwt_secret.get_secret_value()
        else:
            logger.warning(
                "JWT_SECRET is not set: using a random key, tokens end with this process"
            )
            jwt_secret = secrets.token_urlsafe(32)
        return cls(
            gateway=gateway or GatewaySettings(),
            auth=auth,
            storage=storage,
            database=database,
            queue=queue,
            engine=engine,
            sessions=create_sessionmaker(engine),
            store=store or create_store(storage),
            broker=broker or create_broker(queue),
            jwt_secret=jwt_secret,
            voice_bank=voice_bank or VoiceBankSettings(),
            _voiceprints=voiceprints,
        )

    async def start(self) -> None:
        """Migrate the database when configured to, start the broker, create the bucket.

        A queue or storage server that is down does not stop the gateway: ``/ready`` reports
        it, uploads stay PENDING until a worker's sweeper can queue them.
        """
        if self.database.auto_migrate:
            from scribe_core.db.migrate import upgrade  # Alembic is only needed here

            await upgrade(self.engine)
        try:
            await self.broker.startup()
        except Exception:
            logger.exception("broker not ready at start-up")
        if self.storage.create_bucket:
            try:
                await anyio.to_thread.run_sync(self.store.ensure_bucket)
            except StorageError as exc:
                logger.warning("object store not ready at start-up: %s", exc.detail)

    async def stop(self) -> None:
        """Stop the broker and close the database connections."""
        await self.broker.shutdown()
        await self.engine.dispose()
