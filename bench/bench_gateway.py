"""Gateway benchmark: memory and throughput of a streamed upload, latency of status polling.

Measures, against real servers started for the run (SeaweedFS S3 with credentials,
PostgreSQL, Redis) and the gateway as its own process (``python -m scribe_gateway``):

1. peak RSS of the gateway process while it streams one large upload (default 1 GiB) to S3
   (goal: under 200 MB whatever the size);
2. upload throughput through the gateway (multipart/form-data → S3 multipart upload) versus
   boto3 ``upload_fileobj`` straight to the same server, and their ratio;
3. p50/p99 latency of ``GET /api/v1/status/{task_id}`` under N concurrent pollers (default 50).

Prints one table; it is a benchmark, not a test (nothing is asserted). Run::

    .venv/bin/python bench/bench_gateway.py [--size-mib 1024] [--pollers 50]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import redis

from scribe_core.storage import S3Store
from scribe_core.testing import (
    SeaweedS3,
    free_ports,
    postgres_server_url,
    redis_server_url,
    temporary_database,
)

MiB = 1024 * 1024
BLOCK = os.urandom(MiB)
"""One MiB of random bytes, repeated to make the upload (incompressible, no disk needed)."""


class PeakRss:
    """Samples the resident set size of a process (and its children) every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        procs = [self.process, *self.process.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> PeakRss:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class PatternReader(io.RawIOBase):
    """A readable stream of ``size`` bytes made of :data:`BLOCK` (for boto3)."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.remaining, MiB - self.offset)
        buffer[:n] = BLOCK[self.offset : self.offset + n]
        self.offset = (self.offset + n) % MiB
        self.remaining -= n
        return n


def multipart_stream(boundary: str, size: int, filename: str) -> tuple[Iterator[bytes], int]:
    """A ``multipart/form-data`` body with one ``size``-byte file, as chunks, and its length."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(size // MiB):
            yield BLOCK
        if size % MiB:
            yield BLOCK[: size % MiB]
        yield tail

    return chunks(), len(head) + size + len(tail)


def start_gateway(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    (port,) = free_ports(1)
    env = {**env, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)}
    log = (cwd / "gateway.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scribe_gateway"], env=env, cwd=cwd, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError((cwd / "gateway.log").read_text()[-3000:])


def login(url: str) -> dict[str, str]:
    email, password = f"bench-{uuid.uuid4().hex[:8]}@example.org", secrets.token_urlsafe(12)
    httpx.post(f"{url}/api/v1/auth/register", json={"email": email, "password": password})
    token = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": email, "password": password}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def bench_upload(url: str, headers: dict[str, str], pid: int, size: int) -> dict[str, float]:
    boundary = uuid.uuid4().hex
    body, length = multipart_stream(boundary, size, "bench.wav")
    with PeakRss(pid) as rss, httpx.Client(timeout=600) as http:
        baseline = rss.peak
        started = time.perf_counter()
        response = http.post(
            f"{url}/api/v1/process",
            content=body,
            headers={
                **headers,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
            },
        )
        seconds = time.perf_counter() - started
    if response.status_code != 202:
        raise RuntimeError(f"upload failed: {response.status_code} {response.text}")
    return {
        "seconds": seconds,
        "mib_per_s": size / MiB / seconds,
        "baseline_rss_mb": baseline / 1e6,
        "peak_rss_mb": rss.peak / 1e6,
        "task_id": response.json()["task_id"],
    }


def bench_boto3(store: S3Store, size: int) -> dict[str, float]:
    started = time.perf_counter()
    store.client.upload_fileobj(PatternReader(size), store.bucket, f"bench/{uuid.uuid4().hex}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "mib_per_s": size / MiB / seconds}


async def bench_status(
    url: str, headers: dict[str, str], task_id: str, pollers: int, requests: int, pid: int
) -> dict[str, float]:
    latencies: list[float] = []
    gateway = psutil.Process(pid)
    limits = httpx.Limits(max_connections=pollers, max_keepalive_connections=pollers)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        await http.get(f"/api/v1/status/{task_id}")  # warm-up

        async def poller() -> None:
            for _ in range(requests):
                started = time.perf_counter()
                response = await http.get(f"/api/v1/status/{task_id}")
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        cpu_before = sum(gateway.cpu_times()[:2])
        started = time.perf_counter()
        await asyncio.gather(*(poller() for _ in range(pollers)))
        wall = time.perf_counter() - started
        cpu = sum(gateway.cpu_times()[:2]) - cpu_before
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "requests": len(latencies),
        "req_per_s": len(latencies) / wall,
        "cpu_ms_per_request": cpu / len(latencies) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="upload size (default 1024)")
    parser.add_argument("--pollers", type=int, default=50, help="concurrent status pollers")
    parser.add_argument("--requests", type=int, default=40, help="requests per poller")
    args = parser.parse_args()
    size = args.size_mib * MiB

    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        workdir = Path(tmp)
        queue = f"scribe-bench:{uuid.uuid4().hex[:8]}"
        with (
            SeaweedS3(workdir / "weed") as weed,
            temporary_database(postgres_server_url(), prefix="scribe_bench") as database_url,
        ):
            env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
            env.update(
                SCRIBE_ENV_FILE="", DATABASE_URL=database_url, REDIS_URL=redis_server_url(),
                TASKIQ_QUEUE=queue, JWT_SECRET=secrets.token_hex(32),
                MAX_UPLOAD_BYTES=str(size + MiB), **weed.env(bucket="scribe-bench"),
            )  # fmt: skip
            gateway, url = start_gateway(env, workdir)
            try:
                headers = login(url)
                upload = bench_upload(url, headers, gateway.pid, size)
                direct = bench_boto3(S3Store(weed.storage_settings(bucket="scribe-bench")), size)
                status = asyncio.run(
                    bench_status(
                        url,
                        headers,
                        str(upload["task_id"]),
                        args.pollers,
                        args.requests,
                        gateway.pid,
                    )  # fmt: skip
                )
            finally:
                gateway.terminate()
                gateway.wait(timeout=30)
                redis.Redis.from_url(redis_server_url()).delete(queue)

    rows = [
        ("upload size", f"{args.size_mib} MiB"),
        ("gateway RSS before upload", f"{upload['baseline_rss_mb']:.0f} MB"),
        ("gateway peak RSS during upload", f"{upload['peak_rss_mb']:.0f} MB (goal < 200 MB)"),
        ("upload through gateway", f"{upload['mib_per_s']:.0f} MiB/s ({upload['seconds']:.1f} s)"),
        (
            "boto3 upload_fileobj direct",
            f"{direct['mib_per_s']:.0f} MiB/s ({direct['seconds']:.1f} s)",
        ),
        ("gateway / direct throughput", f"{upload['mib_per_s'] / direct['mib_per_s']:.2f}"),
        (f"status p50 ({args.pollers} pollers)", f"{status['p50_ms']:.1f} ms"),
        (f"status p99 ({args.pollers} pollers)", f"{status['p99_ms']:.1f} ms"),
        (
            "status throughput",
            f"{status['req_per_s']:.0f} req/s ({status['requests']:.0f} requests)",
        ),
        ("gateway CPU per status request", f"{status['cpu_ms_per_request']:.1f} ms"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\n{'metric'.ljust(width)}  value\n{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    load = os.getloadavg()[0]
    print(
        f"\n({os.cpu_count()} CPU cores, load average {load:.1f}; the client, SeaweedFS, "
        "PostgreSQL and Redis run on the same machine)"
    )


if __name__ == "__main__":
    main()
