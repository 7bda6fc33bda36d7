#!/usr/bin/env bash
# Makes sure a Docker engine answers and the local test images exist.
# Safe to run again: every step checks before it acts. Nothing here reaches a public registry.
#   bash scripts/docker-up.sh            engine, test image, loopback registry on 127.0.0.1:5000
#                                        (user gofer / gofer-pass) holding the test image
#   GOFER_WITH_REGISTRY=0 bash ...       engine and test image only
set -euo pipefail

TEST_IMAGE=${GOFER_TEST_IMAGE:-gofer-test/busybox:latest}
STATE_DIR=${GOFER_DOCKER_STATE:-/tmp/gofer-docker}
mkdir -p "$STATE_DIR"

log() { printf '[docker-up] %s\n' "$*" >&2; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$STATE_DIR/apt-updated" ]; then apt-get update -qq && touch "$STATE_DIR/apt-updated"; fi
  apt-get install -y -qq "$@" >/dev/null
}

# The last lines of a daemon's log, so a CI failure shows its cause without a second run.
show_log() { log "last lines of $1:"; tail -n 25 "$1" >&2 || true; }

# Each daemon is asked whether it answers. A socket file is not a daemon: after a machine's
# processes are ended, /run keeps the sockets of a containerd that is gone, and dockerd would
# wait a minute to dial it.
engine_answers() { docker version >/dev/null 2>&1; }
containerd_answers() { ctr --address /run/containerd/containerd.sock --timeout 2s version >/dev/null 2>&1; }
registry_answers() { curl -fsS -o /dev/null -u gofer:gofer-pass http://127.0.0.1:5000/v2/ 2>/dev/null; }

# Starts <command> in the background (log and pid in $STATE_DIR/<name>.log|.pid) and waits until
# <check> succeeds; gives up at once when the daemon has already ended, and shows its log.
start_daemon() { # start_daemon <name> <seconds> <check> <command...>
  local name=$1 deadline=$((SECONDS + $2)) check=$3; shift 3
  log "starting $name"
  # The daemon gets no descriptor of ours beyond its log: run under `flock <lock> bash
  # scripts/docker-up.sh`, it would otherwise inherit the lock and hold it for as long as it runs.
  local fd fds=()
  for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && fds+=("$fd"); done
  (for fd in "${fds[@]}"; do eval "exec $fd>&-"; done; exec nohup "$@" >"$STATE_DIR/$name.log" 2>&1) &
  local pid=$!
  echo "$pid" >"$STATE_DIR/$name.pid"
  until "$check"; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS >= deadline )); then
      log "$name did not answer"; show_log "$STATE_DIR/$name.log"; exit 1
    fi
    sleep 0.1
  done
}

ensure_engine() {
  if engine_answers; then log "engine answers"; return; fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v containerd >/dev/null 2>&1; then
    log "installing docker.io (Debian)"
    apt_install docker.io busybox-static
  fi
  if ! containerd_answers; then
    rm -f /run/containerd/containerd.sock /run/containerd/containerd.sock.ttrpc
    start_daemon containerd 30 containerd_answers containerd
  fi
  clear_stale_dockerd_pid_file
  if engine_answers; then log "engine answers"; return; fi
  start_daemon dockerd 60 engine_answers dockerd --containerd=/run/containerd/containerd.sock
  log "engine answers"
}

# dockerd refuses to start while its pid file names a live process. A dockerd that is still
# starting (or ending) is given time; a file naming anything else (the machine's processes were
# ended and the number may be someone else's by now) goes.
clear_stale_dockerd_pid_file() {
  local file=/var/run/docker.pid
  [ -f "$file" ] || return 0
  local pid; pid=$(cat "$file" 2>/dev/null || true)
  if [ -n "$pid" ] && is_live_dockerd "$pid"; then
    log "dockerd $pid is starting or stopping: waiting for it"
    local deadline=$((SECONDS + 30))
    while is_live_dockerd "$pid" && (( SECONDS < deadline )); do
      if engine_answers; then return 0; fi
      sleep 0.2
    done
    if is_live_dockerd "$pid"; then log "dockerd $pid neither answers nor ends: stop it, then run this again"; exit 1; fi
  fi
  rm -f "$file"
}

# True when <pid> is a dockerd (a zombie does not count: it only waits to be reaped).
is_live_dockerd() { # is_live_dockerd <pid>
  [ "$(cat "/proc/$1/comm" 2>/dev/null || true)" = dockerd ] || return 1
  local state; state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo X)
  [ "$state" != Z ] && [ "$state" != X ]
}

ensure_test_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then log "image $TEST_IMAGE present"; return; fi
  local busybox
  busybox=$(command -v busybox || true)
  if [ -z "$busybox" ] || ! file_is_static "$busybox"; then
    apt_install busybox-static
    busybox=/bin/busybox
  fi
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp "$busybox" "$root/bin/busybox"
  for applet in sh ash echo sleep cat env printf true false ls head tail seq yes dd wc sed grep tr kill trap id date base64 md5sum sha256sum mkdir rm touch test '['; do
    ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$TEST_IMAGE" >/dev/null
  rm -rf "$root"
  log "built $TEST_IMAGE"
}

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

ensure_registry() {
  local dir="$STATE_DIR/registry"
  if registry_answers; then log "registry answers"; return; fi
  command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
  command -v htpasswd >/dev/null 2>&1 || apt_install apache2-utils
  mkdir -p "$dir/data"
  htpasswd -Bbn gofer gofer-pass >"$dir/htpasswd"
  cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
auth:
  htpasswd:
    realm: gofer-test
    path: $dir/htpasswd
YML
  start_daemon registry 30 registry_answers docker-registry serve "$dir/config.yml"
  log "registry on 127.0.0.1:5000"
  echo gofer-pass | docker login 127.0.0.1:5000 -u gofer --password-stdin >/dev/null 2>&1
  docker tag "$TEST_IMAGE" 127.0.0.1:5000/gofer-test/busybox:latest
  docker push 127.0.0.1:5000/gofer-test/busybox:latest >/dev/null
  docker rmi 127.0.0.1:5000/gofer-test/busybox:latest >/dev/null
  docker logout 127.0.0.1:5000 >/dev/null 2>&1 || true
  log "pushed 127.0.0.1:5000/gofer-test/busybox:latest"
}

ensure_engine
ensure_test_image
if [ "${GOFER_WITH_REGISTRY:-1}" = 1 ]; then ensure_registry; fi
