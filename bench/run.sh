#!/usr/bin/env bash
# The benchmark command: builds the release benchmarks, starts a fresh local
# Kafka broker of its own, runs the benchmarks with their baselines in the
# same run, and regenerates their generated sections of docs/benchmarks.md
# (between "<!-- bench:NAME:begin -->" and "<!-- bench:NAME:end -->").
#
#   bench/run.sh                 # both sections; about 60 minutes on 2 cores
#   bench/run.sh --only write    # one section (search, write)
#   bench/run.sh --quick         # small data, nothing written to docs/: checks
#                                # that every benchmark still runs (CI runs it:
#                                # the bench_quick test of tools/dev/test.sh)
#
# Sections:
#   write    the write path, each figure against its raw Kafka baseline in
#            the same run: command_bus_bench (closed loop at 1/16/64
#            submitters and an open-loop sweep of offered rates, with 1 and
#            2 decider producers, against a librdkafka producer of the same
#            record size and settings), Kafka's own kafka-producer-perf-test
#            and kafka-consumer-perf-test on a topic of that record size,
#            projection_bench's rebuild against a raw read_committed
#            consumer of the same topic, and http_bench.sh's
#            POST /cases/{n}/comments and POST /cases at 200/s open loop and
#            in a closed loop of 16 clients, with docketd's idle CPU and peak
#            RSS; --repeat runs of each (medians, min, max).
#   search   projection_bench (indexing, store size, every search query
#            class in-process, list/get/overview), xapian_bench (Xapian on the
#            same documents), and http_bench.sh's search runs over HTTP: a
#            sweep of offered rates for a one-word query at ~27,000 cases and
#            for two common words in a 50,000-case account (~1,000,000 cases,
#            20 accounts).
#
# Options:
#   --quick            5,000 cases, short runs, one repeat, report to stdout only
#   --only LIST        sections to run, comma list [search,write]
#   --repeat N         runs of each write-path benchmark [5]
#   --cases N          cases in the in-process store [1000000]
#   --skip-http        no HTTP runs
#   --keep DIR         keep the raw results (JSON lines) in DIR
#   BUILD_DIR          release build tree [build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

quick=0 cases=1000000 http=1 keep="" only="search,write" repeat=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --skip-http) http=0; shift ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
((quick)) && cases=5000 repeat=1
wants() { [[ ",$only," == *",$1,"* ]]; }

log() { echo "[$(date +%H:%M:%S)] bench: $*" >&2; }

"$root/tools/dev/deps.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCKET_BENCH=ON \
    -DDOCKET_SANITIZE=OFF >/dev/null
fi
log "building the release benchmarks in $build"
ninja -C "$build" docketd docketctl projection_bench xapian_bench http_bench \
  command_bus_bench >/dev/null

tmp="$(mktemp -d /tmp/docket-bench-XXXXXX)"
port="$("$root/tools/dev/free-port.sh")"
ctrl_port="$("$root/tools/dev/free-port.sh")"
# Its own ports and state, whatever the caller's environment names (the
# test suite exports those of its broker).
export KAFKA_PORT="$port" KAFKA_CTRL_PORT="$ctrl_port" KAFKA_HOME_DIR="$tmp/kafka"
cleanup() {
  "$root/tools/kafka/local-kafka.sh" stop >/dev/null 2>&1 || true
  if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp "$tmp"/*.jsonl "$tmp"/*.metrics "$keep"/ 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
log "fresh broker on 127.0.0.1:$port"
"$root/tools/kafka/local-kafka.sh" start >/dev/null

if wants search; then
  results="$tmp/search.jsonl"
  : >"$results"
  log "projection_bench: $cases cases, indexing and queries"
  "$build/bench/projection_bench" --skip-rebuild --cases "$cases" --store "$tmp/store" \
    --json "$results"
  log "xapian_bench: the same documents in Xapian"
  queries=500; ((quick)) && queries=50
  "$build/bench/xapian_bench" --store "$tmp/store" --xapian "$tmp/xapian" --queries "$queries" \
    --json "$results"
  rm -rf "$tmp/store" "$tmp/xapian"

  if ((http)); then
    # One word at ~27,000 cases (150,000 events), staff and a customer (20
    # accounts: ~1,350 cases each); then two common words in a 50,000-case
    # account (~1,000,000 cases).
    small=150000 large=5500000 seconds=20 rates_one="250,500,1000,2000" rates_two="125,250,500,1000"
    if ((quick)); then small=20000 large=20000 seconds=2 rates_one=50 rates_two=50; fi
    for who in staff customer; do
      log "http: one-word search at $small events ($who)"
      flag=(); [[ "$who" == staff ]] && flag=(--search-staff)
      BUILD_DIR="$build" "$root/bench/http_bench.sh" --events "$small" --only search --no-nginx \
        --search-q router "${flag[@]}" --rate-search "$rates_one" --seconds "$seconds" \
        --warmup 3 --out "$tmp/http-one-$who.jsonl" >/dev/null
      sed "s/}\$/, \"cases_events\": $small, \"query\": \"router\"}/" "$tmp/http-one-$who.jsonl" \
        >>"$tmp/http.jsonl"
    done
    log "http: two common words at $large events (customer of a 50,000-case account)"
    BUILD_DIR="$build" "$root/bench/http_bench.sh" --events "$large" --only search --no-nginx \
      --search-q "router speed" --rate-search "$rates_two" --seconds "$seconds" --warmup 3 \
      --out "$tmp/http-two.jsonl" >/dev/null
    sed "s/}\$/, \"cases_events\": $large, \"query\": \"router speed\"}/" "$tmp/http-two.jsonl" \
      >>"$tmp/http.jsonl"
  fi

fi

if wants write; then
  wres="$tmp/write.jsonl"
  : >"$wres"
  brokers="127.0.0.1:$port"
  cb=(--brokers "$brokers" --json "$wres" --seconds 5 --submitters 1,16,64
      --rates 250,500,1000,2000,4000,8000)
  ((quick)) && cb=(--brokers "$brokers" --json "$wres" --seconds 2 --submitters 1,16
                   --rates 100,400)
  for run in $(seq 1 "$repeat"); do
    log "command_bus_bench, run $run of $repeat"
    "$build/bench/command_bus_bench" "${cb[@]}" >"$tmp/command-bus-$run.txt"
  done
  record_bytes="$(python3 -c 'import json, sys
print(next(json.loads(l)["record_bytes"] for l in open(sys.argv[1]) if "record_bytes" in l))' "$wres")"

  # Kafka's own tools on a topic of the same record size and partitions.
  kafka_tool() { "$root/tools/kafka/local-kafka.sh" tool "$@"; }
  perf_records=300000; ((quick)) && perf_records=20000
  for run in $(seq 1 "$repeat"); do
    topic="bench-perf-$run-$RANDOM"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
      --topic "$topic" --partitions 6 --replication-factor 1 >/dev/null
    log "kafka-producer-perf-test: $perf_records records of $record_bytes bytes, run $run"
    kafka_tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
      --num-records "$perf_records" --record-size "$record_bytes" --throughput -1 \
      --producer-props bootstrap.servers="$brokers" acks=all enable.idempotence=true \
      linger.ms=0 >"$tmp/producer-perf.txt"
    echo "isolation.level=read_committed" >"$tmp/consumer.properties"
    log "kafka-consumer-perf-test: the same topic, read_committed, run $run"
    kafka_tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$brokers" \
      --topic "$topic" --messages "$perf_records" --consumer.config "$tmp/consumer.properties" \
      --timeout 60000 >"$tmp/consumer-perf.txt"
    python3 "$root/bench/report.py" --parse-kafka-perf "$tmp/producer-perf.txt" \
      "$tmp/consumer-perf.txt" >>"$wres"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --delete \
      --topic "$topic" >/dev/null 2>&1 || true
  done

  rebuild_events=1000000; ((quick)) && rebuild_events=20000
  log "projection_bench: rebuild of $rebuild_events events against a raw consumer"
  "$build/bench/projection_bench" --brokers "$brokers" --skip-queries \
    --events "$rebuild_events" --repeat "$repeat" --json "$wres" >/dev/null

  if ((http)); then
    events=150000 seconds=30 idle=30 rate=200
    ((quick)) && { events=20000; seconds=2; idle=3; rate=50; }
    log "http: POST /cases/{n}/comments and POST /cases at $rate/s and in a closed loop of" \
        "16 clients, idle CPU and peak RSS ($events events)"
    BUILD_DIR="$build" "$root/bench/http_bench.sh" --events "$events" --only comment,create \
      --no-nginx --rate-comment "$rate,closed" --rate-create "$rate,closed" --connections 16 \
      --seconds "$seconds" --warmup 3 --idle "$idle" --out "$tmp/http-write.jsonl" >/dev/null
    sed "s/}\$/, \"cases_events\": $events}/" "$tmp/http-write.jsonl" >>"$wres"
  fi
fi

report=(--command "bench/run.sh $*" --cases "$cases")
wants search && report+=(--search "$results")
[[ -f "$tmp/http.jsonl" ]] && report+=(--http "$tmp/http.jsonl")
wants write && report+=(--write "$tmp/write.jsonl")
if ((quick)); then
  python3 "$root/bench/report.py" "${report[@]}"
else
  python3 "$root/bench/report.py" "${report[@]}" --docs "$root/docs/benchmarks.md"
  log "docs/benchmarks.md: sections $only regenerated"
fi
