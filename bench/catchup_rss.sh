#!/usr/bin/env bash
# docketd's memory while it catches up (issue 14; results in
# docs/benchmarks.md, "Memory"): `docketctl load` writes --events synthetic
# events to a fresh topic prefix, then a release docketd with every role
# starts on a fresh data directory (so its deciders and read models catch up
# from the log at once) and its RSS is sampled every 2 s until the cases
# read model has applied every event, then --after seconds more. Prints one
# JSON line: catch-up seconds, peak RSS (VmHWM) and RSS at the end.
#
#   bench/catchup_rss.sh                                  # 5,500,000 events ≈ 1,000,000 cases
#   bench/catchup_rss.sh --events 1500000 -- --consumer-queue-bytes 8388608
#
# Options (defaults in brackets):
#   --events N   synthetic events to load [5500000]
#   --after S    seconds to keep sampling once caught up [60]
#   -- ARGS      passed to docketd
#   BUILD_DIR    build tree with docketd and docketctl [build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

events=5500000 after=60 extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --after) after="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "catchup_rss.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
log() { echo "[$(date +%H:%M:%S)] catchup_rss: $*" >&2; }
die() { log "$*"; exit 1; }
docketd="$build/api/docketd" docketctl="$build/tools/docketctl/docketctl"
for bin in "$docketd" "$docketctl"; do [[ -x "$bin" ]] || die "$bin is missing"; done

# shellcheck source=bench/docketd.sh
. "$root/bench/docketd.sh"
bench_setup rssbench
log "loading $events events into $prefix"
"$docketctl" load --brokers "$brokers" --topic-prefix "$prefix" --events "$events" \
  --accounts 20 >"$tmp/load.log" 2>&1 || { cat "$tmp/load.log" >&2; die "docketctl load failed"; }
start_docketd "$tmp" --instance-id rssbench "${extra[@]}"
log "docketd (pid $docketd_pid) catching up"

applied() {
  curl -fsS --max-time 5 "$base/api/v1/metrics" 2>/dev/null |
    awk '/^docket_projection_events_total\{context="cases"\} / { printf "%d", $2 }'
}
t0=$SECONDS caught=""
while kill -0 "$docketd_pid" 2>/dev/null; do
  sleep 2
  if [[ -z "$caught" && "$(applied || echo 0)" -ge "$events" ]]; then
    caught=$((SECONDS - t0))
    log "caught up in $caught s; sampling $after s more"
  fi
  [[ -n "$caught" ]] && (( SECONDS - t0 - caught >= after )) && break
done
[[ -n "$caught" ]] || die "docketd exited while catching up"
awk -v events="$events" -v caught="$caught" '/^VmHWM/ { hwm = $2 } /^VmRSS/ { rss = $2 }
  END { printf "{\"bench\": \"catchup_rss\", \"events\": %d, \"catch_up_s\": %d, " \
               "\"peak_rss_bytes\": %d, \"rss_bytes\": %d}\n", events, caught, hwm * 1024, rss * 1024 }' \
  "/proc/$docketd_pid/status"
