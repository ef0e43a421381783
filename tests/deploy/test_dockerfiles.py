"""The three images: hadolint-clean, multi-stage, unprivileged, and built from what they need.

No Docker engine here, so the images are not built; what they install is checked instead:
the wheels the images install (not the editable checkout) carry the Alembic migrations, and
the gateway's dependency closure has no torch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from deploy_support import ROOT, venv_tool

DOCKERFILES = {
    "worker": ROOT / "02-workers/Dockerfile",
    "gateway": ROOT / "03-interface/backend/Dockerfile",
    "dashboard": ROOT / "03-interface/frontend-nextjs/Dockerfile",
}


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _last_stage(path: Path) -> list[tuple[str, str]]:
    instructions = _instructions(path)
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


@pytest.mark.parametrize("image", list(DOCKERFILES))
def test_hadolint_passes(image: str) -> None:
    result = subprocess.run(
        [str(venv_tool("hadolint")), "--no-color", str(DOCKERFILES[image])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("image", list(DOCKERFILES))
def test_multi_stage_and_unprivileged(image: str) -> None:
    instructions = _instructions(DOCKERFILES[image])
    assert sum(word == "FROM" for word, _ in instructions) >= 2
    users = [args for word, args in _last_stage(DOCKERFILES[image]) if word == "USER"]
    assert users, f"{image} runs as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit()
    assert int(uid) >= 1000


def test_worker_image_is_cuda_12_with_cudnn_and_only_worker_packages() -> None:
    text = DOCKERFILES["worker"].read_text()
    assert re.search(r"ARG CUDA_IMAGE=nvidia/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu", text)
    assert re.search(r"--index-url \"\$\{TORCH_INDEX_URL\}\"", text)
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cu12" in text
    assert "ffmpeg" in text
    assert "./01-core ./02-workers" in text
    assert "03-interface" not in text.replace("# ", "")
    cmd = [args for word, args in _last_stage(DOCKERFILES["worker"]) if word == "CMD"][-1]
    assert "python -m scribe_worker.models.device &&" in cmd
    assert "taskiq worker scribe_worker.jobs.tasks:broker --workers 1 --max-async-tasks 1" in cmd


def test_gateway_image_migrates_then_serves_on_5000_without_torch() -> None:
    text = DOCKERFILES["gateway"].read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert "02-workers" not in text
    cmd = [args for word, args in _last_stage(DOCKERFILES["gateway"]) if word == "CMD"][-1]
    migrate = cmd.index("python -m scribe_core.db.migrate upgrade head &&")
    serve = cmd.index("exec uvicorn scribe_gateway.main:app --host 0.0.0.0 --port 5000")
    assert migrate < serve
    assert ("EXPOSE", "5000") in _last_stage(DOCKERFILES["gateway"])


def test_dashboard_image_runs_the_standalone_server() -> None:
    stage = _last_stage(DOCKERFILES["dashboard"])
    copies = " ".join(args for word, args in stage if word == "COPY")
    assert "/app/.next/standalone ./" in copies
    assert "/app/.next/static ./.next/static" in copies
    assert "/app/public ./public" in copies
    assert ("CMD", '["node", "server.js"]') in stage
    assert ("EXPOSE", "3000") in stage
    # The app the image builds is configured for it.
    config = (ROOT / "03-interface/frontend-nextjs/next.config.ts").read_text()
    assert re.search(r"output:\s*\"standalone\"", config)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_context() -> None:
    for path in (ROOT / ".dockerignore", ROOT / "03-interface/frontend-nextjs/.dockerignore"):
        patterns = {p for p in path.read_text().splitlines() if p and not p.startswith("#")}
        assert ".env" in patterns, path
        assert {"node_modules", "**/node_modules"} & patterns, path
    root_patterns = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".venv", "volumes", ".git"} <= set(root_patterns)
    # What the root-context images COPY is not ignored.
    for source in ("01-core", "02-workers", "03-interface", "03-interface/backend"):
        assert source not in root_patterns


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wheels of the shared, worker and gateway packages, built from copies of the sources
    (the images install wheels, not the editable checkout)."""
    out = tmp_path_factory.mktemp("wheels")
    built = {}
    for name, rel in {
        "core": "01-core",
        "worker": "02-workers",
        "gateway": "03-interface/backend",
    }.items():
        source = out / "src" / name
        shutil.copytree(
            ROOT / rel,
            source,
            ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "voice_bank"),
        )
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--quiet", "-w", str(out / name), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        (built[name],) = (out / name).glob("*.whl")
    return built


def test_shared_wheel_carries_the_alembic_migrations(wheels: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(wheels["core"]).namelist())
    assert "scribe_core/db/alembic.ini" in names
    assert "scribe_core/db/migrations/env.py" in names
    assert "scribe_core/db/migrations/script.py.mako" in names
    versions = [n for n in names if re.match(r"scribe_core/db/migrations/versions/[^/]+\.py$", n)]
    assert versions, "no migration in the wheel"


def test_worker_wheel_carries_the_gpu_check_and_the_task_module(wheels: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(wheels["worker"]).namelist())
    assert {"scribe_worker/models/device.py", "scribe_worker/jobs/tasks.py"} <= names


def test_gateway_wheel_does_not_depend_on_torch(wheels: dict[str, Path]) -> None:
    with zipfile.ZipFile(wheels["gateway"]) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        requires = [
            line.split(":", 1)[1].strip()
            for line in wheel.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    with zipfile.ZipFile(wheels["core"]) as wheel:
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        requires += [
            line.split(":", 1)[1].strip()
            for line in wheel.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    banned = ("torch", "pyannote", "faster-whisper", "faster_whisper", "resemblyzer", "ctranslate2")
    assert not [r for r in requires if r.lower().startswith(banned)], requires
