"""``manage.sh``: shellcheck-clean, its help, argument errors, missing prerequisites (one clear
line each), the first run's ``.env``, the start/stop order of the stacks and ``enroll``.

The Docker CLI is replaced by ``fake_docker.sh`` (no engine on the test machines); every
``docker compose`` call it receives is validated with the real Compose binary, so a start
only succeeds with Compose files that are valid with the ``.env`` manage.sh generated.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
from dataclasses import dataclass
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
    scripts = [
        ROOT / "manage.sh",
        *sorted((ROOT / "scripts").glob("*.sh")),
        ROOT / "01-core/init/create-buckets.sh",
        FAKE_DOCKER,
    ]
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


# ---- `./manage.sh test`: its system prerequisites, checked before any suite starts ----------

APT_GET = """
if [ "${FAKE_APT_FAIL:-}" = 1 ]; then
  echo "E: Unable to locate package chromium" >&2
  exit 100
fi
if [ "$1" = install ]; then
  for package in "$@"; do
    case "$package" in
      -*|install) ;;
      *) printf '#!/bin/sh\\n' >"$(dirname "$0")/$package"; chmod +x "$(dirname "$0")/$package" ;;
    esac
  done
fi
"""
"""apt-get's test double: ``install`` puts an executable of each package's name on PATH."""

SUDO = """
[ "${FAKE_SUDO:-}" = nopasswd ] || { echo "sudo: a password is required" >&2; exit 1; }
[ "$1" = -n ] && shift
"$@"
"""
"""sudo's test double: works without a password only when FAKE_SUDO=nopasswd."""


@dataclass
class SuiteBox:
    """A sandbox for ``manage.sh test``: the real ``scripts/system-packages.sh``, and test
    doubles of ``scripts/install.sh``, ``.venv/bin/python``, ``npm`` and ``id`` (``id -u``
    prints FAKE_UID) that append ``NAME ARGS`` to one log, in call order. No Chromium on
    PATH; ``apt-get`` and ``sudo`` only when a test adds them."""

    box: Sandbox
    calls: Path

    def tool(self, name: str, body: str = "", folder: Path | None = None) -> Path:
        """Write a logging test double of ``name`` (into the sandbox PATH by default)."""
        path = (folder or self.box.bin) / name
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        log = shlex.quote(str(self.calls))
        path.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "{name} $*" >>{log}\n{body}\n')
        path.chmod(0o755)
        return path

    def run(self, *args: str, uid: int = 0, **extra: str) -> subprocess.CompletedProcess[str]:
        """``bash manage.sh test ARGS`` as user ``uid``."""
        self.calls.write_text("")
        return self.box.run("test", *args, docker=False, FAKE_UID=str(uid), **extra)

    def log(self) -> list[str]:
        return self.calls.read_text().splitlines()

    def suites_started(self) -> list[str]:
        """The calls that set up the environment or run a suite."""
        return [c for c in self.log() if c.split()[0] in {"install.sh", "python", "npm"}]


@pytest.fixture
def suite_box(sandbox: Sandbox) -> SuiteBox:
    box = SuiteBox(sandbox, sandbox.root / "calls.log")
    scripts = sandbox.root / "scripts"
    scripts.mkdir()
    shutil.copy2(ROOT / "scripts" / "system-packages.sh", scripts)
    tail = shutil.which("tail")
    assert tail is not None
    (sandbox.bin / "tail").symlink_to(tail)
    box.tool("install.sh", folder=scripts)
    box.tool("python", folder=sandbox.root / ".venv" / "bin")
    box.tool("npm", 'echo "CHROMIUM_PATH=${CHROMIUM_PATH:-}" >>"$0.env"')
    box.tool("id", 'echo "${FAKE_UID:-0}"')
    return box


@pytest.mark.parametrize(
    ("uid", "apt_get", "advice"),
    [
        (0, False, "install them with: apt-get install -y chromium"),
        (1000, True, "install them with: sudo apt-get install -y chromium"),
    ],
    ids=["root-without-apt-get", "user-without-passwordless-sudo"],
)
def test_missing_chromium_that_cannot_be_installed_stops_before_any_suite(
    suite_box: SuiteBox, uid: int, apt_get: bool, advice: str
) -> None:
    if apt_get:
        suite_box.tool("apt-get", APT_GET)
        suite_box.tool("sudo", SUDO)
    result = suite_box.run(uid=uid)
    assert result.returncode == 1
    line = _one_error_line(result)
    assert line == f"error: missing system packages: chromium; {advice}"
    assert suite_box.suites_started() == []
    assert not any(c.startswith("apt-get") for c in suite_box.log())
    assert not (suite_box.box.bin / "chromium").exists()


def test_every_missing_package_is_named_in_the_one_install_command(suite_box: SuiteBox) -> None:
    (suite_box.box.bin / "ffmpeg").unlink()
    result = suite_box.run(uid=1000)
    assert result.returncode == 1
    assert _one_error_line(result) == (
        "error: missing system packages: ffmpeg chromium; "
        "install them with: sudo apt-get install -y ffmpeg chromium"
    )
    assert suite_box.suites_started() == []


def test_root_installs_chromium_then_runs_every_suite_with_it(suite_box: SuiteBox) -> None:
    suite_box.tool("apt-get", APT_GET)
    result = suite_box.run()
    assert result.returncode == 0, result.stderr
    assert "installing system packages: chromium" in result.stderr
    assert suite_box.log() == [
        "id -u",
        "apt-get install -y -qq chromium",
        "install.sh ",
        "python -m pytest",
        "npm ci --no-audit --no-fund --loglevel=error",
        "npm run --silent check:api",
        "npm test",
        "npm run test:e2e",
    ]
    chromium = suite_box.box.bin / "chromium"
    assert (suite_box.box.bin / "npm.env").read_text().splitlines() == [
        f"CHROMIUM_PATH={chromium}"
    ] * 4


def test_a_user_with_passwordless_sudo_installs_through_it(suite_box: SuiteBox) -> None:
    suite_box.tool("apt-get", APT_GET)
    suite_box.tool("sudo", SUDO)
    (suite_box.box.bin / "ffmpeg").unlink()
    result = suite_box.run(uid=1000, FAKE_SUDO="nopasswd")
    assert result.returncode == 0, result.stderr
    calls = suite_box.log()
    install = calls.index("sudo -n apt-get install -y -qq ffmpeg chromium")
    assert calls[install + 1] == "apt-get install -y -qq ffmpeg chromium"
    assert calls.index("python -m pytest") > install
    assert (suite_box.box.bin / "ffmpeg").exists()


def test_a_failed_install_stops_before_any_suite(suite_box: SuiteBox) -> None:
    suite_box.tool("apt-get", APT_GET)
    result = suite_box.run(FAKE_APT_FAIL="1")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "installing system packages: chromium",
        "error: could not install system packages: chromium "
        "(apt-get: E: Unable to locate package chromium); "
        "install them with: apt-get install -y chromium",
    ]
    # A fresh machine's empty package lists are refreshed once before giving up.
    assert [c for c in suite_box.log() if c.startswith("apt-get")] == [
        "apt-get install -y -qq chromium",
        "apt-get update -qq",
    ]
    assert suite_box.suites_started() == []


def test_pytest_arguments_need_ffmpeg_but_not_chromium(suite_box: SuiteBox) -> None:
    result = suite_box.run("tests/worker", "-k", "fuse")
    assert result.returncode == 0, result.stderr
    assert suite_box.log() == ["install.sh ", "python -m pytest tests/worker -k fuse"]

    (suite_box.box.bin / "ffmpeg").unlink()
    result = suite_box.run("tests/worker")
    assert result.returncode == 1
    assert _one_error_line(result) == (
        "error: missing system packages: ffmpeg; install them with: apt-get install -y ffmpeg"
    )
    assert suite_box.suites_started() == []


def test_without_npm_the_dashboard_suites_and_chromium_are_skipped(suite_box: SuiteBox) -> None:
    (suite_box.box.bin / "npm").unlink()
    result = suite_box.run()
    assert result.returncode == 0, result.stderr
    assert "skipping the dashboard tests: Node.js/npm not installed" in result.stderr
    assert suite_box.suites_started() == ["install.sh ", "python -m pytest"]


def test_chromium_path_names_the_browser_instead(suite_box: SuiteBox, tmp_path: Path) -> None:
    browser = suite_box.tool("my-chromium", folder=tmp_path)
    result = suite_box.run(CHROMIUM_PATH=str(browser))
    assert result.returncode == 0, result.stderr
    assert not any(c.startswith("apt-get") for c in suite_box.log())
    assert (suite_box.box.bin / "npm.env").read_text().splitlines()[0] == (
        f"CHROMIUM_PATH={browser}"
    )

    result = suite_box.run(CHROMIUM_PATH=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert f"CHROMIUM_PATH is set to '{tmp_path / 'nowhere'}'" in _one_error_line(result)
    assert suite_box.suites_started() == []


def test_install_sh_stops_before_the_venv_when_ffmpeg_cannot_be_installed(
    suite_box: SuiteBox,
) -> None:
    """``demo`` and ``serve`` set up .venv with scripts/install.sh: the same check first."""
    root = suite_box.box.root
    shutil.copy2(ROOT / "scripts" / "install.sh", root / "scripts" / "install.sh")
    shutil.rmtree(root / ".venv")
    (suite_box.box.bin / "ffmpeg").unlink()
    result = subprocess.run(
        [str(suite_box.box.bin / "bash"), str(root / "scripts" / "install.sh")],
        cwd=root,
        env=suite_box.box.env(docker=False, FAKE_UID="1000"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert _one_error_line(result) == (
        "error: missing system packages: ffmpeg; install them with: sudo apt-get install -y ffmpeg"
    )
    assert not (root / ".venv").exists()
