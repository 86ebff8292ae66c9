# shellcheck shell=bash
# Redis (Debian package redis-server) for scripts/stack. Sourced. No persistence.

REDIS_STATE="$STACK_DIR/redis"
REDIS_LOG="$REDIS_STATE/redis.log"
REDIS_PID="$REDIS_STATE/redis.pid"
REDIS_PATTERN="redis-server 127.0.0.1:$REDIS_PORT"

redis_ping() {
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

redis_up() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server
  fi
  if pid_alive "$REDIS_PID" "$REDIS_PATTERN"; then
    log "redis already running (pid $(cat "$REDIS_PID")) on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  rm -f "$REDIS_PID"
  port_open "$REDIS_PORT" && die "redis: port 127.0.0.1:$REDIS_PORT is taken by another process (set FW_STACK_REDIS_PORT, or export FW_REDIS_URL to use your own server)"
  mkdir -p "$REDIS_STATE"
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_STATE" \
    --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --save '' --appendonly no \
    --maxclients 1000 >>"$REDIS_LOG" 2>&1 \
    || die_with_log redis "$REDIS_LOG" "redis-server failed to start"
}

redis_wait() {
  wait_until "$STACK_TIMEOUT" redis_ping \
    || die_with_log redis "$REDIS_LOG" "no PONG from 127.0.0.1:$REDIS_PORT within ${STACK_TIMEOUT}s"
  log "redis ready on 127.0.0.1:$REDIS_PORT"
}

redis_status() {
  if pid_alive "$REDIS_PID" "$REDIS_PATTERN" && redis_ping; then
    echo "redis     up    127.0.0.1:$REDIS_PORT (pid $(cat "$REDIS_PID"), $(redis-server --version | cut -d' ' -f3))"
    return 0
  fi
  echo "redis     down  127.0.0.1:$REDIS_PORT"
  return 1
}

redis_down() {
  stop_pid "$REDIS_PID" "$REDIS_PATTERN" redis
}
