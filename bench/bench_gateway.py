"""Gateway benchmark: memory and throughput of a streamed upload, latency of status polling.

Measures, against real servers started for the run (SeaweedFS S3 with credentials,
PostgreSQL, Redis) and the gateway as its own process (``python -m scribe_gateway``):

1. peak RSS of the gateway process while it streams one large upload (default 1 GiB) to S3
   (goal: under 200 MB whatever the size);
2. upload throughput through the gateway (multipart/form-data → S3 multipart upload) versus
   boto3 ``upload_fileobj`` straight to the same server, and their ratio;
3. p50/p99 latency of ``GET /api/v1/status/{task_id}`` under N concurrent pollers (default 50)
   polling back to back (closed loop: a saturation test).

``--open-loop`` measures instead what users see: N pollers (default 50) each send
``GET /api/v1/status/{task_id}`` on a fixed schedule, once a second (``--rate``), for
``--duration`` seconds (default 60), while a real ``taskiq worker`` process runs the pipeline
on ``../shared/eval/sample-call/sample.wav`` (a new job whenever the last one ends; the
pollers follow it) and ``--size-mib`` uploads stream through the gateway back to back. Each
request is sent at its scheduled time whether or not the poller's earlier ones have been
answered, and its latency runs from that scheduled time, so a stalled gateway shows up as
latency rather than as fewer requests (the "coordinated omission" correction of Gil Tene's
wrk2 and HdrHistogram). Prints p50/p95/p99/max and the count.

Prints one table; it is a benchmark, not a test (nothing is asserted). Run::

    .venv/bin/python bench/bench_gateway.py [--size-mib 1024] [--pollers 50]
    .venv/bin/python bench/bench_gateway.py --open-loop [--duration 60] [--size-mib 256]
        [--worker-nice 19]   # 19: the worker barely competes for the CPU, as on its own host
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
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
SAMPLE_CALL = Path(__file__).resolve().parents[1].parent / "shared/eval/sample-call/sample.wav"
"""The recording the open-loop mode's worker transcribes (30 s, two speakers)."""
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


def multipart_stream(
    boundary: str, size: int, filename: str, bytes_per_second: float | None = None
) -> tuple[Iterator[bytes], int]:
    """A ``multipart/form-data`` body with one ``size``-byte file, as chunks, and its length;
    with ``bytes_per_second``, the chunks are paced to that rate (a client on a real network
    link rather than loopback)."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        started = time.perf_counter()
        yield head
        for sent in range(size // MiB):
            if bytes_per_second:
                time.sleep(max(0.0, started + sent * MiB / bytes_per_second - time.perf_counter()))
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


# ---- open loop: users polling once a second while a job and an upload run ------------------


def start_worker(env: dict[str, str], cwd: Path, nice: int = 0) -> subprocess.Popen[bytes]:
    """``taskiq worker scribe_worker.jobs.tasks:broker`` (one process, one task at a time), as
    the end-to-end tests start it, at CPU niceness ``nice`` (0: the same priority as the
    gateway); returns once it logs that it is ready.

    Raises:
        RuntimeError: It exited or was not ready within 120 s (with the end of its log).
    """
    log_path = cwd / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "taskiq", "worker", "scribe_worker.jobs.tasks:broker",
         "--workers", "1", "--max-async-tasks", "1"],
        env=env, cwd=cwd, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if re.search(r"scribe worker ready", log_path.read_text(errors="replace")):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    stop(process)
    raise RuntimeError("worker did not start:\n" + log_path.read_text(errors="replace")[-3000:])


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process's group, SIGKILL it after ``timeout`` seconds (a worker in the
    middle of a job would otherwise finish the job first)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Background:
    """The load around the pollers: a job always in the worker, uploads back to back."""

    url: str
    headers: dict[str, str]
    upload_size: int
    """Bytes per background upload."""
    upload_rate: float | None = None
    """Bytes per second each upload is paced to (``None``: as fast as loopback goes)."""
    task_id: str = ""
    """The job the pollers follow (the newest sample-call job)."""
    jobs_submitted: int = 0
    jobs_completed: int = 0
    uploads: int = 0
    upload_bytes: int = 0
    upload_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def submit_job(self, http: httpx.Client) -> None:
        """Upload the sample call; its task becomes the one the pollers follow."""
        with SAMPLE_CALL.open("rb") as audio:
            response = http.post(
                "/api/v1/process", files={"file": (SAMPLE_CALL.name, audio, "audio/wav")}
            )
        if response.status_code != 202:
            raise RuntimeError(f"job upload failed: {response.status_code} {response.text}")
        self.task_id = response.json()["task_id"]
        self.jobs_submitted += 1

    def feed_jobs(self) -> None:
        """Keep one sample-call job in the worker: a new one as soon as the last one ends."""
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=60) as http:
            while not self.stop.wait(1.0):
                state = http.get(f"/api/v1/status/{self.task_id}").json().get("status")
                if state in {"COMPLETED", "FAILED"}:
                    self.jobs_completed += state == "COMPLETED"
                    if state == "FAILED":
                        self.errors.append(f"job {self.task_id} failed")
                    self.submit_job(http)

    def stream_uploads(self) -> None:
        """Stream ``upload_size``-byte uploads through the gateway back to back; each one's
        meeting is deleted once accepted, so the worker never spends time on its bytes."""
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=600) as http:
            while not self.stop.is_set():
                boundary = uuid.uuid4().hex
                body, length = multipart_stream(
                    boundary, self.upload_size, "background.wav", self.upload_rate
                )
                started = time.perf_counter()
                response = http.post(
                    "/api/v1/process",
                    content=body,
                    headers={
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(length),
                    },
                )
                if response.status_code != 202:
                    self.errors.append(f"upload: {response.status_code} {response.text[:200]}")
                    return
                self.upload_seconds += time.perf_counter() - started
                self.uploads += 1
                self.upload_bytes += self.upload_size
                http.delete(f"/api/v1/meetings/{response.json()['meeting_id']}")


@dataclass
class Poll:
    """One scheduled status request."""

    latency: float
    """Seconds from the scheduled send time to the end of the response."""
    http_status: int
    task_status: str


async def open_loop_status(
    url: str,
    headers: dict[str, str],
    task_id: Callable[[], str],
    pollers: int,
    rate: float,
    duration: float,
    seed: int = 0,
) -> list[Poll]:
    """Poll ``GET /api/v1/status/{task_id()}`` open-loop: each of ``pollers`` clients (one
    keep-alive connection each, like one browser tab each) sends at ``rate`` requests per
    second from a random phase in its first period, for ``duration`` seconds.

    A request is sent at its scheduled time even while the same poller's earlier ones are
    unanswered (it then waits for the connection), and its latency is measured from that
    scheduled time, not from when it was actually sent: a stalled gateway adds latency to
    every request scheduled during the stall instead of silently delaying them (coordinated
    omission; the correction of Gil Tene's wrk2). The clients are aiohttp's (C HTTP parser):
    httpx's asyncio client costs about as much CPU per request as the gateway itself, and on
    a two-core machine the load generator's own lag would then dominate the figures. Requests
    that fail at the HTTP level count with status 0. The load generator's own start-up objects
    are frozen out of the garbage collector (:func:`gc.freeze`) as the gateway's are, so its
    full collections do not show up as gateway latency.

    Returns:
        One :class:`Poll` per scheduled request (``pollers * duration * rate`` of them).
    """
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    polls: list[Poll] = []
    period = 1.0 / rate
    sessions = [
        aiohttp.ClientSession(
            base_url=url,
            headers=headers,
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        for _ in range(pollers)
    ]

    async def send(http: aiohttp.ClientSession, scheduled: float) -> None:
        try:
            async with http.get(f"/api/v1/status/{task_id()}") as response:
                body = await response.json() if response.status == 200 else {}
                polls.append(
                    Poll(loop.time() - scheduled, response.status, str(body.get("status", "")))
                )
        except (aiohttp.ClientError, TimeoutError):
            polls.append(Poll(loop.time() - scheduled, 0, ""))

    async def poller(http: aiohttp.ClientSession, start: float) -> None:
        sent: list[asyncio.Task[None]] = []
        for k in range(round(duration * rate)):
            scheduled = start + k * period
            await asyncio.sleep(max(0.0, scheduled - loop.time()))
            sent.append(asyncio.create_task(send(http, scheduled)))
        await asyncio.gather(*sent)

    try:
        for http in sessions:  # open every connection before the clock starts
            async with http.get(f"/api/v1/status/{task_id()}") as response:
                response.raise_for_status()
        start = loop.time() + 0.1
        await asyncio.gather(*(poller(http, start + rng.uniform(0, period)) for http in sessions))
    finally:
        for http in sessions:
            await http.close()
    return polls


def run_open_loop(args: argparse.Namespace) -> None:
    """``--open-loop``: start the servers, a worker and the background load, poll, report."""
    if not SAMPLE_CALL.exists():
        sys.exit(f"error: {SAMPLE_CALL} not found (the evaluation set, ../shared/eval)")
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
                SCRIBE_DATA_DIR=str(workdir / "data"), PYANNOTE_METRICS_ENABLED="0",
                HF_HUB_OFFLINE="1", MAX_UPLOAD_BYTES=str(size + MiB),
                **weed.env(bucket="scribe-bench"),
            )  # fmt: skip
            gateway, url = start_gateway(env, workdir)
            worker = start_worker(env, workdir, args.worker_nice)
            try:
                headers = login(url)
                rate = args.upload_mibps * MiB if args.upload_mibps else None
                load = Background(url, headers, size, rate)
                with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
                    load.submit_job(http)
                threads = [
                    threading.Thread(target=load.feed_jobs, daemon=True),
                    threading.Thread(target=load.stream_uploads, daemon=True),
                ]
                for thread in threads:
                    thread.start()
                gateway_process = psutil.Process(gateway.pid)
                cpu_before = sum(gateway_process.cpu_times()[:2])
                polls = asyncio.run(
                    open_loop_status(
                        url,
                        headers,
                        lambda: load.task_id,
                        args.pollers,
                        args.rate,
                        args.duration,
                    )  # fmt: skip
                )
                gateway_cpu = sum(gateway_process.cpu_times()[:2]) - cpu_before
                load.stop.set()
                for thread in threads:
                    thread.join(timeout=600)
            finally:
                stop(worker)
                gateway.terminate()
                gateway.wait(timeout=30)
                redis.Redis.from_url(redis_server_url()).delete(queue)

    ok = [p.latency for p in polls if p.http_status == 200]
    cuts = statistics.quantiles(ok, n=100)
    seen = Counter(p.task_status for p in polls if p.http_status == 200)
    rows = [
        ("pollers x rate x duration", f"{args.pollers} x {args.rate:g}/s x {args.duration:g} s"),
        ("worker CPU niceness", f"{args.worker_nice}"),
        ("status requests scheduled", f"{len(polls)}"),
        ("answered 200", f"{len(ok)} (other: {len(polls) - len(ok)})"),
        ("status p50", f"{cuts[49] * 1000:.1f} ms"),
        ("status p95", f"{cuts[94] * 1000:.1f} ms"),
        ("status p99", f"{cuts[98] * 1000:.1f} ms (goal <= 50 ms)"),
        ("status max", f"{max(ok) * 1000:.1f} ms"),
        ("statuses seen", ", ".join(f"{k} {v}" for k, v in seen.most_common())),
        (
            "gateway CPU per status request",
            f"{gateway_cpu / len(polls) * 1000:.1f} ms (incl. uploads)",
        ),
        ("sample-call jobs completed", f"{load.jobs_completed} of {load.jobs_submitted} submitted"),
        (
            "background uploads",
            f"{load.uploads} x {args.size_mib} MiB, "
            f"{load.upload_bytes / MiB / max(load.upload_seconds, 1e-9):.0f} MiB/s"
            + (f" (paced to {args.upload_mibps:g} MiB/s)" if args.upload_mibps else " (unpaced)"),
        ),
    ]
    if load.errors:
        rows.append(("background errors", "; ".join(load.errors[:3])))
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="upload size (default 1024)")
    parser.add_argument("--pollers", type=int, default=50, help="concurrent status pollers")
    parser.add_argument("--requests", type=int, default=40, help="requests per poller")
    parser.add_argument(
        "--open-loop",
        action="store_true",
        help="scheduled polling at --rate while a job and uploads run (instead of the rest)",
    )
    parser.add_argument(
        "--upload-mibps",
        type=float,
        default=0.0,
        help="open loop: pace each background upload to this many MiB/s (0: unpaced; "
        "12.5 is a 100 Mbit/s link)",
    )
    parser.add_argument("--rate", type=float, default=1.0, help="open loop: polls/s per poller")
    parser.add_argument("--duration", type=float, default=60.0, help="open loop: seconds")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="open loop: CPU niceness of the worker (19: as if it ran on its own GPU host)",
    )
    args = parser.parse_args()
    if args.open_loop:
        run_open_loop(args)
        return
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
    print_table(rows)


def print_table(rows: list[tuple[str, str]]) -> None:
    """Print ``(metric, value)`` rows as a two-column table, then the machine's load."""
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
