#!/usr/bin/env bash
# A real multi-node Docker Swarm on this one machine: the main engine is the manager, and every
# worker is a second containerd + dockerd of its own inside a network namespace of its own,
# linked to the host by a veth pair. Safe to run again: `up` repairs what is missing (a dead
# daemon, a node that left, a drained node) and `down` removes only what this script created.
#   bash scripts/swarm-nodes.sh up [N]       N nodes (default 2): the manager and N-1 workers
#   bash scripts/swarm-nodes.sh down         everything `up` made; the engine leaves the swarm
#   bash scripts/swarm-nodes.sh status       the nodes (also written to $GOFER_SWARM_STATE/nodes.json)
#   bash scripts/swarm-nodes.sh prepare      only checks (and installs socat): what `up` needs
# Needs root, iproute2, util-linux (nsenter, flock), the engine, the test image and the loopback
# registry of scripts/docker-up.sh. Node i (the manager is node 1) carries the label gofer.node=n<i>.
#
# Layout (worker i, 2 <= i <= 9):
#   namespace gofer-n<i>, veth gofer-h<i> (host, 10.231.<i>.1/24) <-> gofer-n<i>v (10.231.<i>.2/24)
#   state folder $GOFER_SWARM_STATE/n<i>: containerd root/state/socket, dockerd data-root,
#   exec-root, socket (docker.sock), pid files and logs; cgroup parent gofer-n<i>; the worker's
#   docker0 is 10.232.<i>.1/24 inside its namespace.
# The manager advertises 10.231.2.1. The registry (127.0.0.1:5000 on the host) is forwarded to
# 10.231.2.1:5000 and, inside every worker's namespace, to 127.0.0.1:5000: the same image
# reference (and the same htpasswd credentials) works on every node; the workers also list
# 10.231.2.1:5000 as an insecure registry. No route leads out of a worker's namespace but to
# 10.231.0.0/16, so nothing a worker does reaches any other address.
#
# Ownership: the state folder records what was created (the swarm's node id, the namespaces,
# links and daemon pids); nothing is removed that is not recorded there and named gofer-*, and a
# pid is signalled only while its command line still names the state folder.
set -euo pipefail

STATE=${GOFER_SWARM_STATE:-/tmp/gofer-swarm}
NET=10.231
MANAGER_ADDR=$NET.2.1
REGISTRY=127.0.0.1:5000
REGISTRY_USER=${GOFER_REGISTRY_USER:-gofer}
REGISTRY_PASS=${GOFER_REGISTRY_PASS:-gofer-pass}
TEST_IMAGE=${GOFER_TEST_IMAGE:-gofer-test/busybox:latest}
REGISTRY_IMAGE=$REGISTRY/gofer-test/busybox:latest
# More images to copy onto every worker (space-separated local references).
EXTRA_IMAGES=${GOFER_SWARM_IMAGES:-}
MAX_NODES=9

log() { printf '[swarm-nodes] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

node_dir() { echo "$STATE/n$1"; }
wsock() { echo "unix://$(node_dir "$1")/docker.sock"; }
wdocker() { # wdocker <i> <docker args...>
  local i=$1
  shift
  DOCKER_CONFIG="$STATE/docker-config" docker -H "$(wsock "$i")" "$@"
}
netns_path() { echo "/var/run/netns/gofer-n$1"; }
in_ns() { # in_ns <i> <command...>
  local i=$1
  shift
  nsenter --net="$(netns_path "$i")" -- "$@"
}

# ---- processes -------------------------------------------------------------------------------

# True when <pid> lives and its command line names this script's state folder (a pid file can
# outlive its process, and the number can be someone else's by now).
owned_pid() { # owned_pid <pidfile>
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo X)
  [ "$state" != Z ] && [ "$state" != X ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/"
}

# Starts a daemon detached (own session, so a test runner ending its process group leaves it),
# records its pid, and waits until <check> succeeds; shows its log when it dies or times out.
start_daemon() { # start_daemon <pidfile> <log> <seconds> <check> <command...>
  local pidfile=$1 logfile=$2 deadline=$((SECONDS + $3)) check=$4
  shift 4
  (
    # No inherited descriptor besides the log: a daemon holding the caller's lock files (this
    # script's, or the shared Docker lock of the test command) would hold them for its whole life.
    for fd in $(ls /proc/$BASHPID/fd); do ((fd > 2)) && eval "exec $fd>&-"; done
    exec setsid "$@" </dev/null >>"$logfile" 2>&1
  ) &
  local pid=$!
  echo "$pid" >"$pidfile"
  until eval "$check" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      log "$(basename "$pidfile" .pid) did not come up; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
}

# SIGTERM, then SIGKILL after <seconds>; only a pid this script started (see owned_pid).
stop_daemon() { # stop_daemon <pidfile> <seconds>
  local pidfile=$1 seconds=$2
  if owned_pid "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + seconds))
    while owned_pid "$pidfile" && ((SECONDS < deadline)); do sleep 0.1; done
    if owned_pid "$pidfile"; then
      log "$(basename "$pidfile" .pid) ($pid) ignored SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while owned_pid "$pidfile"; do sleep 0.05; done
    fi
  fi
  rm -f "$pidfile"
}

# ---- the manager (the main engine) ----------------------------------------------------------

engine_swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unreachable; }
engine_node_id() { docker info --format '{{.Swarm.NodeID}}' 2>/dev/null || true; }

# The main engine's swarm was made by this script (its node id is the recorded one).
manager_is_ours() {
  [ -f "$STATE/manager" ] && [ "$(engine_swarm_state)" = active ] && [ "$(engine_node_id)" = "$(cat "$STATE/manager")" ]
}

ensure_manager() {
  local state
  state=$(engine_swarm_state)
  if [ "$state" = active ]; then
    manager_is_ours && return 0
    die "the engine is already in a swarm this script did not create (node $(engine_node_id)); leave it first (docker swarm leave --force) or use that swarm as it is"
  fi
  [ "$state" = inactive ] || die "the engine's swarm state is '$state'; run bash scripts/docker-up.sh, or leave the swarm (docker swarm leave --force)"
  log "manager: swarm init --advertise-addr $MANAGER_ADDR"
  docker swarm init --advertise-addr "$MANAGER_ADDR" --listen-addr "$MANAGER_ADDR:2377" >/dev/null
  engine_node_id >"$STATE/manager"
  docker node update --label-add gofer.node=n1 "$(cat "$STATE/manager")" >/dev/null
}

# The registry on the manager's veth address, for the workers (plain forwarding to 127.0.0.1:5000).
ensure_registry_forward() {
  local pidfile="$STATE/registry-forward.pid"
  owned_pid "$pidfile" && return 0
  start_daemon "$pidfile" "$STATE/registry-forward.log" 10 "registry_answers_at $MANAGER_ADDR:5000" \
    socat -L "$STATE/registry-forward.lock" "TCP-LISTEN:5000,bind=$MANAGER_ADDR,fork,reuseaddr" "TCP:$REGISTRY"
}

registry_answers_at() { curl -fsS -o /dev/null -u "$REGISTRY_USER:$REGISTRY_PASS" "http://$1/v2/"; }

# ---- workers ---------------------------------------------------------------------------------

recorded() { grep -qxF "$2" "$(node_dir "$1")/created" 2>/dev/null; }
record() { echo "$2" >>"$(node_dir "$1")/created"; }

ensure_link() { # ensure_link <i>
  local i=$1 dir
  dir=$(node_dir "$i")
  mkdir -p "$dir"
  if ip netns list | grep -qw "gofer-n$i"; then
    recorded "$i" "netns gofer-n$i" || die "network namespace gofer-n$i exists but this script did not create it: remove it, or set GOFER_SWARM_STATE to the folder that made it"
  else
    ip netns add "gofer-n$i"
    record "$i" "netns gofer-n$i"
  fi
  if ip link show "gofer-h$i" >/dev/null 2>&1; then
    recorded "$i" "link gofer-h$i" || die "interface gofer-h$i exists but this script did not create it"
  else
    ip link add "gofer-h$i" type veth peer name "gofer-n${i}v"
    record "$i" "link gofer-h$i"
    ip link set "gofer-n${i}v" netns "gofer-n$i"
    ip addr add "$NET.$i.1/24" dev "gofer-h$i"
    ip link set "gofer-h$i" up
    in_ns "$i" sh -c "ip addr add $NET.$i.2/24 dev gofer-n${i}v && ip link set gofer-n${i}v up && ip link set lo up"
    # Other workers' links through the host; no default route: nothing else is reachable.
    [ "$i" = 2 ] || in_ns "$i" ip route add "$NET.0.0/16" via "$NET.$i.1"
  fi
}

containerd_answers() { ctr --address "$(node_dir "$1")/containerd.sock" --timeout 2s version; }
worker_answers() { wdocker "$1" version; }

ensure_containerd() { # ensure_containerd <i>
  local i=$1 dir
  dir=$(node_dir "$i")
  owned_pid "$dir/containerd.pid" && containerd_answers "$i" >/dev/null 2>&1 && return 0
  stop_daemon "$dir/containerd.pid" 10
  rm -f "$dir/containerd.sock" "$dir/containerd.sock.ttrpc"
  cat >"$dir/containerd.toml" <<TOML
version = 2
root = "$dir/ctd-root"
state = "$dir/ctd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = "$dir/containerd-debug.sock"
TOML
  log "n$i: starting containerd"
  start_daemon "$dir/containerd.pid" "$dir/containerd.log" 30 "containerd_answers $i" \
    nsenter --net="$(netns_path "$i")" -- containerd --config "$dir/containerd.toml"
}

ensure_dockerd() { # ensure_dockerd <i>
  local i=$1 dir
  dir=$(node_dir "$i")
  owned_pid "$dir/dockerd.pid" && worker_answers "$i" >/dev/null 2>&1 && return 0
  stop_daemon "$dir/dockerd.pid" 20
  rm -f "$dir/docker.sock"
  echo '{}' >"$dir/daemon.json" # not /etc/docker/daemon.json: the main engine's settings stay its own
  log "n$i: starting dockerd"
  start_daemon "$dir/dockerd.pid" "$dir/dockerd.log" 60 "worker_answers $i" \
    nsenter --net="$(netns_path "$i")" -- dockerd --config-file "$dir/daemon.json" \
    --containerd "$dir/containerd.sock" --data-root "$dir/docker" --exec-root "$dir/exec" \
    -H "$(wsock "$i")" --pidfile "$dir/dockerd.pid.engine" --cgroup-parent "gofer-n$i" \
    --bip "10.232.$i.1/24" --insecure-registry "$MANAGER_ADDR:5000"
}

# Inside the worker's namespace, 127.0.0.1:5000 leads to the host's registry, so an image named
# 127.0.0.1:5000/... is the same image on every node.
ensure_worker_registry() { # ensure_worker_registry <i>
  local i=$1 dir
  dir=$(node_dir "$i")
  owned_pid "$dir/registry-forward.pid" && return 0
  start_daemon "$dir/registry-forward.pid" "$dir/registry-forward.log" 10 "in_ns $i curl -fsS -o /dev/null -u $REGISTRY_USER:$REGISTRY_PASS http://$REGISTRY/v2/" \
    nsenter --net="$(netns_path "$i")" -- socat -L "$dir/registry-forward.lock" "TCP-LISTEN:5000,bind=127.0.0.1,fork,reuseaddr" "TCP:$MANAGER_ADDR:5000"
}

worker_swarm_state() { wdocker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unreachable; }
worker_node_id() { wdocker "$1" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true; }

ensure_joined() { # ensure_joined <i>
  local i=$1 deadline=$((SECONDS + 30)) state
  state=$(worker_swarm_state "$i")
  # A restarted worker rejoins by itself from its saved swarm state: give it a moment.
  while [ "$state" = pending ] && ((SECONDS < deadline)); do
    sleep 0.2
    state=$(worker_swarm_state "$i")
  done
  if [ "$state" = active ] && docker node inspect "$(worker_node_id "$i")" >/dev/null 2>&1; then return 0; fi
  [ "$state" = inactive ] || wdocker "$i" swarm leave --force >/dev/null 2>&1 || true
  local old
  old=$(cat "$(node_dir "$i")/node-id" 2>/dev/null || true)
  [ -z "$old" ] || docker node rm --force "$old" >/dev/null 2>&1 || true
  log "n$i: joining the swarm"
  wdocker "$i" swarm join --token "$(docker swarm join-token -q worker)" \
    --advertise-addr "$NET.$i.2" --listen-addr "$NET.$i.2:2377" "$MANAGER_ADDR:2377" >/dev/null
  docker node update --label-add "gofer.node=n$i" "$(worker_node_id "$i")" >/dev/null
}

ensure_images() { # ensure_images <i>
  local i=$1 image
  for image in "$TEST_IMAGE" $EXTRA_IMAGES; do
    wdocker "$i" image inspect "$image" >/dev/null 2>&1 && continue
    log "n$i: loading $image"
    docker save "$image" | wdocker "$i" load >/dev/null
  done
  if ! wdocker "$i" image inspect "$REGISTRY_IMAGE" >/dev/null 2>&1; then
    log "n$i: pulling $REGISTRY_IMAGE"
    echo "$REGISTRY_PASS" | wdocker "$i" login "$REGISTRY" -u "$REGISTRY_USER" --password-stdin >/dev/null 2>&1
    wdocker "$i" pull -q "$REGISTRY_IMAGE" >/dev/null
    wdocker "$i" logout "$REGISTRY" >/dev/null 2>&1 || true
  fi
}

ensure_worker() { # ensure_worker <i>
  ensure_link "$1"
  ensure_containerd "$1"
  ensure_dockerd "$1"
  ensure_worker_registry "$1"
  ensure_joined "$1"
  ensure_images "$1"
}

# Kills what is left in the worker's cgroups (the processes of its containers, when its dockerd
# died without stopping them) and removes those cgroups.
clear_cgroups() { # clear_cgroups <i>
  local i=$1 dir pid
  for dir in /sys/fs/cgroup/*/"gofer-n$i"; do
    [ -d "$dir" ] || continue
    for pid in $(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for dir in /sys/fs/cgroup/*/"gofer-n$i"; do
    [ -d "$dir" ] || continue
    local deadline=$((SECONDS + 10))
    until find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null && [ ! -d "$dir" ]; do
      ((SECONDS < deadline)) || {
        log "could not remove cgroup $dir"
        break
      }
      sleep 0.1
    done
  done
}

# Container shims of this worker's containerd outlive it; they name its socket on their command line.
kill_shims() { # kill_shims <i>
  local sock pid
  sock="$(node_dir "$1")/containerd.sock"
  for pid in $(pgrep -f -- "-address $sock" 2>/dev/null || true); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $sock" && kill -KILL "$pid" 2>/dev/null || true
  done
}

# Mounts a killed dockerd or containerd left under the worker's state folder.
unmount_all() { # unmount_all <dir>
  local dir=$1
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
}

down_worker() { # down_worker <i>
  local i=$1 dir
  dir=$(node_dir "$i")
  [ -d "$dir" ] || return 0
  log "n$i: removing"
  local node_id
  node_id=$(cat "$dir/node-id" 2>/dev/null || worker_node_id "$i")
  if worker_answers "$i" >/dev/null 2>&1; then
    wdocker "$i" swarm leave --force >/dev/null 2>&1 || true
    local ids
    ids=$(wdocker "$i" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || wdocker "$i" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_daemon "$dir/dockerd.pid" 20
  stop_daemon "$dir/registry-forward.pid" 5
  kill_shims "$i"
  clear_cgroups "$i"
  stop_daemon "$dir/containerd.pid" 10
  kill_shims "$i"
  unmount_all "$dir"
  if manager_is_ours && [ -n "$node_id" ]; then docker node rm --force "$node_id" >/dev/null 2>&1 || true; fi
  if recorded "$i" "link gofer-h$i" && ip link show "gofer-h$i" >/dev/null 2>&1; then ip link del "gofer-h$i"; fi
  if recorded "$i" "netns gofer-n$i" && ip netns list | grep -qw "gofer-n$i"; then ip netns del "gofer-n$i"; fi
  rm -rf "$dir"
}

# ---- commands --------------------------------------------------------------------------------

write_nodes_json() {
  local i first=1
  {
    printf '{"manager":{"name":"n1","nodeId":"%s","address":"%s","socket":"/var/run/docker.sock"},"workers":[' "$(cat "$STATE/manager")" "$MANAGER_ADDR"
    for dir in "$STATE"/n[0-9]; do
      [ -d "$dir" ] || continue
      i=${dir##*/n}
      [ $first = 1 ] || printf ','
      first=0
      printf '{"name":"n%s","nodeId":"%s","address":"%s","socket":"%s"}' "$i" "$(cat "$dir/node-id")" "$NET.$i.2" "$dir/docker.sock"
    done
    printf ']}\n'
  } >"$STATE/nodes.json"
}

wait_ready() {
  local deadline=$((SECONDS + 60)) want=$1 ready
  for id in $(docker node ls -q); do
    [ "$(docker node inspect -f '{{.Spec.Availability}}' "$id")" = active ] || docker node update --availability active "$id" >/dev/null
  done
  for (( ; ; )); do
    ready=$(docker node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$' || true)
    ((ready >= want)) && return 0
    ((SECONDS < deadline)) || {
      docker node ls >&2
      die "only $ready of $want nodes are ready"
    }
    sleep 0.2
  done
}

# What `up` needs besides what it makes: root, the tools, the engine, the test image, the
# registry; socat is installed from Debian when missing (CI runs `prepare` before the tests, so
# no test waits for apt).
cmd_prepare() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, a second dockerd)"
  for tool in ip nsenter flock containerd dockerd ctr curl; do command -v "$tool" >/dev/null || die "$tool is missing (bash scripts/docker-up.sh installs the engine)"; done
  docker version >/dev/null 2>&1 || die "no engine answers: run bash scripts/docker-up.sh first"
  docker image inspect "$TEST_IMAGE" >/dev/null 2>&1 || die "no $TEST_IMAGE: run bash scripts/docker-up.sh first"
  registry_answers_at "$REGISTRY" || die "the registry on $REGISTRY does not answer: run bash scripts/docker-up.sh first"
  if ! command -v socat >/dev/null; then
    log "installing socat (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat </dev/null >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat </dev/null >/dev/null; }
  fi
  command -v socat >/dev/null || die "socat is missing and could not be installed (apt-get install socat)"
}

cmd_up() {
  local n=${1:-2}
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 2 && n <= MAX_NODES)) || die "usage: swarm-nodes.sh up N (2 <= N <= $MAX_NODES: the manager and N-1 workers)"
  cmd_prepare
  if [ ! -f "$STATE/owner" ]; then
    [ ! -e "$STATE" ] || [ -z "$(ls -A "$STATE")" ] || die "$STATE exists and was not made by this script"
    mkdir -p "$STATE"
    echo "scripts/swarm-nodes.sh" >"$STATE/owner"
  fi
  # The manager's address lives on worker 2's link: make that first.
  ensure_link 2
  ensure_manager
  ensure_registry_forward
  local i
  for ((i = 2; i <= n; i++)); do
    ensure_worker "$i"
    worker_node_id "$i" >"$(node_dir "$i")/node-id"
  done
  for dir in "$STATE"/n[0-9]; do
    [ -d "$dir" ] || continue
    i=${dir##*/n}
    ((i <= n)) || down_worker "$i"
  done
  wait_ready "$n"
  write_nodes_json
  log "up: $n nodes ($STATE/nodes.json)"
}

cmd_down() {
  [ -f "$STATE/owner" ] || {
    log "nothing to do: $STATE was not made by this script"
    return 0
  }
  local dir i
  for dir in "$STATE"/n[0-9]; do
    [ -d "$dir" ] || continue
    i=${dir##*/n}
    [ "$i" = 2 ] || down_worker "$i"
  done
  # Worker 2's link carries the manager's address: the manager leaves before it goes.
  if [ -d "$(node_dir 2)" ] && worker_answers 2 >/dev/null 2>&1; then wdocker 2 swarm leave --force >/dev/null 2>&1 || true; fi
  if manager_is_ours; then
    log "manager: leaving the swarm"
    docker swarm leave --force >/dev/null
    docker network rm docker_gwbridge >/dev/null 2>&1 || true
  fi
  stop_daemon "$STATE/registry-forward.pid" 5
  down_worker 2
  rm -rf "$STATE"
  log "down"
}

cmd_status() {
  if [ ! -f "$STATE/owner" ]; then
    echo "no cluster made by this script ($STATE)"
    return 0
  fi
  echo "manager: engine swarm state $(engine_swarm_state)$(manager_is_ours && echo ' (made here)')"
  local dir i
  for dir in "$STATE"/n[0-9]; do
    [ -d "$dir" ] || continue
    i=${dir##*/n}
    printf 'n%s: containerd %s, dockerd %s, swarm %s\n' "$i" \
      "$(owned_pid "$dir/containerd.pid" && echo up || echo down)" "$(owned_pid "$dir/dockerd.pid" && echo up || echo down)" "$(worker_swarm_state "$i")"
  done
  if [ "$(engine_swarm_state)" = active ]; then docker node ls; fi
}

main() {
  local cmd=${1:-}
  shift || true
  mkdir -p "$(dirname "$STATE")"
  # One invocation at a time (tests may call up and down from several processes).
  exec 9>"$STATE.lock"
  flock 9
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    prepare) cmd_prepare ;;
    *) die "usage: swarm-nodes.sh up [N] | down | status | prepare" ;;
  esac
}

main "$@"
