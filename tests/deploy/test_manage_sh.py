"""``manage.sh``: shellcheck-clean, its help, argument errors, missing prerequisites (one clear
line each), the first run's ``.env``, the start/stop order of the stacks and ``enroll``.

The Docker CLI is replaced by ``fake_docker.sh`` (no engine on the test machines); every
``docker compose`` call it receives is validated with the real Compose binary, so a start
only succeeds with Compose files that are valid with the ``.env`` manage.sh generated.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import soundfile as sf
from deploy_support import FAKE_DOCKER, ROOT, Sandbox, make_sandbox, venv_tool

SECRETS = (
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "QDRANT_API_KEY",
    "JWT_SECRET",
)


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def _env_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [ROOT / "manage.sh", ROOT / "01-core/init/create-buckets.sh", FAKE_DOCKER]
    result = subprocess.run(
        [str(venv_tool("shellcheck")), "--severity=style", *map(str, scripts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manage_sh_is_executable_and_strict() -> None:
    text = (ROOT / "manage.sh").read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.stat(ROOT / "manage.sh").st_mode & stat.S_IXUSR


@pytest.mark.parametrize("flag", ["help", "-h", "--help"])
def test_help_lists_every_command(sandbox: Sandbox, flag: str) -> None:
    result = sandbox.run(flag, docker=False)
    assert result.returncode == 0, result.stderr
    for command in (
        "up [STACK]", "down [STACK]", "restart [STACK]", "logs [STACK]", "ps [STACK]",
        "migrate", "enroll NAME FILE...", "demo [FILE]", "serve", "test", "help",
    ):  # fmt: skip
        assert command in result.stdout, command
    assert "core" in result.stdout
    assert "workers" in result.stdout
    assert "interface" in result.stdout
    assert sandbox.docker_calls() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus"], "unknown command 'bogus'"),
        (["up", "db"], "unknown stack 'db' (choose core, workers, interface or all)"),
        (["down", "everything"], "unknown stack 'everything'"),
        (["up", "core", "workers"], "up takes at most one STACK"),
        (["ps", "core", "x"], "ps takes at most one STACK"),
        (["migrate", "now"], "migrate takes no arguments"),
        (["enroll"], "usage: ./manage.sh enroll NAME FILE..."),
        (["enroll", "Ada"], "usage: ./manage.sh enroll NAME FILE..."),
        (["enroll", "../etc", "x.wav"], "invalid name '../etc'"),
        (["demo", "/nonexistent/meeting.m4a"], "no such file: /nonexistent/meeting.m4a"),
    ],
)
def test_argument_errors_exit_2_with_one_line(
    sandbox: Sandbox, args: list[str], message: str
) -> None:
    result = sandbox.run(*args)
    assert result.returncode == 2
    assert message in _one_error_line(result)
    assert not (sandbox.root / ".env").exists()


@pytest.mark.parametrize(
    ("docker", "fail", "message"),
    [
        (False, "", "Docker is not installed ('docker' is not on PATH)"),
        (True, "compose", "the Docker Compose plugin is missing"),
        (True, "daemon", "cannot reach the Docker daemon"),
        (
            True,
            "nvidia",
            "the NVIDIA container runtime is missing: install nvidia-container-toolkit",
        ),
    ],
)
def test_missing_prerequisite_fails_with_one_line(
    sandbox: Sandbox, docker: bool, fail: str, message: str
) -> None:
    result = sandbox.run(docker=docker, fail=fail)
    assert result.returncode == 1
    assert message in _one_error_line(result)
    assert not (sandbox.root / ".env").exists()
    assert not any(" up " in call for call in sandbox.docker_calls())


def test_nvidia_runtime_is_only_required_for_the_workers(sandbox: Sandbox) -> None:
    result = sandbox.run("up", "core", fail="nvidia")
    assert result.returncode == 0, result.stderr
    result = sandbox.run("up", "workers", fail="nvidia")
    assert result.returncode == 1
    assert "NVIDIA container runtime is missing" in _one_error_line(result)


@pytest.mark.parametrize("args", [["down"], ["ps", "core"], ["logs", "workers"], ["migrate"]])
def test_commands_other_than_up_need_an_existing_env(sandbox: Sandbox, args: list[str]) -> None:
    result = sandbox.run(*args)
    assert result.returncode == 1
    assert ".env is missing: run ./manage.sh once" in _one_error_line(result)
    assert not (sandbox.root / ".env").exists()


def test_first_run_creates_env_with_fresh_secrets_and_asks_for_hf_token(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = sandbox.run()
    env_file = sandbox.root / ".env"
    assert env_file.exists()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "created .env from .env.example with fresh random secrets" in result.stderr
    # Nothing starts without the token the gated pyannote models need.
    assert result.returncode == 1
    assert "HF_TOKEN is empty in .env" in result.stderr.strip().splitlines()[-1]
    assert not any(" up " in call for call in sandbox.docker_calls())

    example = _env_values(sandbox.root / ".env.example")
    generated = _env_values(env_file)
    assert generated.keys() == example.keys()
    for name in SECRETS:
        assert example[name] == "changeme"
        assert re.fullmatch(r"[0-9a-f]{64}", generated[name]), name
    assert len({generated[name] for name in SECRETS}) == len(SECRETS)
    assert {k: v for k, v in generated.items() if k not in SECRETS} == {
        k: v for k, v in example.items() if k not in SECRETS
    }
    # Comments and commented-out variables are kept as they are.
    assert sum(1 for line in env_file.read_text().splitlines() if line.startswith("#")) == sum(
        1
        for line in (sandbox.root / ".env.example").read_text().splitlines()
        if line.startswith("#")
    )

    # An existing .env is never overwritten; another installation gets other secrets.
    again = sandbox.run()
    assert _env_values(env_file) == generated
    assert "created .env" not in again.stderr
    other = make_sandbox(tmp_path / "other", sandbox.compose_bin)
    other.run()
    other_secrets = _env_values(other.root / ".env")
    assert all(other_secrets[name] != generated[name] for name in SECRETS)


def test_placeholder_secrets_are_refused(sandbox: Sandbox) -> None:
    (sandbox.root / ".env").write_text((sandbox.root / ".env.example").read_text())
    result = sandbox.run("up", "core")
    assert result.returncode == 1
    assert "POSTGRES_PASSWORD in .env is empty or the placeholder 'changeme'" in _one_error_line(
        result
    )


def test_no_argument_starts_core_then_waits_then_workers_and_interface(
    deployed: Sandbox,
) -> None:
    result = deployed.run()
    assert result.returncode == 0, result.stderr
    calls = deployed.docker_calls()
    compose_calls = [c for c in calls if c.startswith("compose --env-file")]
    assert compose_calls == [
        "compose --env-file .env -f 01-core/docker-compose.yml up -d --wait --wait-timeout 300 "
        "postgres redis minio qdrant",
        "compose --env-file .env -f 01-core/docker-compose.yml run --rm minio-init",
        "compose --env-file .env -f 02-workers/docker-compose.yml up -d --build",
        "compose --env-file .env -f 03-interface/docker-compose.yml up -d --build --wait "
        "--wait-timeout 300",
    ]
    # Prerequisites are checked before anything starts.
    first_up = calls.index(compose_calls[0])
    assert "compose version" in calls[:first_up]
    assert "info --format {{json .Runtimes}}" in calls[:first_up]
    assert "network inspect sms_core" in calls


def test_workers_alone_create_the_shared_network_when_missing(deployed: Sandbox) -> None:
    """A second GPU host runs only 02-workers: the network the stack joins must exist."""
    result = deployed.run("up", "workers", fail="network")
    assert result.returncode == 0, result.stderr
    calls = deployed.docker_calls()
    assert calls.index("network create sms_core") < calls.index(
        "compose --env-file .env -f 02-workers/docker-compose.yml up -d --build"
    )


def test_down_stops_the_stacks_in_reverse_order(deployed: Sandbox) -> None:
    result = deployed.run("down")
    assert result.returncode == 0, result.stderr
    assert [c for c in deployed.docker_calls() if c.startswith("compose --env-file")] == [
        "compose --env-file .env -f 03-interface/docker-compose.yml down",
        "compose --env-file .env -f 02-workers/docker-compose.yml down",
        "compose --env-file .env -f 01-core/docker-compose.yml down",
    ]


def test_restart_logs_ps_and_migrate_target_the_named_stack(deployed: Sandbox) -> None:
    assert deployed.run("restart", "interface").returncode == 0
    assert [c for c in deployed.docker_calls() if c.startswith("compose --env-file")] == [
        "compose --env-file .env -f 03-interface/docker-compose.yml down",
        "compose --env-file .env -f 03-interface/docker-compose.yml up -d --build --wait "
        "--wait-timeout 300",
    ]
    assert deployed.run("logs", "workers", "--since", "10m").returncode == 0
    assert deployed.docker_calls()[-1] == (
        "compose --env-file .env -f 02-workers/docker-compose.yml logs --follow --tail 200 "
        "--since 10m"
    )
    assert deployed.run("ps").returncode == 0
    assert [c.split(" -f ")[1] for c in deployed.docker_calls() if " ps" in c] == [
        "01-core/docker-compose.yml ps",
        "02-workers/docker-compose.yml ps",
        "03-interface/docker-compose.yml ps",
    ]
    assert deployed.run("migrate").returncode == 0
    assert deployed.docker_calls()[-1] == (
        "compose --env-file .env -f 03-interface/docker-compose.yml run --rm --no-deps --build "
        "gateway python -m scribe_core.db.migrate upgrade head"
    )


def test_enroll_converts_real_recordings_into_the_voice_bank(
    sandbox: Sandbox, eval_dir: Path
) -> None:
    sources = [
        eval_dir / "katie-steve" / "enrollment_audio_katie.wav",
        eval_dir / "fleurs" / "fleurs-en-000.ogg",  # Ogg/Opus, 48 kHz
    ]
    result = sandbox.run("enroll", "Katie", *map(str, sources), docker=False)
    assert result.returncode == 0, result.stderr
    assert "enrolled 'Katie': 2 recording(s)" in result.stdout
    folder = sandbox.root / "02-workers" / "voice_bank" / "Katie"
    for source in sources:
        target = folder / f"{source.stem}.wav"
        info = sf.info(target)
        assert info.samplerate == 16000
        assert info.channels == 1
        assert info.subtype == "PCM_16"
        source_seconds = sf.info(source).duration
        assert info.duration == pytest.approx(source_seconds, abs=0.1)


def test_enroll_rejects_undecodable_input_without_leaving_files(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.m4a"
    bogus.write_text("not audio\n" * 50)
    result = sandbox.run("enroll", "Bob", str(bogus), docker=False)
    assert result.returncode == 1
    line = _one_error_line(result)
    assert f"cannot decode {bogus} as audio: " in line
    assert "Invalid data" in line
    assert not (sandbox.root / "02-workers" / "voice_bank" / "Bob").exists()
