#!/usr/bin/env bash
# Runs Docket on this machine: installs what is missing, builds, starts the
# local Apache Kafka broker on 127.0.0.1:9092 (KAFKA_PORT to change) and
# creates Docket's topics. Later issues grow this into docketd, the portal
# and demo data.
#
#   tools/dev/run.sh          start (idempotent)
#   tools/dev/run.sh stop     stop the broker
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

if [[ "${1:-}" == "stop" ]]; then
  exec tools/kafka/local-kafka.sh stop
fi

tools/dev/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build docketctl

tools/kafka/local-kafka.sh start
port="${KAFKA_PORT:-9092}"
build/tools/docketctl/docketctl topics ensure --brokers "127.0.0.1:$port" \
  --partitions "${DOCKET_PARTITIONS:-6}"

cat <<MSG

Docket is up.
  Kafka broker   127.0.0.1:$port (Apache Kafka, KRaft; logs under ~/.local/state/docket)
  Topics         docket.cases.commands, docket.cases.events, docket.command-results
  Watch events   build/tools/docketctl/docketctl replay --brokers 127.0.0.1:$port --follow
  Stop           tools/dev/run.sh stop
MSG
