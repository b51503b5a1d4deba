#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, combined broker+controller)
# on 127.0.0.1 for development, tests and benchmarks.
#
#   tools/kafka/local-kafka.sh start    fetch jars if needed, format, start, wait
#   tools/kafka/local-kafka.sh stop     stop it cleanly (SIGTERM, bounded wait)
#   tools/kafka/local-kafka.sh status   exit 0 when the broker answers
#   tools/kafka/local-kafka.sh reset    stop and delete the log directory
#   tools/kafka/local-kafka.sh tool CLASS [ARGS]
#                                       run a class of the Kafka jars (e.g.
#                                       org.apache.kafka.tools.ProducerPerformance)
#
# Environment (all optional):
#   KAFKA_PORT      client port                 (default 9092)
#   KAFKA_CTRL_PORT controller port             (default KAFKA_PORT+1)
#   KAFKA_HOME_DIR  state: logs (server, GC), pid, config (default $HOME/.local/state/docket/kafka-$KAFKA_PORT)
#   KAFKA_CACHE     downloaded jars             (default $HOME/.cache/docket/kafka-<version>)
#   KAFKA_HEAP      JVM heap                    (default 768m)
#
# Idempotent: `start` on a running broker reports it and exits 0.
# The Kafka version is pinned in tools/kafka/pom.xml; docs/kafka.md says why.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
port="${KAFKA_PORT:-9092}"
ctrl_port="${KAFKA_CTRL_PORT:-$((port + 1))}"
state="${KAFKA_HOME_DIR:-$HOME/.local/state/docket/kafka-$port}"
cache="${KAFKA_CACHE:-$HOME/.cache/docket/kafka-$version}"
heap="${KAFKA_HEAP:-768m}"
pidfile="$state/kafka.pid"

log() { echo "local-kafka: $*" >&2; }

fetch_jars() {
  if [[ -f "$cache/libs/kafka_2.13-$version.jar" && -f "$cache/.complete" ]]; then
    return
  fi
  command -v mvn >/dev/null || { log "maven (mvn) is required to fetch Kafka $version"; exit 1; }
  log "fetching Apache Kafka $version jars into $cache (Maven cache: ~/.m2)"
  rm -rf "$cache/libs"
  mkdir -p "$cache/libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$cache/libs" -DincludeScope=runtime
  touch "$cache/.complete"
}

classpath() { echo "$cache/libs/*"; }

java_run() {
  java -Xms128m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
       -Dlog4j.configuration="file:$state/log4j.properties" \
       -Dkafka.logs.dir="$state/logs" \
       -cp "$(classpath)" "$@"
}

answers() {
  # A TCP connect is not enough (the socket opens before the broker is
  # ready); ask for metadata with the Kafka admin client's API versions tool.
  java -Xmx128m -cp "$(classpath)" kafka.admin.BrokerApiVersionsCommand \
       --bootstrap-server "127.0.0.1:$port" >/dev/null 2>&1
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  # A pid file left from another boot may name an unrelated process: only a
  # Kafka started with this state directory counts.
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "kafka.Kafka $state/server.properties" || return 1
  echo "$pid"
}

write_config() {
  mkdir -p "$state/data" "$state/logs"
  cat > "$state/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
log.retention.bytes=-1
transaction.max.timeout.ms=900000
# Abort transactions of crashed producers within ~1 s of their timeout (the
# default checks every 10 s), so a decider's failover is not held up.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
CONF
  cat > "$state/log4j.properties" <<CONF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$state/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
CONF
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  command -v java >/dev/null || { log "java (OpenJDK 17) is required"; exit 1; }
  fetch_jars
  write_config
  if [[ ! -f "$state/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java_run kafka.tools.StorageTool random-uuid)"
    java_run kafka.tools.StorageTool format -t "$cluster_id" \
        -c "$state/server.properties" >/dev/null
  fi
  log "starting Apache Kafka $version on 127.0.0.1:$port (state in $state)"
  nohup bash -c "exec java -Xms128m -Xmx$heap -XX:+UseG1GC -Djava.awt.headless=true \
      -Xlog:gc:file=$state/logs/gc.log:time,uptime:filecount=4,filesize=20M \
      -Dlog4j.configuration=file:$state/log4j.properties -Dkafka.logs.dir=$state/logs \
      -cp '$(classpath)' kafka.Kafka $state/server.properties" \
      >"$state/logs/stdout.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + 90))
  until answers; do
    if ! running_pid >/dev/null; then
      log "broker exited during start-up; last lines of $state/logs:"
      tail -n 30 "$state/logs/stdout.log" "$state/logs/server.log" >&2 2>/dev/null || true
      exit 1
    fi
    if (( SECONDS > deadline )); then
      log "broker did not answer on 127.0.0.1:$port within 90 s"
      exit 1
    fi
    sleep 1
  done
  log "up: bootstrap.servers=127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "not running"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "stopped"; return 0; }
    sleep 1
  done
  log "broker did not stop within 60 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running_pid >/dev/null && answers; then log "up on 127.0.0.1:$port"; else log "down"; exit 1; fi ;;
  reset) stop; rm -rf "$state"; log "state removed" ;;
  fetch) fetch_jars ;;
  tool)
    shift
    [[ $# -ge 1 ]] || { echo "usage: $0 tool CLASS [ARGS]" >&2; exit 2; }
    fetch_jars
    exec java -Xmx512m -Dlog4j.configuration="file:$here/tool-log4j.properties" \
      -cp "$(classpath)" "$@" ;;
  *) echo "usage: $0 start|stop|status|reset|fetch|tool" >&2; exit 2 ;;
esac
