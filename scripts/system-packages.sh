#!/usr/bin/env bash
# Makes sure the system packages named as arguments are installed (Debian package names whose
# command has the same name: ffmpeg, chromium, sox, espeak-ng), installing the missing ones
# the way the CI machines do: `apt-get install` as root, else through passwordless sudo
# (`sudo -n`). When neither works, or the install fails, prints one line naming every missing
# package and the one command that installs them, and exits 1, so the caller can stop
# before it starts anything. Usage: scripts/system-packages.sh PACKAGE...
set -euo pipefail

missing=()
for package in "$@"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# How to run apt-get with the rights it needs: directly as root, or `sudo -n` when sudo needs
# no password here; empty when neither (apt-get absent, or no rights without a prompt).
uid="$(id -u)"
as_root=()
can_install=""
if command -v apt-get >/dev/null 2>&1; then
  if [ "$uid" = 0 ]; then
    can_install=1
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    can_install=1
    as_root=(sudo -n)
  fi
fi
prefix="sudo "
[ "$uid" = 0 ] && prefix=""
advice="install them with: ${prefix}apt-get install -y ${missing[*]}"

if [ -z "$can_install" ]; then
  echo "error: missing system packages: ${missing[*]}; $advice" >&2
  exit 1
fi

echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# A fresh machine may have empty package lists: on a failed install, update them and retry.
if ! "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >"$log" 2>&1; then
  if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq \
      "${missing[@]}"; } >"$log" 2>&1; then
    reason="$(grep -E '^(E|Err):' "$log" | tail -1 || true)"
    echo "error: could not install system packages: ${missing[*]} (apt-get: ${reason:-failed}); $advice" >&2
    exit 1
  fi
fi
still=()
for package in "${missing[@]}"; do
  command -v "$package" >/dev/null 2>&1 || still+=("$package")
done
if [ ${#still[@]} -gt 0 ]; then
  echo "error: apt-get installed ${still[*]} but its command is still not on PATH; $advice" >&2
  exit 1
fi
