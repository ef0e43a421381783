"""Gateway test servers: a real uvicorn gateway wired to a throwaway PostgreSQL database, Redis
(a stream of its own) and a SeaweedFS S3 server with enforced credentials. Started once per
session; no worker runs here (the queue is inspected instead)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from gateway_support import JWT_SECRET, MAX_UPLOAD_BYTES, PART_SIZE, Gateway, ThreadedServer
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import create_engine
from scribe_core.settings import (
    AuthSettings,
    DatabaseSettings,
    GatewaySettings,
    QueueSettings,
    StorageSettings,
)
from scribe_core.storage import S3Store
from scribe_core.testing import (
    SeaweedS3,
    free_ports,
    postgres_server_url,
    redis_server_url,
    require_server,
    temporary_database,
)
from scribe_gateway.app import create_app
from scribe_gateway.platform import Platform


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """SeaweedFS S3 server (credentials enforced) for the gateway tests."""
    with SeaweedS3(tmp_path_factory.mktemp("gateway-weed")) as server:
        yield server


@pytest.fixture(scope="session")
def gateway_database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database (migrated by the gateway at start-up)."""
    require_server(postgres_server_url(), "PostgreSQL")
    with temporary_database(postgres_server_url(), prefix="scribe_test_gateway") as url:
        yield url


@pytest.fixture(scope="session")
def gateway(weed: SeaweedS3, gateway_database_url: str) -> Iterator[Gateway]:
    """The gateway on PostgreSQL + Redis streams + S3, served by uvicorn in a thread."""
    require_server(redis_server_url(), "Redis")
    queue_name = f"scribe-test:{uuid.uuid4().hex[:8]}"
    platform = Platform.from_settings(
        gateway=GatewaySettings(MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES),
        # Every test user is registered from 127.0.0.1: the per-address limits are lifted here
        # (tests/gateway/test_gateway_security.py checks them on a gateway of its own).
        auth=AuthSettings(
            JWT_SECRET=JWT_SECRET,
            ACCESS_TOKEN_EXPIRE_MINUTES=180,
            REGISTER_MAX_PER_ADDRESS=100_000,
            LOGIN_MAX_FAILURES_PER_ADDRESS=100_000,
        ),
        storage=weed.storage_settings().model_copy(update={"part_size": PART_SIZE}),
        database=DatabaseSettings(DATABASE_URL=gateway_database_url),
        queue=QueueSettings(REDIS_URL=redis_server_url(), TASKIQ_QUEUE=queue_name),
    )
    store = platform.store
    assert isinstance(store, S3Store)
    client = redis.Redis.from_url(redis_server_url())
    try:
        with ThreadedServer(create_app(platform)) as server:
            yield Gateway(server.url, store, gateway_database_url, queue_name, client)
    finally:
        client.delete(queue_name)
        client.close()


@pytest.fixture(scope="session")
def user(gateway: Gateway) -> dict[str, str]:
    """``Authorization`` header of the main test user."""
    return gateway.new_user()


@pytest.fixture(scope="session")
def other_user(gateway: Gateway) -> dict[str, str]:
    """``Authorization`` header of a second user, who must never see the first one's data."""
    return gateway.new_user()


@pytest.fixture
async def db(gateway: Gateway) -> AsyncIterator[AsyncEngine]:
    """An engine on the gateway's database, for checking rows directly."""
    engine = create_engine(gateway.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def bad_storage_settings() -> StorageSettings:
    """S3 settings pointing at a port nothing listens on."""
    (port,) = free_ports(1)
    return StorageSettings(
        MINIO_ENDPOINT=f"http://127.0.0.1:{port}",
        MINIO_ROOT_USER="x",
        MINIO_ROOT_PASSWORD="y",
        S3_MAX_ATTEMPTS=1,
        S3_CONNECT_TIMEOUT=1,
    )
