# shellcheck shell=bash
# Apache Kafka (KRaft, single node broker+controller) for scripts/stack. Sourced.
# The broker jars come from Maven Central (mvn dependency:copy-dependencies) into a cache dir.

KAFKA_STATE="$STACK_DIR/kafka"
KAFKA_LOG="$KAFKA_STATE/kafka.log"
KAFKA_PID="$KAFKA_STATE/kafka.pid"
KAFKA_PATTERN="kafka.Kafka $KAFKA_STATE/server.properties"

kafka_fetch_jars() {
  local libs="$KAFKA_HOME/libs"
  [ -f "$libs/.complete" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  mkdir -p "$KAFKA_HOME"
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
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
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
  mkdir -p "$KAFKA_STATE/data" "$KAFKA_STATE/logs"
  cat >"$KAFKA_STATE/server.properties" <<PROPS
# fleetwire test stack: single node KRaft (broker + controller) on loopback
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_STATE/data
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
background.threads=4
log.retention.hours=24
PROPS
  cat >"$KAFKA_STATE/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
L4J
}

kafka_java() {
  java -Xmx512m -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_STATE/log4j.properties" -Dkafka.logs.dir="$KAFKA_STATE/logs" \
    -cp "$KAFKA_HOME/libs/*" "$@"
}

kafka_format() {
  [ -f "$KAFKA_STATE/data/meta.properties" ] && return 0
  local id
  # A base64url id may start with '-', which kafka-storage's argument parser then takes for an option
  # (seen in CI: "argument --cluster-id/-t: expected one argument"); Kafka's own Uuid.randomUuid() rerolls those too.
  id="-"
  while [ "${id#-}" != "$id" ]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  log "kafka: formatting storage (cluster id $id)"
  if ! kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$id" \
      -c "$KAFKA_STATE/server.properties" >"$KAFKA_STATE/format.log" 2>&1; then
    die_with_log kafka "$KAFKA_STATE/format.log" "kafka-storage format failed"
  fi
}

kafka_ready() {
  if [ -d "$REPO_ROOT/node_modules/kafkajs" ]; then
    node "$REPO_ROOT/scripts/stack-kafka-ready.mjs" "127.0.0.1:$KAFKA_PORT"
  else
    port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$KAFKA_LOG"
  fi
}

kafka_up() {
  if pid_alive "$KAFKA_PID" "$KAFKA_PATTERN"; then
    log "kafka already running (pid $(cat "$KAFKA_PID")) on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  rm -f "$KAFKA_PID"
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "kafka: port 127.0.0.1:$p is taken by another process (set FW_STACK_KAFKA_PORT / FW_STACK_KAFKA_CONTROLLER_PORT, or export FW_KAFKA_BROKERS to use your own broker)"
  done
  kafka_fetch_jars
  kafka_write_config
  kafka_format
  log "kafka: starting $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  # A launcher that records its own pid and execs the JVM; setsid detaches it from the caller.
  cat >"$KAFKA_STATE/run.sh" <<RUN
#!/usr/bin/env bash
echo \$\$ >'$KAFKA_PID'
exec java -Xmx512m -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \\
  -Dlog4j.configuration=file:$KAFKA_STATE/log4j.properties -Dkafka.logs.dir=$KAFKA_STATE/logs \\
  -cp '$KAFKA_HOME/libs/*' kafka.Kafka $KAFKA_STATE/server.properties
RUN
  # All three std streams are redirected for the whole subshell: nothing keeps the caller's
  # stdout/stderr pipe open (a caller piping `stack up` into another command must not hang).
  (cd "$KAFKA_STATE" && exec setsid bash "$KAFKA_STATE/run.sh") </dev/null >>"$KAFKA_LOG" 2>&1 &
  wait_until 10 test -s "$KAFKA_PID" || die_with_log kafka "$KAFKA_LOG" "launcher did not start"
}

kafka_wait() {
  local deadline=$(( $(date +%s) + STACK_TIMEOUT ))
  until kafka_ready >/dev/null 2>&1; do
    if ! kill -0 "$(tr -dc '0-9' <"$KAFKA_PID" 2>/dev/null)" 2>/dev/null; then
      die_with_log kafka "$KAFKA_LOG" "broker process exited during start"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die_with_log kafka "$KAFKA_LOG" "no metadata answer on 127.0.0.1:$KAFKA_PORT within ${STACK_TIMEOUT}s"
    sleep 1
  done
  log "kafka ready on 127.0.0.1:$KAFKA_PORT"
}

kafka_status() {
  if pid_alive "$KAFKA_PID" "$KAFKA_PATTERN" && port_open "$KAFKA_PORT"; then
    echo "kafka     up    127.0.0.1:$KAFKA_PORT (pid $(cat "$KAFKA_PID"), Apache Kafka $KAFKA_VERSION KRaft)"
    return 0
  fi
  echo "kafka     down  127.0.0.1:$KAFKA_PORT"
  return 1
}

kafka_down() {
  stop_pid "$KAFKA_PID" "$KAFKA_PATTERN" kafka
}
