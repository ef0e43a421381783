"""Crash recovery of the embedded default: ``scribe serve`` (SQLite file, local-directory store,
in-process queue) is killed with SIGKILL in the middle of an upload AND of a meeting's
processing, then restarted on the same data directory. Nothing of the dead process may stay on
disk (no partial upload ``storage/.incoming/*.part``, no task folder ``work/scribe-task-*``
holding a copy of the recording) and the interrupted meeting must complete. A file without
an audio track then ends FAILED with a stable code and a sentence fit for users."""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from e2e_support import Api, Service, subprocess_env, wait_http

from scribe_core.errors import error_message
from scribe_core.testing import free_ports
from scribe_worker.jobs.workdirs import TASK_DIR_PREFIXES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MiB = 1024 * 1024
PART_SIZE = 5 * MiB
LEASE_SECONDS = 6


class _SameUser(Api):
    """An API client with a token obtained before (no new account)."""

    def __init__(self, base_url: str, authorization: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.http.headers["Authorization"] = authorization


def _start(data_dir: Path, cwd: Path, name: str) -> tuple[Service, str]:
    (port,) = free_ports(1)
    env = subprocess_env(
        SCRIBE_DATA_DIR=str(data_dir),
        WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
        SWEEP_INTERVAL_SECONDS="1",
        UPLOAD_PART_SIZE=str(PART_SIZE),
    )
    scribe = str(Path(sys.executable).with_name("scribe"))
    service = Service(name, [scribe, "serve", "--host", "127.0.0.1", "--port", str(port)], env, cwd)
    url = f"http://127.0.0.1:{port}"
    wait_http(service, url + "/ready")
    return service, url


def _long_meeting(eval_dir: Path, path: Path) -> Path:
    """Two minutes of real meeting audio: four AMI excerpts of 30 s, one after the other."""
    clips = [eval_dir / "ami-30s" / f"trn0{i}.wav" for i in range(4)]
    args = [a for clip in clips for a in ("-i", str(clip))]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", *args,
         "-filter_complex", f"concat=n={len(clips)}:v=0:a=1", "-ac", "1", "-ar", "16000",
         str(path)],
        check=True,
    )  # fmt: skip
    return path


def _video_without_audio(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
         "-i", "testsrc=s=64x64:r=5:d=1", "-c:v", "mpeg4", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _start_slow_upload(url: str, authorization: str, sent: int) -> socket.socket:
    """A client that announces a 64 MiB WAV upload, sends ``sent`` bytes of it and stalls."""
    boundary = "scribe-slow-client"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"'
        "\r\nContent-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = 64 * MiB
    wav = b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16
    ) + b"data" + struct.pack("<I", size - 44)  # fmt: skip
    host = url.removeprefix("http://")
    request = (
        f"POST /api/v1/process HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n"
    ).encode()
    ip, port = host.split(":")
    client = socket.create_connection((ip, int(port)), timeout=30)
    client.sendall(request + head + wav)
    chunk = bytes(MiB)
    for _ in range(sent // MiB):
        client.sendall(chunk)
    return client


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _task_dirs(work: Path) -> list[Path]:
    if not work.is_dir():
        return []
    return [p for p in work.iterdir() if p.name.startswith(TASK_DIR_PREFIXES)]


def test_killed_serve_leaves_nothing_behind_and_finishes_the_meeting(
    tmp_path: Path, eval_dir: Path
) -> None:
    data_dir = tmp_path / "volumes"
    incoming = data_dir / "storage" / ".incoming"
    work = data_dir / "work"
    recording = _long_meeting(eval_dir, tmp_path / "meeting.wav")

    first, url = _start(data_dir, tmp_path, "serve-1")
    slow: socket.socket | None = None
    try:
        api = Api(url)
        accepted = api.upload(recording)
        authorization = api.http.headers["Authorization"]
        # Mid-task: past `convert`, the task folder holds the downloaded copy of the recording.
        _wait_for(
            lambda: api.status(accepted["status_url"])["stage"] in {"diarize", "identify"},
            "the meeting to be diarized",
            timeout=300,
        )
        assert [p.name[:12] for p in _task_dirs(work)] == ["scribe-task-"]
        # Mid-upload: a slow client has sent two parts of a large file and stalls.
        slow = _start_slow_upload(url, authorization, sent=12 * MiB)
        _wait_for(
            lambda: any(p.stat().st_size >= PART_SIZE for p in incoming.glob("*.part")),
            "a partial upload on disk",
        )
        first.kill()  # SIGKILL: no clean-up of any kind runs
    finally:
        if slow is not None:
            slow.close()
        first.kill()
    api.close()
    assert list(incoming.glob("*.part")), "the crash left a partial upload"
    assert _task_dirs(work), "the crash left the task's folder"

    second, url = _start(data_dir, tmp_path, "serve-2")
    try:
        api = _SameUser(url, authorization)  # tokens survive a restart (data_dir/jwt_secret)
        _wait_for(lambda: not list(incoming.glob("*.part")), "the partial upload removed", 60)
        status = api.status(accepted["status_url"])
        assert status["status"] in {"PENDING", "PROCESSING", "COMPLETED"}, status
        done = api.poll(accepted["status_url"], {"COMPLETED", "FAILED"}, timeout=600)
        assert done.final["status"] == "COMPLETED", (done.final, second.log())
        assert done.final["error"] is None
        assert done.final["error_code"] is None
        assert _task_dirs(work) == [], "no task folder is left once the meeting completed"
        assert list(incoming.glob("*.part")) == []
        removed = re.findall(
            r"removed (\d+) incomplete upload\(s\) and (\d+) orphaned task folder\(s\)",
            second.log(200_000),
        )
        assert [sum(int(r[i]) for r in removed) for i in (0, 1)] == [1, 1], removed

        # A file with no audio track: FAILED with a stable code and a sentence.
        video = api.upload(_video_without_audio(tmp_path / "film.mp4"))
        failed = api.poll(video["status_url"], {"COMPLETED", "FAILED"}, timeout=120).final
        assert failed["status"] == "FAILED"
        assert failed["error_code"] == "no_audio_stream"
        assert failed["error"] == error_message("no_audio_stream")
        reason = str(failed["error"])
        assert "/" not in reason
        assert "0x" not in reason
        assert "ffmpeg" not in reason.lower()
        assert "matches no streams" in second.log(200_000), "ffmpeg's reason is in the log"
        meeting = api.http.get(f"/api/v1/meetings/{video['meeting_id']}").json()
        assert (meeting["error_code"], meeting["error"]) == ("no_audio_stream", reason)
        assert _task_dirs(work) == []
        api.close()
    finally:
        second.stop()
