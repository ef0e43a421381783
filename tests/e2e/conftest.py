"""End-to-end servers: PostgreSQL (a throwaway database), Redis (a stream of its own), a
SeaweedFS S3 server with enforced credentials, and the gateway as a separate
``python -m scribe_gateway`` process. Workers are started by the tests themselves."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
import redis
from e2e_support import LEASE_SECONDS, Platform, start_gateway, subprocess_env

from scribe_core.storage import S3Store
from scribe_core.testing import (
    SeaweedS3,
    postgres_server_url,
    redis_server_url,
    require_server,
    temporary_database,
)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_server(postgres_server_url(), "PostgreSQL")
    require_server(redis_server_url(), "Redis")
    workdir = tmp_path_factory.mktemp("e2e")
    queue = f"scribe-e2e:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_server_url())
    with (
        SeaweedS3(workdir / "weed") as weed,
        temporary_database(postgres_server_url(), prefix="scribe_test_e2e") as database_url,
    ):
        env = subprocess_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_server_url(),
            TASKIQ_QUEUE=queue,
            JWT_SECRET=secrets.token_hex(32),
            SCRIBE_DATA_DIR=str(workdir / "data"),
            WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
            SWEEP_INTERVAL_SECONDS="1",
            TASK_IDLE_TIMEOUT_SECONDS=str(LEASE_SECONDS),
            **weed.env(bucket="scribe-e2e"),
        )
        gateway, url = start_gateway(env, workdir)
        store = S3Store(weed.storage_settings(bucket="scribe-e2e"))
        try:
            yield Platform(env, url, gateway, store, workdir)
        finally:
            gateway.stop()
            client.delete(queue)
            client.close()
