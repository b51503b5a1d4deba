#!/usr/bin/env bash
# The benchmark command: builds the release benchmarks, starts a fresh local
# Kafka broker of its own, runs the benchmarks with their baselines in the
# same run, and regenerates their generated sections of docs/benchmarks.md
# (between "<!-- bench:NAME:begin -->" and "<!-- bench:NAME:end -->").
#
#   bench/run.sh                 # 1,000,000 cases; about 25 minutes on 2 cores
#   bench/run.sh --quick         # small data, nothing written to docs/: checks
#                                # that every benchmark still runs
#
# Sections:
#   search   projection_bench (indexing, store size, every search query
#            class in-process, list/get/overview), xapian_bench (Xapian on the
#            same documents), and http_bench.sh's search runs over HTTP: a
#            sweep of offered rates for a one-word query at ~27,000 cases and
#            for two common words in a 50,000-case account (~1,000,000 cases,
#            20 accounts).
#
# Options:
#   --quick            5,000 cases, short HTTP runs, report to stdout only
#   --cases N          cases in the in-process store [1000000]
#   --skip-http        no HTTP runs
#   --keep DIR         keep the raw results (JSON lines) in DIR
#   BUILD_DIR          release build tree [build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

quick=0 cases=1000000 http=1 keep=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --cases) cases="$2"; shift 2 ;;
    --skip-http) http=0; shift ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
((quick)) && cases=5000

log() { echo "[$(date +%H:%M:%S)] bench: $*" >&2; }

"$root/tools/dev/deps.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCKET_BENCH=ON \
    -DDOCKET_SANITIZE=OFF >/dev/null
fi
log "building the release benchmarks in $build"
ninja -C "$build" docketd docketctl projection_bench xapian_bench http_bench >/dev/null

tmp="$(mktemp -d /tmp/docket-bench-XXXXXX)"
port="$("$root/tools/dev/free-port.sh")"
export KAFKA_PORT="$port" KAFKA_HOME_DIR="$tmp/kafka"
cleanup() {
  "$root/tools/kafka/local-kafka.sh" stop >/dev/null 2>&1 || true
  if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp "$tmp"/*.jsonl "$keep"/ 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
log "fresh broker on 127.0.0.1:$port"
"$root/tools/kafka/local-kafka.sh" start >/dev/null

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

args=(--search "$results")
[[ -f "$tmp/http.jsonl" ]] && args+=(--http "$tmp/http.jsonl")
args+=(--command "bench/run.sh $*" --cases "$cases")
if ((quick)); then
  python3 "$root/bench/report.py" "${args[@]}"
else
  python3 "$root/bench/report.py" "${args[@]}" --docs "$root/docs/benchmarks.md"
  log "docs/benchmarks.md: search section regenerated"
fi
