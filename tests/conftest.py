"""Shared fixtures: the evaluation audio in ``../shared/eval`` (never copied into the repo)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("SCRIBE_EVAL_DIR", ROOT.parent / "shared" / "eval")).resolve()

# A user's .env (created by ./manage.sh) must not configure the tests: set before any
# scribe_core.settings import.
os.environ["SCRIBE_ENV_FILE"] = ""
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The voice bank of tests never lands in the user's volumes/ (tests that need one on disk
# pass their own QDRANT_PATH).
os.environ.setdefault("QDRANT_PATH", ":memory:")


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """``../shared/eval`` (override with ``SCRIBE_EVAL_DIR``); skips when it is missing."""
    if not (EVAL_DIR / "sample-call" / "sample.wav").is_file():
        pytest.skip(f"evaluation audio not found at {EVAL_DIR} (expected ../shared/eval)")
    return EVAL_DIR


@pytest.fixture(scope="session")
def sample_call(eval_dir: Path) -> Path:
    """The 30 s two-speaker phone call (16 kHz mono WAV)."""
    return eval_dir / "sample-call" / "sample.wav"


@pytest.fixture(scope="module")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the test module, dropped after it (skips when
    the test server is not running)."""
    from scribe_core.testing import postgres_server_url, require_server, temporary_database

    require_server(postgres_server_url(), "PostgreSQL")
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with temporary_database(postgres_server_url(), prefix=f"scribe_test_{name}") as url:
        yield url


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A migrated database of each supported dialect (PostgreSQL, the embedded default's
    SQLite), downgraded and disposed of afterwards."""
    from scribe_core.db import create_engine
    from scribe_core.db.migrate import downgrade, upgrade

    url = postgres_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrated = create_engine(url)
    await upgrade(migrated)
    try:
        yield migrated
    finally:
        await downgrade(migrated)
        await migrated.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on :func:`engine`."""
    from scribe_core.db import create_sessionmaker

    return create_sessionmaker(engine)
