#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (test/ui) and the UI benchmarks.
# Safe to run again: it does nothing when /usr/bin/chromium already answers. No browser download:
# playwright-core drives this binary (`executablePath: '/usr/bin/chromium'`).
set -euo pipefail

CHROMIUM=${GOFER_CHROMIUM:-/usr/bin/chromium}
log() { printf '[browser-up] %s\n' "$*" >&2; }

if "$CHROMIUM" --version >/dev/null 2>&1; then
  log "$("$CHROMIUM" --version) answers"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "installing chromium (Debian)"
# Another apt run (docker-up.sh, a second engineer) may hold the dpkg lock: wait for it.
# docker-up.sh records a fresh package index; update only without one.
[ -f /tmp/gofer-docker/apt-updated ] || apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version >&2
