#!/usr/bin/env bash
# Smart Meeting Scribe: the single entry point. `./manage.sh help` lists the commands.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DEFAULT_DEMO_FILE="$ROOT/../shared/eval/sample-call/sample.wav"

usage() {
  cat <<'USAGE'
Usage: ./manage.sh COMMAND [ARGS]

Embedded default (no Docker, no GPU):
  demo [FILE]     set up .venv if needed, then transcribe FILE (default: the sample call)
  serve           run the gateway + pipeline in one process on 127.0.0.1:5000
  test            set up .venv if needed, then run the test suite
  help            show this help
USAGE
}

ensure_venv() { bash "$ROOT/scripts/install.sh"; }

cmd="${1:-help}"
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    file="${1:-$DEFAULT_DEMO_FILE}"
    [ -f "$file" ] || { echo "error: no such file: $file" >&2; exit 2; }
    ensure_venv
    exec "$ROOT/.venv/bin/scribe" process "$file" --out "$ROOT/out"
    ;;
  serve)
    ensure_venv
    exec "$ROOT/.venv/bin/scribe" serve "$@"
    ;;
  test)
    ensure_venv
    exec "$ROOT/.venv/bin/python" -m pytest "$@"
    ;;
  help|-h|--help) usage ;;
  *) echo "error: unknown command '$cmd' (see ./manage.sh help)" >&2; exit 2 ;;
esac
