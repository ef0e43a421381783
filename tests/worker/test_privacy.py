"""Privacy you can verify: `scribe process` attempts no network connection at all.

The command runs in a fresh interpreter where pytest-socket guards ``socket.connect`` for
every host and for unix sockets (``socket_allow_hosts([])``): any connection attempt (a hub
download, telemetry, a local daemon) raises ``SocketConnectBlockedError``, which would fail
the command or leave its warning in stderr. The Hugging Face offline switches are removed
from the environment, so nothing but the project's own configuration keeps models local.
(Creating sockets is allowed: urllib3 probes IPv6 support at import by binding ``::1``,
which connects nowhere.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GUARDED_SCRIBE = """
import socket, sys, warnings
import pytest_socket
pytest_socket.socket_allow_hosts([], allow_unix_socket=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    except pytest_socket.SocketConnectBlockedError:
        pass
    else:
        raise SystemExit("the socket guard is not active")
from scribe_worker.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_scribe_process_opens_no_socket(eval_dir: Path, tmp_path: Path) -> None:
    bank = tmp_path / "voices"
    bank.mkdir()
    shutil.copy(eval_dir / "katie-steve" / "enrollment_audio_katie.wav", bank / "Katie.wav")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PYANNOTE_METRICS"))}
    proc = subprocess.run(
        [sys.executable, "-c", GUARDED_SCRIBE, "process", str(eval_dir / "katie-steve" /
         "katiesteve.wav"), "--out", str(out), "--voice-bank", str(bank), "--quiet"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "SocketConnectBlockedError" not in proc.stderr, proc.stderr[-3000:]
    assert "tried to use socket" not in proc.stderr, proc.stderr[-3000:]
    document = json.loads((out / "katiesteve.json").read_text())
    assert document["segments"], "the guarded run produced no transcript"
    assert document["turns"], "the guarded run produced no diarization"


def test_the_guard_blocks_a_connection() -> None:
    """Control: the same guard makes an outbound connection attempt fail in a child process."""
    code = (
        "import socket, pytest_socket\n"
        "pytest_socket.socket_allow_hosts([], allow_unix_socket=False)\n"
        "socket.create_connection(('127.0.0.1', 9))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    assert "SocketConnectBlockedError" in proc.stderr
