#!/usr/bin/env bash
# Test double of the `docker` CLI for tests/deploy/test_manage_sh.py (no Docker engine on the
# test machines). Appends each call to $FAKE_DOCKER_LOG, one line per call. $FAKE_DOCKER_FAIL
# lists what is missing: compose (no Compose plugin), daemon (engine unreachable), nvidia (no
# NVIDIA runtime), network (network not created yet). Every `docker compose` call that names
# files is checked with the real Compose implementation in $FAKE_COMPOSE_BIN (`config -q` with
# the same --env-file and -f options), so manage.sh is only "successful" with valid files.
set -euo pipefail

printf '%s\n' "$*" >>"${FAKE_DOCKER_LOG:?}"
missing() { [[ ",${FAKE_DOCKER_FAIL:-}," == *",$1,"* ]]; }

case "${1:-}" in
  compose)
    if missing compose; then
      echo "docker: 'compose' is not a docker command." >&2
      exit 1
    fi
    shift
    global=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --env-file|-f|-p|--project-directory) global+=("$1" "$2"); shift 2 ;;
        *) break ;;
      esac
    done
    if [ ${#global[@]} -gt 0 ]; then
      exec "${FAKE_COMPOSE_BIN:?}" "${global[@]}" config -q
    fi
    ;;
  info)
    if missing daemon; then
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2
      exit 1
    fi
    if [[ "$*" == *Runtimes* ]]; then
      if missing nvidia; then
        echo '{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}'
      else
        echo '{"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}'
      fi
    fi
    ;;
  network)
    if [ "${2:-}" = inspect ] && missing network; then
      echo "Error response from daemon: network ${3:-} not found" >&2
      exit 1
    fi
    ;;
  image)
    exit 1  # no image built
    ;;
esac
exit 0
