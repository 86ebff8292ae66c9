# shellcheck shell=bash
# PostgreSQL (Debian package) for scripts/stack. Sourced.
# Postgres refuses to run as root, so as root we run it as the `postgres` OS user.

PG_STATE="$STACK_DIR/pg"
PG_DATA="$PG_STATE/data"
PG_LOG="$PG_STATE/postgres.log"
PG_DB="fleetwire"

pg_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# pg_as CMD...: run a postgres tool as the postgres OS user when we are root.
pg_as() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ensure_installed() {
  PG_BIN="$(pg_bin_dir || true)"
  if [ -z "$PG_BIN" ]; then
    apt_install postgresql
    PG_BIN="$(pg_bin_dir || true)"
    [ -n "$PG_BIN" ] || die "postgres: installed postgresql but found no /usr/lib/postgresql/*/bin/pg_ctl"
  fi
}

pg_running() {
  [ -n "${PG_BIN:-}" ] || PG_BIN="$(pg_bin_dir || true)"
  [ -n "$PG_BIN" ] && [ -f "$PG_DATA/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_up() {
  pg_ensure_installed
  if pg_running; then
    log "postgres already running on 127.0.0.1:$PG_PORT"
    return 0
  fi
  port_open "$PG_PORT" && die "postgres: port 127.0.0.1:$PG_PORT is taken by another process (set FW_STACK_PG_PORT, or export FW_DATABASE_URL to use your own server)"
  mkdir -p "$PG_STATE/sock"
  chmod 755 "$STACK_DIR"
  is_root && chown -R postgres:postgres "$PG_STATE"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "postgres: initdb in $PG_DATA"
    rm -rf "$PG_DATA"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-locale --no-sync \
        >"$PG_STATE/initdb.log" 2>&1; then
      die_with_log postgres "$PG_STATE/initdb.log" "initdb failed"
    fi
    cat >>"$PG_DATA/postgresql.conf" <<CONF
# fleetwire test stack
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_STATE/sock'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
CONF
  fi
  # A crash leaves postmaster.pid behind; pg_ctl start ignores it when that pid is gone.
  log "postgres: starting on 127.0.0.1:$PG_PORT"
  if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$STACK_TIMEOUT" start >"$PG_STATE/pg_ctl.log" 2>&1; then
    cat "$PG_STATE/pg_ctl.log" >>"$PG_LOG" 2>/dev/null || true
    die_with_log postgres "$PG_LOG" "pg_ctl start failed"
  fi
}

pg_wait() {
  wait_until "$STACK_TIMEOUT" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" \
    || die_with_log postgres "$PG_LOG" "pg_isready failed on 127.0.0.1:$PG_PORT within ${STACK_TIMEOUT}s"
  local have
  have="$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname = '$PG_DB'" 2>>"$PG_LOG")" \
    || die_with_log postgres "$PG_LOG" "psql could not query pg_database"
  if [ "$have" != 1 ]; then
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "create database $PG_DB" >>"$PG_LOG" 2>&1 \
      || die_with_log postgres "$PG_LOG" "create database $PG_DB failed"
  fi
  log "postgres ready on 127.0.0.1:$PG_PORT (database $PG_DB)"
}

pg_status() {
  if pg_running && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "postgres  up    127.0.0.1:$PG_PORT (database $PG_DB, $("$PG_BIN/postgres" --version))"
    return 0
  fi
  echo "postgres  down  127.0.0.1:$PG_PORT"
  return 1
}

pg_down() {
  if pg_running; then
    log "stopping postgres"
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}
