# shellcheck shell=bash
# Apache Kafka (KRaft) for scripts/stack: one node, or a quorum of FW_STACK_KAFKA_NODES nodes that are
# each broker + controller, all on loopback. Sourced.
# The broker jars come from Maven Central (mvn dependency:copy-dependencies) into a cache dir.
# Kafka 4.x logs through Log4j 2 (log4j2.properties); 3.x through reload4j (log4j.properties).

KAFKA_MAJOR="${KAFKA_VERSION%%.*}"
case "$KAFKA_NODES" in
  '' | *[!0-9]*) die "FW_STACK_KAFKA_NODES must be a number of nodes (1 or 3), not '$KAFKA_NODES'" ;;
esac
[ "$KAFKA_NODES" -ge 1 ] && [ "$KAFKA_NODES" -le 5 ] || die "FW_STACK_KAFKA_NODES=$KAFKA_NODES: use 1 to 5 nodes (3 for a replicated cluster)"
case "$KAFKA_VERSION" in
  3.* | 4.*) ;;
  *) die "FW_STACK_KAFKA_VERSION=$KAFKA_VERSION: scripts/stack runs Apache Kafka 3.x (KRaft) or 4.x" ;;
esac
if [ "$KAFKA_NODES" -ge 3 ]; then KAFKA_RF=3; KAFKA_MIN_ISR=2; else KAFKA_RF="$KAFKA_NODES"; KAFKA_MIN_ISR=1; fi
# Per node heap: small, several JVMs share 2 cores with the tests.
KAFKA_HEAP="${FW_STACK_KAFKA_HEAP:-$([ "$KAFKA_NODES" = 1 ] && echo 512m || echo 320m)}"

kafka_port() { echo $(( KAFKA_PORT + 2 * ($1 - 1) )); }
kafka_controller_port() { echo $(( KAFKA_CONTROLLER_PORT + 2 * ($1 - 1) )); }
# One node keeps the historical layout ($STACK_DIR/kafka); a cluster has kafka-1 .. kafka-N.
kafka_dir() { if [ "$KAFKA_NODES" = 1 ]; then echo "$STACK_DIR/kafka"; else echo "$STACK_DIR/kafka-$1"; fi; }
kafka_pattern() { echo "kafka.Kafka $(kafka_dir "$1")/server.properties"; }
kafka_nodes() { seq 1 "$KAFKA_NODES"; }

# Comma-separated bootstrap list of every node.
kafka_brokers() {
  local i out=""
  for i in $(kafka_nodes); do out="${out:+$out,}127.0.0.1:$(kafka_port "$i")"; done
  echo "$out"
}

kafka_check_ports() {
  local seen="" i p
  for i in $(kafka_nodes); do
    for p in "$(kafka_port "$i")" "$(kafka_controller_port "$i")"; do
      case " $seen " in *" $p "*) die "kafka: port $p is used twice (node i listens on FW_STACK_KAFKA_PORT+2(i-1) and FW_STACK_KAFKA_CONTROLLER_PORT+2(i-1); pick ports further apart)" ;; esac
      seen="$seen $p"
    done
  done
}

kafka_fetch_jars() {
  local libs="$KAFKA_HOME/libs" logging
  [ -f "$libs/.complete" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  mkdir -p "$KAFKA_HOME"
  if [ "$KAFKA_MAJOR" -ge 4 ]; then
    # Kafka 4 logs through slf4j 1.7 -> Log4j 2 (KIP-653), as its own distribution ships it.
    logging='<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>'
  else
    logging='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>'
  fi
  (
    flock 9
    [ -f "$libs/.complete" ] && exit 0
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $libs"
    cat >"$KAFKA_HOME/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.fleetwire.stack</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    $logging
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>2.8</version>
  </plugin></plugins></build>
</project>
POM
    rm -rf "$libs.tmp"
    local repo=()
    [ -n "${FW_STACK_M2_REPO:-}" ] && repo=("-Dmaven.repo.local=$FW_STACK_M2_REPO")
    if ! mvn -B -q "${repo[@]}" -f "$KAFKA_HOME/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
      die_with_log kafka "$KAFKA_HOME/mvn.log" "mvn dependency:copy-dependencies for kafka_2.13:$KAFKA_VERSION failed"
    fi
    ls "$libs.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: maven finished but kafka_2.13 jar is missing in $libs.tmp"
    rm -rf "$libs"
    mv "$libs.tmp" "$libs"
    touch "$libs/.complete"
  ) 9>"$KAFKA_HOME.lock" || exit 1
}

kafka_write_config() {
  local i="$1" dir voters="" n
  dir="$(kafka_dir "$i")"
  for n in $(kafka_nodes); do voters="${voters:+$voters,}$n@127.0.0.1:$(kafka_controller_port "$n")"; done
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<PROPS
# fleetwire test stack: KRaft node $i of $KAFKA_NODES (broker + controller) on loopback, Apache Kafka $KAFKA_VERSION
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$i"),CONTROLLER://127.0.0.1:$(kafka_controller_port "$i")
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$i")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
# Replication: $KAFKA_RF copies of every partition, acks=all needs $KAFKA_MIN_ISR in sync; never elect an
# out-of-sync replica (that would drop acknowledged records).
default.replication.factor=$KAFKA_RF
min.insync.replicas=$KAFKA_MIN_ISR
offsets.topic.replication.factor=$KAFKA_RF
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$KAFKA_RF
transaction.state.log.min.isr=$KAFKA_MIN_ISR
transaction.state.log.num.partitions=4
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=$([ "$KAFKA_NODES" = 1 ] && echo 4 || echo 2)
num.replica.fetchers=1
background.threads=$([ "$KAFKA_NODES" = 1 ] && echo 4 || echo 2)
log.retention.hours=24
PROPS
  # Readable and quiet: broker lifecycle at INFO; config dumps, per-partition state changes, request
  # logs and the embedded clients' chatter at WARN.
  cat >"$dir/log4j2.properties" <<'L4J2'
status = warn
name = fleetwire-stack
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.logmanager.name = kafka.log.LogManager
logger.logmanager.level = WARN
logger.unifiedlog.name = kafka.log.UnifiedLog
logger.unifiedlog.level = WARN
logger.storagelog.name = org.apache.kafka.storage.internals.log
logger.storagelog.level = WARN
logger.partition.name = kafka.cluster.Partition
logger.partition.level = WARN
logger.fetcher.name = kafka.server.ReplicaFetcherThread
logger.fetcher.level = WARN
L4J2
  cat >"$dir/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.log.LogManager=WARN
log4j.logger.kafka.log.UnifiedLog=WARN
log4j.logger.kafka.cluster.Partition=WARN
L4J
}

# Extra JVM options per node. A cluster's nodes default to the C1 JIT only: on 2 shared cores a node
# (re)starts ~30% faster (12 s instead of 16-21 s measured), at a lower peak throughput; one node (the
# stack the benches run on) keeps the full JIT.
KAFKA_JVM_EXTRA="${FW_STACK_KAFKA_JVM_OPTS-$([ "$KAFKA_NODES" = 1 ] || echo -XX:TieredStopAtLevel=1)}"

# JVM options of node DIR: small heap, G1 with short pauses, the logging config of this Kafka major.
kafka_jvm_opts() {
  local dir="$1" logcfg
  if [ "$KAFKA_MAJOR" -ge 4 ]; then logcfg="-Dlog4j2.configurationFile=file:$dir/log4j2.properties"
  else logcfg="-Dlog4j.configuration=file:$dir/log4j.properties"; fi
  echo "-Xmx$KAFKA_HEAP -Xms64m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 $KAFKA_JVM_EXTRA -Djava.awt.headless=true $logcfg -Dkafka.logs.dir=$dir/logs"
}

# The id every node of this stack dir is formatted with (made once, kept in the state dir).
kafka_cluster_id() {
  local file="$STACK_DIR/kafka.cluster-id" id
  if [ ! -s "$file" ]; then
    # A base64url id may start with '-', which kafka-storage's argument parser then takes for an option
    # (seen in CI: "argument --cluster-id/-t: expected one argument"); Kafka's own Uuid.randomUuid() rerolls those too.
    id="-"
    while [ "${id#-}" != "$id" ]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    echo "$id" >"$file"
  fi
  cat "$file"
}

kafka_format() {
  local i="$1" dir id
  dir="$(kafka_dir "$i")"
  [ -f "$dir/data/meta.properties" ] && return 0
  id="$(kafka_cluster_id)"
  log "kafka: formatting node $i storage (cluster id $id)"
  # shellcheck disable=SC2046
  if ! java $(kafka_jvm_opts "$dir") -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool format --ignore-formatted -t "$id" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1; then
    die_with_log kafka "$dir/format.log" "kafka-storage format of node $i failed"
  fi
}

kafka_ready() {
  if [ -d "$REPO_ROOT/node_modules/kafkajs" ]; then
    node "$REPO_ROOT/scripts/stack-kafka-ready.mjs" "$(kafka_brokers)" "$KAFKA_NODES"
  else
    local i
    for i in $(kafka_nodes); do
      port_open "$(kafka_port "$i")" && grep -q "Kafka Server started" "$(kafka_dir "$i")/kafka.log" || return 1
    done
  fi
}

# kafka_up_node I: starts node I unless it runs. Its run.sh (kept in the node dir) can start it again.
kafka_up_node() {
  local i="$1" dir pidf p
  dir="$(kafka_dir "$i")"
  pidf="$dir/kafka.pid"
  if pid_alive "$pidf" "$(kafka_pattern "$i")"; then
    log "kafka node $i already running (pid $(cat "$pidf")) on 127.0.0.1:$(kafka_port "$i")"
    return 0
  fi
  rm -f "$pidf"
  for p in "$(kafka_port "$i")" "$(kafka_controller_port "$i")"; do
    port_open "$p" && die "kafka: port 127.0.0.1:$p is taken by another process (set FW_STACK_KAFKA_PORT / FW_STACK_KAFKA_CONTROLLER_PORT, or export FW_KAFKA_BROKERS to use your own broker)"
  done
  kafka_write_config "$i"
  kafka_format "$i"
  echo "$KAFKA_VERSION" >"$dir/version"
  log "kafka: starting node $i of $KAFKA_NODES, $KAFKA_VERSION, on 127.0.0.1:$(kafka_port "$i") (controller :$(kafka_controller_port "$i"), heap $KAFKA_HEAP)"
  # A launcher that records its own pid, logs to the node's kafka.log and execs the JVM; setsid detaches
  # it from the caller. Tests start a stopped node again with it alone.
  cat >"$dir/run.sh" <<RUN
#!/usr/bin/env bash
echo \$\$ >'$pidf'
exec </dev/null >>'$dir/kafka.log' 2>&1
exec java $(kafka_jvm_opts "$dir") -cp '$KAFKA_HOME/libs/*' kafka.Kafka $dir/server.properties
RUN
  # All three std streams are redirected for the whole subshell: nothing keeps the caller's
  # stdout/stderr pipe open (a caller piping `stack up` into another command must not hang).
  (cd "$dir" && exec setsid bash "$dir/run.sh") </dev/null >>"$dir/kafka.log" 2>&1 &
  wait_until 10 test -s "$pidf" || die_with_log kafka "$dir/kafka.log" "launcher of node $i did not start"
}

kafka_up() {
  local i pids=() rc=0
  kafka_check_ports
  kafka_fetch_jars
  kafka_cluster_id >/dev/null
  # Nodes start in parallel (each format is a JVM start of its own); each runs in a subshell, so a
  # failing node's die ends only that subshell: collect their exit codes.
  for i in $(kafka_nodes); do kafka_up_node "$i" & pids+=("$!"); done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  [ "$rc" = 0 ] || die "kafka: a node did not start (see above)"
}

kafka_wait() {
  local deadline=$(( $(date +%s) + STACK_TIMEOUT )) i dir
  until kafka_ready >/dev/null 2>&1; do
    for i in $(kafka_nodes); do
      dir="$(kafka_dir "$i")"
      if ! kill -0 "$(tr -dc '0-9' <"$dir/kafka.pid" 2>/dev/null)" 2>/dev/null; then
        die_with_log kafka "$dir/kafka.log" "node $i exited during start"
      fi
    done
    [ "$(date +%s)" -lt "$deadline" ] || die_with_log kafka "$(kafka_dir 1)/kafka.log" "$KAFKA_NODES node(s) not all in the metadata of $(kafka_brokers) within ${STACK_TIMEOUT}s ($(node "$REPO_ROOT/scripts/stack-kafka-ready.mjs" "$(kafka_brokers)" "$KAFKA_NODES" 2>&1 | tail -n 1))"
    sleep 1
  done
  log "kafka ready on $(kafka_brokers) ($KAFKA_NODES node(s), replication factor $KAFKA_RF, min.insync.replicas $KAFKA_MIN_ISR)"
}

kafka_status() {
  local i dir rc=0 v
  for i in $(kafka_nodes); do
    dir="$(kafka_dir "$i")"
    if pid_alive "$dir/kafka.pid" "$(kafka_pattern "$i")" && port_open "$(kafka_port "$i")"; then
      # The version the JVM runs: its classpath names the jar cache dir (kafka-<version>/libs).
      v="$(tr '\0' '\n' <"/proc/$(cat "$dir/kafka.pid")/cmdline" 2>/dev/null | sed -n 's#.*/kafka-\([^/]*\)/libs/.*#\1#p' | head -n 1)"
      [ -n "$v" ] || v="$(cat "$dir/version" 2>/dev/null || echo "?")"
      echo "kafka     up    127.0.0.1:$(kafka_port "$i") (node $i/$KAFKA_NODES, pid $(cat "$dir/kafka.pid"), Apache Kafka $v KRaft)"
    else
      echo "kafka     down  127.0.0.1:$(kafka_port "$i") (node $i/$KAFKA_NODES)"
      rc=1
    fi
  done
  return "$rc"
}

kafka_down() {
  local i
  # All nodes at once: stopped one by one, the last ones lose their controller quorum and their
  # controlled shutdown waits for it.
  for i in $(kafka_nodes); do stop_pid "$(kafka_dir "$i")/kafka.pid" "$(kafka_pattern "$i")" "kafka node $i" & done
  wait
}
