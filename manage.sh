#!/usr/bin/env bash
# Smart Meeting Scribe: the single entry point. `./manage.sh help` lists the commands.
#
# With no argument it starts the production deployment: the core services (01-core), waits for
# their health checks, then the GPU worker (02-workers) and the interface (03-interface), each a
# Compose stack run with `--env-file .env`. `demo` and `serve` run the embedded default instead
# (no Docker, no GPU). Expected failures print one `error: ...` line and exit 1 (2 for usage).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DEFAULT_DEMO_FILE="$ROOT/../shared/eval/sample-call/sample.wav"
ENV_FILE=".env"
ENV_EXAMPLE=".env.example"
NETWORK="sms_core"
VOICE_BANK="02-workers/voice_bank"
WAIT_TIMEOUT="${SMS_WAIT_TIMEOUT:-300}"

usage() {
  cat <<'USAGE'
Usage: ./manage.sh [COMMAND] [ARGS]

Production deployment (Docker, Compose plugin, NVIDIA container runtime):
  (no command)      start everything: core, wait for its health checks, then workers, interface
  up [STACK]        start STACK (default all); the first run creates .env with fresh secrets
  down [STACK]      stop STACK (default all); data under volumes/ is kept
  restart [STACK]   down, then up
  logs [STACK] [OPTIONS]
                    show logs (one stack: followed; OPTIONS go to `docker compose logs`)
  ps [STACK]        list the containers of STACK (default all)
  migrate           migrate the database to the latest revision (alembic upgrade head)
  enroll NAME FILE...
                    add a person to the voice bank (02-workers/voice_bank/NAME/), from one or
                    more recordings of their voice (any format ffmpeg reads)
  STACK is one of: core (PostgreSQL, Redis, MinIO, Qdrant), workers (GPU worker),
  interface (gateway on :5000, dashboard on :3000), all.

Embedded default (no Docker, no GPU):
  demo [FILE]       set up .venv if needed, then transcribe FILE (default: the sample call)
  serve             run the gateway + pipeline in one process on 127.0.0.1:5000
  test [ARGS]       set up .venv if needed, run every suite (pytest, then the dashboard
                    suites); with ARGS, only pytest with those arguments. Missing ffmpeg
                    and Chromium are installed first (as root or with sudo -n), else it
                    says what to install and runs nothing
  help              show this help
USAGE
}

die() { echo "error: $*" >&2; exit 1; }
usage_error() { echo "error: $* (see ./manage.sh help)" >&2; exit 2; }
info() { echo "$*" >&2; }

# The dashboard suites: typed-client drift check, Vitest, then the browser end-to-end test
# (production build + real gateway in its embedded default + Debian's Chromium).
test_dashboard() {
  local app="$ROOT/03-interface/frontend-nextjs"
  if ! command -v npm >/dev/null 2>&1; then
    echo "skipping the dashboard tests: Node.js/npm not installed" >&2
    return 0
  fi
  (
    cd "$app"
    export NEXT_TELEMETRY_DISABLED=1 PATH="$ROOT/.venv/bin:$PATH"
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      npm ci --no-audit --no-fund --loglevel=error
    fi
    npm run --silent check:api
    npm test
    npm run test:e2e
  )
}

ensure_venv() { bash "$ROOT/scripts/install.sh"; }

# The system tools the test suites need, installed when missing and possible (see
# scripts/system-packages.sh), else one line saying what to install and exit 1: ffmpeg for
# pytest (the convert stage and its tests); without ARGS, when npm is there, Chromium for the
# dashboard's browser test (CHROMIUM_PATH, when set, names it instead, as in e2e/run.mjs).
require_test_tools() {
  local packages=(ffmpeg)
  if [ $# -eq 0 ] && command -v npm >/dev/null 2>&1; then
    if [ -n "${CHROMIUM_PATH:-}" ]; then
      [ -x "$CHROMIUM_PATH" ] \
        || die "CHROMIUM_PATH is set to '$CHROMIUM_PATH', which is not an executable file: unset it to use Debian's chromium, or point it at a Chromium binary"
    else
      packages+=(chromium)
    fi
  fi
  bash "$ROOT/scripts/system-packages.sh" "${packages[@]}" || exit 1
  if [ -z "${CHROMIUM_PATH:-}" ] && command -v chromium >/dev/null 2>&1; then
    CHROMIUM_PATH="$(command -v chromium)"
    export CHROMIUM_PATH
  fi
}

# ---- prerequisites --------------------------------------------------------------------------

require_docker() {
  command -v docker >/dev/null 2>&1 \
    || die "Docker is not installed ('docker' is not on PATH): see https://docs.docker.com/engine/install/"
  docker compose version >/dev/null 2>&1 \
    || die "the Docker Compose plugin is missing ('docker compose' does not work): install docker-compose-plugin"
  docker info >/dev/null 2>&1 \
    || die "cannot reach the Docker daemon: start it, and make sure this user may use it (docker group)"
}

require_nvidia() {
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"nvidia"'; then
    return 0
  fi
  command -v nvidia-container-runtime-hook >/dev/null 2>&1 \
    || die "the NVIDIA container runtime is missing: install nvidia-container-toolkit, run 'sudo nvidia-ctk runtime configure --runtime=docker' and restart Docker"
}

require_env() {
  [ -f "$ENV_FILE" ] \
    || die ".env is missing: run ./manage.sh once to create it from .env.example, or copy .env.example to .env"
}

# The value of NAME in .env (last assignment wins, as in Compose); empty when unset.
env_value() {
  local line value=""
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      "$1="*) value="${line#*=}" ;;
    esac
  done <"$ENV_FILE"
  value="${value%\"}"; value="${value#\"}"
  printf '%s' "$value"
}

random_secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# First run: .env from .env.example, every `NAME=changeme` replaced by a fresh random secret.
ensure_env() {
  [ -f "$ENV_FILE" ] && return 0
  [ -f "$ENV_EXAMPLE" ] || die ".env is missing and there is no .env.example to create it from"
  local line tmp
  tmp="$(mktemp "$ROOT/.env.XXXXXX")"
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      [A-Z]*=changeme) printf '%s=%s\n' "${line%%=*}" "$(random_secret)" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done <"$ENV_EXAMPLE" >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
  info "created .env from .env.example with fresh random secrets."
  info "Add your Hugging Face token to it as HF_TOKEN=hf_... (the account must have accepted the"
  info "terms of pyannote/speaker-diarization-community-1 and pyannote/wespeaker-voxceleb-resnet34-LM)."
}

require_secrets() {
  local name value
  for name in POSTGRES_PASSWORD REDIS_PASSWORD MINIO_ROOT_PASSWORD QDRANT_API_KEY JWT_SECRET; do
    value="$(env_value "$name")"
    case "$value" in
      ""|changeme) die "$name in .env is empty or the placeholder 'changeme': set a random value (e.g. openssl rand -hex 32)" ;;
    esac
  done
}

require_hf_token() {
  [ "$(env_value MODELS_OFFLINE)" = "true" ] && return 0
  [ -n "$(env_value HF_TOKEN)" ] \
    || die "HF_TOKEN is empty in .env: create a read token on huggingface.co (Settings > Access Tokens), accept the terms of the pyannote models, then set HF_TOKEN=hf_... in .env"
}

# ---- stacks ---------------------------------------------------------------------------------

stack_file() {
  case "$1" in
    core) echo "01-core/docker-compose.yml" ;;
    workers) echo "02-workers/docker-compose.yml" ;;
    interface) echo "03-interface/docker-compose.yml" ;;
  esac
}

compose() {
  local stack="$1"
  shift
  docker compose --env-file "$ENV_FILE" -f "$(stack_file "$stack")" "$@"
}

# Sets STACKS to the stacks named by $1 (default all), in start order.
STACKS=()
select_stacks() {
  case "${1:-all}" in
    all) STACKS=(core workers interface) ;;
    core|workers|interface) STACKS=("$1") ;;
    *) usage_error "unknown stack '$1' (choose core, workers, interface or all)" ;;
  esac
}

ensure_network() {
  docker network inspect "$NETWORK" >/dev/null 2>&1 || docker network create "$NETWORK" >/dev/null
}

up_stack() {
  case "$1" in
    core)
      info "starting core services (PostgreSQL, Redis, MinIO, Qdrant); waiting for their health checks..."
      compose core up -d --wait --wait-timeout "$WAIT_TIMEOUT" postgres redis minio qdrant
      compose core run --rm minio-init
      ;;
    workers)
      ensure_network
      info "starting the GPU worker (the first build downloads several GB)..."
      compose workers up -d --build
      ;;
    interface)
      ensure_network
      info "starting the gateway and the dashboard..."
      compose interface up -d --build --wait --wait-timeout "$WAIT_TIMEOUT"
      info "dashboard: http://localhost:3000   API: http://localhost:5000/docs"
      ;;
  esac
}

# Docker, Compose, the NVIDIA runtime when workers are among STACKS, and a complete .env.
prepare_up() {
  require_docker
  local stack
  for stack in "${STACKS[@]}"; do
    [ "$stack" = workers ] && require_nvidia
  done
  ensure_env
  require_secrets
  for stack in "${STACKS[@]}"; do
    [ "$stack" = workers ] && require_hf_token
  done
  return 0
}

prepare_other() {
  require_docker
  require_env
}

cmd_up() {
  select_stacks "$@"
  prepare_up
  local stack
  for stack in "${STACKS[@]}"; do up_stack "$stack"; done
}

cmd_down() {
  select_stacks "$@"
  prepare_other
  local i
  for ((i = ${#STACKS[@]} - 1; i >= 0; i--)); do compose "${STACKS[i]}" down; done
}

cmd_logs() {
  select_stacks "${1:-all}"
  [ $# -gt 0 ] && shift
  prepare_other
  if [ ${#STACKS[@]} -eq 1 ]; then
    compose "${STACKS[0]}" logs --follow --tail 200 "$@"
  else
    local stack
    for stack in "${STACKS[@]}"; do
      echo "==> $stack"
      compose "$stack" logs --tail 100 "$@"
    done
  fi
}

cmd_ps() {
  select_stacks "$@"
  prepare_other
  local stack
  for stack in "${STACKS[@]}"; do compose "$stack" ps; done
}

cmd_migrate() {
  prepare_other
  info "migrating the database to the latest revision..."
  compose interface run --rm --no-deps --build gateway python -m scribe_core.db.migrate upgrade head
}

cmd_enroll() {
  [ $# -ge 2 ] || usage_error "usage: ./manage.sh enroll NAME FILE..."
  local name="$1"
  shift
  if [[ ! "$name" =~ ^[[:alnum:]][[:alnum:]\ ._-]*$ || "$name" == *..* ]]; then
    usage_error "invalid name '$name': use letters, digits, spaces, '.', '_' or '-'"
  fi
  local file
  for file in "$@"; do
    [ -f "$file" ] || die "no such file: $file"
  done
  # With the Python environment: `scribe enroll`, the same speech check, conversion and
  # embedding as the API's enrolment. Without it (a Docker-only host): convert with ffmpeg;
  # the worker checks and embeds the recordings when it builds its voiceprints.
  if [ -x "$ROOT/.venv/bin/scribe" ]; then
    exec "$ROOT/.venv/bin/scribe" enroll "$name" "$@" --voice-bank "$ROOT/$VOICE_BANK"
  fi
  local dest="$VOICE_BANK/$name" count=0 base out err use_docker=""
  # 16 kHz mono PCM WAV, the pipeline's working format: the host's ffmpeg, else the worker
  # image's (then the recordings and the voice bank are bind-mounted into it).
  if ! command -v ffmpeg >/dev/null 2>&1; then
    if ! command -v docker >/dev/null 2>&1 \
        || ! docker image inspect sms-worker:latest >/dev/null 2>&1; then
      die "ffmpeg is needed to convert the recordings: install ffmpeg, or build the worker image (./manage.sh up workers)"
    fi
    use_docker=1
  fi
  mkdir -p "$dest"
  for file in "$@"; do
    base="$(basename "$file")"
    out="${base%.*}.wav"
    if [ -n "$use_docker" ]; then
      err="$(docker run --rm --entrypoint ffmpeg \
        -v "$(cd "$(dirname "$file")" && pwd)/$base:/in/$base:ro" -v "$ROOT/$dest:/out" \
        sms-worker:latest -nostdin -hide_banner -loglevel error -y -i "/in/$base" -vn -ac 1 \
        -ar 16000 -c:a pcm_s16le "/out/$out" 2>&1)" || err="${err:-ffmpeg failed}"
    else
      err="$(ffmpeg -nostdin -hide_banner -loglevel error -y -i "$file" -vn -ac 1 -ar 16000 \
        -c:a pcm_s16le "$dest/$out" 2>&1)" || err="${err:-ffmpeg failed}"
    fi
    if [ -n "$err" ] || [ ! -s "$dest/$out" ]; then
      rm -f "$dest/$out"
      rmdir "$dest" 2>/dev/null || true
      die "cannot decode $file as audio: ${err##*$'\n'}"
    fi
    count=$((count + 1))
  done
  echo "enrolled '$name': $count recording(s) in $dest/ (used by scribe process and ./manage.sh demo)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  "")
    [ $# -eq 0 ] || usage_error "unexpected arguments"
    cmd_up all
    ;;
  up) [ $# -le 1 ] || usage_error "up takes at most one STACK"; cmd_up "$@" ;;
  down) [ $# -le 1 ] || usage_error "down takes at most one STACK"; cmd_down "$@" ;;
  restart)
    [ $# -le 1 ] || usage_error "restart takes at most one STACK"
    cmd_down "$@"
    cmd_up "$@"
    ;;
  logs) cmd_logs "$@" ;;
  ps) [ $# -le 1 ] || usage_error "ps takes at most one STACK"; cmd_ps "$@" ;;
  migrate) [ $# -eq 0 ] || usage_error "migrate takes no arguments"; cmd_migrate ;;
  enroll) cmd_enroll "$@" ;;
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
    # Every prerequisite is checked (and installed when possible) before any suite starts.
    require_test_tools "$@"
    ensure_venv
    # With arguments: only pytest, with those arguments. Without: every suite.
    [ $# -gt 0 ] && exec "$ROOT/.venv/bin/python" -m pytest "$@"
    "$ROOT/.venv/bin/python" -m pytest
    test_dashboard
    ;;
  help|-h|--help) usage ;;
  *) echo "error: unknown command '$cmd' (see ./manage.sh help)" >&2; exit 2 ;;
esac
