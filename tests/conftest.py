"""Shared fixtures: the evaluation audio in ``../shared/eval`` (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
