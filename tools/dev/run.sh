#!/usr/bin/env bash
# Runs Docket on this machine: installs what is missing, builds, starts the
# local Apache Kafka broker on 127.0.0.1:9092 (KAFKA_PORT to change), creates
# Docket's topics and starts docketd (decider and projector roles) with its
# data in ./var.
# Later issues add the gateway, the portal and demo data.
#
#   tools/dev/run.sh          start (idempotent)
#   tools/dev/run.sh stop     stop docketd and the broker
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

pidfile="$root/var/docketd.pid"
# The pid in the file, if it is a running docketd.
docketd_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "docketd" || return 1
  echo "$pid"
}

if [[ "${1:-}" == "stop" ]]; then
  if pid="$(docketd_pid)"; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "docketd stopped"
  fi
  rm -f "$pidfile"
  exec tools/kafka/local-kafka.sh stop
fi

tools/dev/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build docketctl docketd

tools/kafka/local-kafka.sh start
port="${KAFKA_PORT:-9092}"
build/tools/docketctl/docketctl topics ensure --brokers "127.0.0.1:$port" \
  --partitions "${DOCKET_PARTITIONS:-6}"

mkdir -p "$root/var"
if pid="$(docketd_pid)"; then
  echo "docketd already running (pid $pid)"
else
  nohup build/api/docketd --brokers "127.0.0.1:$port" --data-dir "$root/var" \
    --instance-id local-0 --partitions "${DOCKET_PARTITIONS:-6}" \
    --catalog "$root/config/catalog.json" >>"$root/var/docketd.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  sleep 1
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -20 "$root/var/docketd.log"; exit 1; }
fi

cat <<MSG

Docket is up.
  Kafka broker   127.0.0.1:$port (Apache Kafka, KRaft; logs under ~/.local/state/docket)
  Topics         docket.cases.commands, docket.cases.events, docket.command-results
  docketd        decider + projector, pid $(cat "$pidfile"), log var/docketd.log, data in var/
  Read models    build/tools/docketctl/docketctl lag cases --data-dir var --brokers 127.0.0.1:$port
  Watch events   build/tools/docketctl/docketctl replay --brokers 127.0.0.1:$port --follow
  Inspect a case build/tools/docketctl/docketctl inspect case CS00000000000 --brokers 127.0.0.1:$port
  Stop           tools/dev/run.sh stop
MSG
