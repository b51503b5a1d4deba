#!/usr/bin/env bash
# The live chat benchmark (issue 16; results in docs/benchmarks.md): message
# delivery latency over the chat socket with many conversations open at
# once, at a fixed offered rate (bench/chat_bench.cc measures).
#
#   bench/chat_bench.sh                                   # 1,000 chats, 200 msg/s, 30 s
#   bench/chat_bench.sh --conversations 50 --seconds 2    # a quick try
#
# From a clean state each run: a fresh topic prefix on the broker of
# tools/kafka/local-kafka.sh (started if needed), a release docketd on a
# fresh data directory with a chat config that lets the bench's few users
# hold many chats (max_open_conversations and max_sockets_per_user of
# conversations / customers, no message rate limit to speak of), the first
# admin, --customers customers (an account each) and --agents agents made
# with `docketctl admin create`, each signed in once; then chat_bench.
# docketd is stopped, the temp dir and the prefix's topics deleted on exit.
#
# Options (defaults in brackets):
#   --conversations N   concurrent conversations [1000]
#   --customers N       customers holding them [10]
#   --agents N          agents accepting them (one socket each) [10]
#   --rate R            messages per second, all conversations together [200]
#   --seconds S         measured seconds [30]
#   --warmup S          unmeasured seconds first [5]
#   --out FILE          also write chat_bench's JSON line here
#   BUILD_DIR           build tree with docketd, docketctl, chat_bench [build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

conversations=1000 customers=10 agents=10 rate=200 seconds=30 warmup=5 out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --conversations) conversations="$2"; shift 2 ;;
    --customers) customers="$2"; shift 2 ;;
    --agents) agents="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "chat_bench.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
log() { echo "[$(date +%H:%M:%S)] chat_bench: $*" >&2; }
die() { log "$*"; exit 1; }
for bin in api/docketd tools/docketctl/docketctl bench/chat_bench; do
  [[ -x "$build/$bin" ]] || die "$build/$bin is missing (ninja -C $build docketd docketctl chat_bench)"
done
docketd="$build/api/docketd" docketctl="$build/tools/docketctl/docketctl"

per_customer=$(( (conversations + customers - 1) / customers ))
# shellcheck source=bench/docketd.sh
. "$root/bench/docketd.sh"
bench_setup chatbench
cat >"$tmp/chat.json" <<JSON
{"queues": [{"id": "support", "name": "Support"}],
 "max_open_conversations": $per_customer, "max_sockets_per_user": $(( per_customer + 8 )),
 "messages_per_second": 1000, "message_burst": 10000}
JSON
"$docketctl" topics ensure --brokers "$brokers" --prefix "$prefix" >/dev/null
start_docketd "$tmp" --instance-id chatbench --chat-config "$tmp/chat.json" \
  --max-connections-per-client $(( conversations + agents + 64 ))
api="$base"
for _ in $(seq 1 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/api/v1/readyz")" == 200 ]] && break
  sleep 0.2
done
log "docketd (pid $docketd_pid) on $api, topic prefix $prefix"

password="Bench-Vq7x-Lm3z-Rt9k"
create() {  # create EMAIL NAME ROLE [ACCOUNT]
  local args=(--email "$1" --name "$2" --role "$3")
  [[ -n "${4:-}" ]] && args+=(--account "$4")
  echo "$password" | "$docketctl" admin create --brokers "$brokers" --topic-prefix "$prefix" \
    "${args[@]}" >>"$tmp/admin.log" 2>&1 || { cat "$tmp/admin.log" >&2; die "admin create $1 failed"; }
}
login() {  # login EMAIL: a session token (a new user may take a moment to be visible)
  local body
  for _ in $(seq 1 60); do
    body="$(curl -sS --max-time 30 -H 'Content-Type: application/json' \
      --data "{\"email\":\"$1\",\"password\":\"$password\"}" "$api/api/v1/auth/login" || true)"
    if [[ "$body" == *'"token"'* ]]; then
      python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <<<"$body"; return
    fi
    sleep 1
  done
  die "cannot sign in as $1: $body"
}
create admin@chatbench.local Admin admin
admin="$(login admin@chatbench.local)"
log "making $customers customers and $agents agents"
: >"$tmp/customers" ; : >"$tmp/agents"
for i in $(seq 1 "$customers"); do
  curl -fsS -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data "{\"account_number\":\"CHAT-$i\",\"name\":\"Chat Bench $i\"}" \
    "$api/api/v1/accounts" >/dev/null || die "cannot make account CHAT-$i"
  create "customer$i@chatbench.local" "Customer $i" customer "CHAT-$i"
done
for i in $(seq 1 "$agents"); do create "agent$i@chatbench.local" "Agent $i" staff; done
for i in $(seq 1 "$customers"); do login "customer$i@chatbench.local" >>"$tmp/customers"; done
for i in $(seq 1 "$agents"); do login "agent$i@chatbench.local" >>"$tmp/agents"; done

log "$conversations conversations, $rate messages/s for $seconds s (+ $warmup s warm-up)"
"$build/bench/chat_bench" --api "$api" --customers "$tmp/customers" --agents "$tmp/agents" \
  --conversations "$conversations" --rate "$rate" --seconds "$seconds" --warmup-seconds "$warmup" \
  | tee "$tmp/result.json"
rss_kb="$(awk '/VmHWM/ {print $2}' "/proc/$docketd_pid/status")"
log "docketd peak RSS $(( rss_kb / 1024 )) MiB"
if [[ -n "$out" ]]; then
  sed "s/}\$/, \"docketd_peak_rss_mb\": $(( rss_kb / 1024 ))}/" "$tmp/result.json" >>"$out"
fi
