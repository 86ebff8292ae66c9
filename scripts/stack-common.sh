# shellcheck shell=bash
# Shared settings and helpers for scripts/stack (sourced, not executed).

STACK_DIR="${FW_STACK_DIR:-/tmp/fleetwire-stack}"
KAFKA_PORT="${FW_STACK_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${FW_STACK_KAFKA_CONTROLLER_PORT:-19093}"
PG_PORT="${FW_STACK_PG_PORT:-15432}"
REDIS_PORT="${FW_STACK_REDIS_PORT:-16379}"
KAFKA_VERSION="${FW_STACK_KAFKA_VERSION:-4.1.2}"
# 1 = one broker+controller, replication factor 1; 3 = a 3-node KRaft quorum (every node broker +
# controller) with default.replication.factor=3 and min.insync.replicas=2. Node i (1-based) listens on
# FW_STACK_KAFKA_PORT + 2(i-1) and its controller on FW_STACK_KAFKA_CONTROLLER_PORT + 2(i-1).
KAFKA_NODES="${FW_STACK_KAFKA_NODES:-1}"
# Which servers this stack dir runs (space or comma separated subset of "kafka postgres redis").
STACK_SERVICES="${FW_STACK_SERVICES:-kafka postgres redis}"
STACK_SERVICES="${STACK_SERVICES//,/ }"
STACK_TIMEOUT="${FW_STACK_TIMEOUT:-120}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/fleetwire"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"

log() { echo "[stack] $*" >&2; }

# wants SERVICE: true when this stack runs SERVICE (FW_STACK_SERVICES).
wants() {
  case " $STACK_SERVICES " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

die() { echo "[stack] ERROR: $*" >&2; exit 1; }

# die_with_log NAME LOGFILE MESSAGE: fail naming the server and showing the tail of its log.
die_with_log() {
  local name="$1" file="$2" msg="$3"
  {
    echo "[stack] ERROR: $name: $msg"
    if [ -f "$file" ]; then
      echo "[stack] ---- last 40 lines of $file ----"
      tail -n 40 "$file"
      echo "[stack] ---- end of $file ----"
    else
      echo "[stack] (no log file at $file)"
    fi
  } >&2
  exit 1
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_alive PIDFILE PATTERN: true when the pid in PIDFILE runs and its command line matches PATTERN.
pid_alive() {
  local file="$1" pattern="$2" pid
  [ -f "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

# stop_pid PIDFILE PATTERN NAME: TERM, wait up to 30 s, then KILL. Only our own recorded pid.
stop_pid() {
  local file="$1" pattern="$2" name="$3" pid i
  if pid_alive "$file" "$pattern"; then
    pid="$(tr -dc '0-9' <"$file")"
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in 30 s; killing"
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

is_root() { [ "$(id -u)" = 0 ]; }

APT_UPDATED=0
# apt_install PKG...: install Debian packages (root only), running apt-get update once first.
apt_install() {
  is_root || die "missing $* and not root: install them with apt-get install -y $*"
  command -v apt-get >/dev/null || die "missing $* and apt-get is not available"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}

# wait_until TIMEOUT_S COMMAND...: poll every 0.5 s until COMMAND succeeds.
wait_until() {
  local timeout="$1" deadline
  shift
  deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
