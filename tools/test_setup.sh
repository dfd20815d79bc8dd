#!/usr/bin/env bash
# Everything the tests need, for the README's test line:
#   bash tools/test_setup.sh && python3 -m pytest -q -n 2
# - chaoslab with its test extras and the darts extra (the tests fit darts models through our
#   interface), into the current python3's environment;
# - Debian's chromium, which the report's browser test drives through Playwright (never a
#   downloaded browser): installed with apt-get when `chromium` is missing (needs root, or sudo
#   without a password). Running it again changes nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "error: $*" >&2
  exit 1
}

if ! command -v chromium >/dev/null 2>&1; then
  echo "test_setup: chromium is missing (the report's browser test drives it); installing Debian's chromium with apt-get" >&2
  command -v apt-get >/dev/null 2>&1 ||
    fail "chromium is missing and apt-get is not available: install Chromium so that \`chromium\` is on PATH, then run again"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    fail "chromium is missing and installing it needs root: run \`apt-get install chromium\` as root (or this script with sudo), then run again"
  fi
  log=$(mktemp "${TMPDIR:-/tmp}/chaoslab-apt.XXXXXX")
  apt_install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>"$log" 2>&1
  }
  if ! apt_install; then
    echo "test_setup: the plain install failed; running apt-get update and trying again" >&2
    { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 && apt_install; } ||
      fail "could not install Debian's chromium with apt-get (its output: $log)"
  fi
  command -v chromium >/dev/null 2>&1 ||
    fail "apt-get installed chromium but \`chromium\` is not on PATH (apt-get's output: $log)"
  rm -f "$log"
  echo "test_setup: installed $(chromium --version 2>/dev/null || echo chromium) at $(command -v chromium)" >&2
fi

python3 -m pip install '.[test,darts]'
