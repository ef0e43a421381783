"""Helpers of the end-to-end tests: server subprocesses, an API client that polls a task, and
the checks made on a real transcript of the sample call."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scribe_core.storage import S3Store
from scribe_core.testing import free_ports

PYTHON = sys.executable
SERVER_URL_VARIABLES = (
    "DATABASE_URL", "POSTGRES_HOST", "REDIS_URL", "MINIO_ENDPOINT", "JWT_SECRET", "ENVIRONMENT",
)  # fmt: skip
"""Variables cleared from the environment of every subprocess before the test sets its own."""

LEASE_SECONDS = 12
"""Worker lease in these tests: a killed worker's meeting is re-queued this long after its
last heartbeat (production default: 60 s)."""

PIPELINE_STAGES = ("convert", "diarize", "identify", "transcribe", "fuse")
EXPORTS = ("json", "srt", "vtt", "txt", "rttm")


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The test's environment without server URLs, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in SERVER_URL_VARIABLES}
    env.update(PYANNOTE_METRICS_ENABLED="0", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


class Service:
    """A server subprocess in its own process group, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.name = name
        self.log_path = cwd / f"{name}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def log(self, tail: int = 4000) -> str:
        """The end of the service's output."""
        return self.log_path.read_text(errors="replace")[-tail:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: no clean-up runs)."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL; returns the exit status."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


def wait_http(service: Service, url: str, timeout: float = 120) -> None:
    """Wait until ``url`` answers 200 (or fail with the service's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise RuntimeError(f"{service.name} exited:\n{service.log()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} did not answer {url}:\n{service.log()}")


def wait_log(service: Service, pattern: str, timeout: float = 120) -> None:
    """Wait until the service prints ``pattern`` (a regular expression)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, service.log(20000)):
            return
        if not service.alive():
            raise RuntimeError(f"{service.name} exited:\n{service.log()}")
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} never printed {pattern!r}:\n{service.log()}")


def start_gateway(env: Mapping[str, str], cwd: Path) -> tuple[Service, str]:
    """``python -m scribe_gateway`` on a free port; returns the service and its base URL."""
    (port,) = free_ports(1)
    service = Service(
        "gateway",
        [PYTHON, "-m", "scribe_gateway"],
        {**env, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)},
        cwd,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(service, url + "/health")
    return service, url


def start_worker(env: Mapping[str, str], cwd: Path, name: str = "worker") -> Service:
    """``taskiq worker scribe_worker.jobs.tasks:broker --workers 1 --max-async-tasks 1``."""
    args = [PYTHON, "-m", "taskiq", "worker", "scribe_worker.jobs.tasks:broker",
            "--workers", "1", "--max-async-tasks", "1"]  # fmt: skip
    service = Service(name, args, env, cwd)
    wait_log(service, r"scribe worker ready")
    return service


@dataclass
class Platform:
    """The running servers and the environment that points a process at them."""

    env: dict[str, str]
    gateway_url: str
    gateway: Service
    store: S3Store
    workdir: Path


@dataclass
class Observation:
    """What polling a task saw."""

    statuses: list[str] = field(default_factory=list)
    """Distinct statuses in the order they were first seen."""
    stages: list[tuple[str, float]] = field(default_factory=list)
    """(stage, progress) seen while PROCESSING."""
    final: dict[str, object] = field(default_factory=dict)


class Api:
    """A logged-in API client."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        email = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
        password = secrets.token_urlsafe(12)
        register = self.http.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        )
        assert register.status_code == 201, register.text
        token = self.http.post("/api/v1/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        assert token.json()["token_type"] == "bearer"
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def upload(self, path: Path) -> dict[str, str]:
        with path.open("rb") as audio:
            response = self.http.post(
                "/api/v1/process", files={"file": (path.name, audio, "audio/wav")}
            )
        assert response.status_code == 202, response.text
        return dict(response.json())

    def status(self, status_url: str) -> dict[str, object]:
        response = self.http.get(status_url)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def poll(
        self,
        status_url: str,
        until: set[str],
        timeout: float = 600,
        seen: Observation | None = None,
    ) -> Observation:
        """Poll every 0.2 s until the status is in ``until``."""
        seen = seen or Observation()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(status_url)
            if not seen.statuses or seen.statuses[-1] != status["status"]:
                seen.statuses.append(str(status["status"]))
            if status["status"] == "PROCESSING" and status["stage"]:
                seen.stages.append((str(status["stage"]), float(status["progress"])))  # type: ignore[arg-type]
            if status["status"] in until:
                seen.final = status
                return seen
            time.sleep(0.2)
        raise AssertionError(f"still {seen.statuses[-1]} after {timeout} s: {seen}")

    def exports(self, meeting_id: str) -> dict[str, str]:
        texts = {}
        for fmt in EXPORTS:
            response = self.http.get(
                f"/api/v1/meetings/{meeting_id}/transcript", params={"format": fmt}
            )
            assert response.status_code == 200, response.text
            texts[fmt] = response.text
        return texts

    def close(self) -> None:
        self.http.close()


def check_progress(seen: Observation) -> None:
    """PENDING → PROCESSING (with pipeline stages and rising progress) → COMPLETED."""
    assert seen.statuses == ["PENDING", "PROCESSING", "COMPLETED"], seen.statuses
    stages = [stage for stage, _ in seen.stages]
    assert any(stage in PIPELINE_STAGES for stage in stages), stages
    progress = [p for _, p in seen.stages]
    assert progress == sorted(progress), "progress never goes back"
    assert any(0 < p < 1 for p in progress), progress
    assert seen.final["progress"] == 1.0
    assert seen.final["processing_time"] > 0  # type: ignore[operator]
    assert seen.final["error"] is None


def check_sample_call_transcript(texts: dict[str, str], stm: Path) -> dict[str, Any]:
    """Two speakers and the words of the sample call (WER against its reference < 50 %)."""
    import jiwer

    document = json.loads(texts["json"])
    assert len(document["speakers"]) == 2, document["speakers"]
    labels = {s["label"] for s in document["speakers"]}
    assert {seg["speaker_label"] for seg in document["segments"]} <= labels
    hypothesis = _normalise(document["text"])
    reference = _normalise(
        " ".join(" ".join(line.split()[5:]) for line in stm.read_text().splitlines())
    )
    for word in ("chicago", "jersey", "texas"):
        assert word in hypothesis.split(), (word, hypothesis)
    assert jiwer.wer(reference, hypothesis) < 0.5, hypothesis
    first = document["segments"][0]
    assert f"{first['speaker']}: " in texts["srt"]
    assert texts["vtt"].startswith("WEBVTT")
    assert f"<v {first['speaker']}>" in texts["vtt"]
    return dict(document)


def check_rename(api: Api, meeting_id: str, label: str, name: str) -> None:
    """Rename ``label`` and find the new name in every export and not the label."""
    response = api.http.patch(
        f"/api/v1/meetings/{meeting_id}/speakers/{label}", json={"name": name}
    )
    assert response.status_code == 200, response.text
    assert {s["label"]: s["display_name"] for s in response.json()["speakers"]}[label] == name
    texts = api.exports(meeting_id)
    document = json.loads(texts["json"])
    entries = [s for s in document["speakers"] if s["label"] == label]
    assert [{"label": s["label"], "name": s["name"]} for s in entries] == [
        {"label": label, "name": name}
    ]
    assert all(seg["speaker"] != label for seg in document["segments"])
    assert f"{name}: " in texts["srt"]
    assert f"{label}: " not in texts["srt"]
    assert f"<v {name}>" in texts["vtt"]
    assert f"{name}: " in texts["txt"]
    assert f" {name.replace(' ', '_')} <NA> <NA>" in texts["rttm"]
    assert f" {label} <NA> <NA>" not in texts["rttm"]


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def iter_files(root: Path) -> Iterator[Path]:
    """Every file under ``root``."""
    return (p for p in root.rglob("*") if p.is_file())
