# shellcheck shell=bash
# Redis Cluster for scripts/stack (FW_STACK_REDIS_CLUSTER=1, or `scripts/stack redis-cluster up|down|env`):
# 3 masters + 3 replicas (Debian redis-server, --cluster-enabled) on 127.0.0.1 ports
# ${FW_STACK_REDIS_CLUSTER_PORT:-17001} .. +5, node timeout 2 s (a killed master's replica takes over
# within seconds; replica-validity-factor 0: a replica takes over however long its link was down),
# cluster-require-full-coverage no (the other slots keep serving meanwhile). No persistence. `up` returns
# once cluster_state is ok and every replica is in sync with its master.
# Sourced.

RC_BASE="${FW_STACK_REDIS_CLUSTER_PORT:-17001}"
RC_STATE="$STACK_DIR/redis-cluster"
RC_PORTS=("$RC_BASE" $((RC_BASE + 1)) $((RC_BASE + 2)) $((RC_BASE + 3)) $((RC_BASE + 4)) $((RC_BASE + 5)))

rc_nodes() {
  local out="" p
  for p in "${RC_PORTS[@]:0:3}"; do out="${out:+$out,}127.0.0.1:$p"; done
  echo "$out"
}

rc_ok() {
  redis-cli -h 127.0.0.1 -p "$RC_BASE" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

# Every node is a master with slots or a replica whose link to its master is up (a replica that never
# finished its first sync cannot take over), and all 6 agree there are 3 masters with slots.
rc_settled() {
  rc_ok || return 1
  local p info
  for p in "${RC_PORTS[@]}"; do
    info=$(redis-cli -h 127.0.0.1 -p "$p" info replication 2>/dev/null) || return 1
    if grep -q '^role:slave' <<<"$info"; then grep -q '^master_link_status:up' <<<"$info" || return 1; fi
  done
  [ "$(redis-cli -h 127.0.0.1 -p "$RC_BASE" cluster nodes 2>/dev/null | grep -c 'slave')" = 3 ]
}

redis_cluster_up() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server
  fi
  mkdir -p "$RC_STATE"
  local p fresh=0
  for p in "${RC_PORTS[@]}"; do
    if pid_alive "$RC_STATE/$p.pid" "redis-server 127.0.0.1:$p"; then continue; fi
    port_open "$p" && die "redis-cluster: port 127.0.0.1:$p is taken (set FW_STACK_REDIS_CLUSTER_PORT)"
    # A node restarted after a kill keeps its identity and slots from its nodes file.
    [ -f "$RC_STATE/nodes-$p.conf" ] || fresh=1
    redis-server --port "$p" --bind 127.0.0.1 --daemonize yes --dir "$RC_STATE" --pidfile "$RC_STATE/$p.pid" \
      --logfile "$RC_STATE/$p.log" --save '' --appendonly no --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
      --cluster-node-timeout 2000 --cluster-replica-validity-factor 0 --cluster-require-full-coverage no --cluster-allow-reads-when-down yes >>"$RC_STATE/$p.log" 2>&1 \
      || die_with_log redis-cluster "$RC_STATE/$p.log" "redis-server :$p failed to start"
  done
  for p in "${RC_PORTS[@]}"; do
    wait_until "$STACK_TIMEOUT" redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null || die_with_log redis-cluster "$RC_STATE/$p.log" "no PONG from :$p"
  done
  if [ "$fresh" = 1 ] && ! rc_ok; then
    local hosts=()
    for p in "${RC_PORTS[@]}"; do hosts+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes >>"$RC_STATE/create.log" 2>&1 \
      || die_with_log redis-cluster "$RC_STATE/create.log" "redis-cli --cluster create failed"
  fi
  wait_until "$STACK_TIMEOUT" rc_settled || die_with_log redis-cluster "$RC_STATE/create.log" "cluster_state not ok or replicas not in sync"
  log "redis cluster ready: masters $(rc_nodes) (+3 replicas)"
}

redis_cluster_status() {
  if rc_ok; then
    echo "redis-cluster up  $(rc_nodes) (+3 replicas)"
    return 0
  fi
  echo "redis-cluster down  ports ${RC_PORTS[*]}"
  return 1
}

redis_cluster_down() {
  local p
  for p in "${RC_PORTS[@]}"; do stop_pid "$RC_STATE/$p.pid" "redis-server 127.0.0.1:$p" "redis-cluster :$p"; done
  rm -rf "$RC_STATE"
}
