#!/usr/bin/env bash
# The HTTP gateway benchmark (results in docs/benchmarks.md): requests/s and
# p50/p99 latency at a fixed offered rate of five routes of docketd with
# ~1,000,000 cases loaded, against nginx serving a static file of the same
# size as that route's docketd answer, measured in the same run.
#
#   tools/kafka/local-kafka.sh start   # (the script starts it too)
#   ninja -C build docketd docketctl http_bench
#   bench/http_bench.sh                          # 5,500,000 events ≈ 1,000,000 cases
#   bench/http_bench.sh --events 50000 --seconds 10   # a quick try
#
# From a clean state each run: a fresh topic prefix, `docketctl load` of
# synthetic case histories (20 accounts ACC-0001..ACC-0020), docketd with
# every role on a fresh data directory, wait until the read models have
# caught up, the first admin, account ACC-0001 with a customer and a staff
# user, then per route: http_bench against docketd, then against a private
# nginx (temp dir, free port, access_log off) at the same rate and
# connections. docketd and nginx are stopped and the temp dir deleted on
# exit; --keep-log copies docketd's log out first.
#
# Options (defaults in brackets):
#   --events N            synthetic events to load [5500000]
#   --seconds S           measured seconds per run [60]
#   --warmup S            unmeasured seconds before each run [5]
#   --connections C       keep-alive connections [16]
#   --rate-list R --rate-get R --rate-overview R --rate-search R --rate-comment R
#   --rate-create R       offered requests/s per route [200 200 200 2 50 50]: what
#                         docketd sustained with 1M cases on the shared 2-core
#                         machine (docs/benchmarks.md); search of two common
#                         words scores ~50,000 cases of the account per query
#                         --rate-search takes a comma list: one run per rate
#                         (the search saturation sweep of bench/run.sh); a rate
#                         "closed" is a closed loop instead: each connection
#                         sends again as soon as it is answered (http_bench
#                         --closed), e.g. --rate-comment 200,closed
#   --partitions N        partitions of every topic of the run (docketctl load
#                         and docketd --partitions) [6]: each partition a
#                         decider's batch touches is a step of its transaction
#                         (docs/benchmarks.md, "the floor under a command")
#   --search-q Q          the search query [router restart]
#   --idle S              before the runs, docketd's CPU over S seconds without
#                         traffic (a JSON line {"route": "idle", ...}); after
#                         them, its peak RSS ({"route": "memory", ...}) [0: off]
#   --search-staff        search as the staff user (every account) instead of
#                         the customer (account ACC-0001)
#   --no-nginx            skip the nginx runs
#   --only ROUTES         comma list of list,get,overview,search,comment,create
#                         [all]; create is POST /cases (a new case each time,
#                         as the customer of ACC-0001)
#   --out FILE            also write every http_bench JSON line here
#   --keep-log FILE       copy docketd's log here on exit
#   --keep-topics         leave the prefix's topics on the broker (deleted by default)
#   --hold                after setting up, write the API address, tokens and
#                         target files to <tmp>/env and wait (to probe rates
#                         with http_bench by hand); stop with SIGINT/SIGTERM
#   BUILD_DIR             build tree with docketd, docketctl, http_bench [build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

events=5500000 seconds=60 warmup=5 connections=16
declare -A rate=([list]=200 [get]=200 [overview]=200 [search]=2 [comment]=50 [create]=50)
only="list,get,overview,search,comment,create" out="" keep_log="" keep_topics=0 hold=0
search_text="router restart" search_who=customer nginx=1 idle=0 partitions=6
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rate-list|--rate-get|--rate-overview|--rate-search|--rate-comment|--rate-create)
      rate[${1#--rate-}]="$2"; shift 2 ;;
    --search-q) search_text="$2"; shift 2 ;;
    --partitions) partitions="$2"; shift 2 ;;
    --search-staff) search_who=staff; shift ;;
    --idle) idle="$2"; shift 2 ;;
    --no-nginx) nginx=0; shift ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep-log) keep_log="$2"; shift 2 ;;
    --keep-topics) keep_topics=1; shift ;;
    --hold) hold=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "http_bench.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

docketd="$build/api/docketd"
docketctl="$build/tools/docketctl/docketctl"
bench="$build/bench/http_bench"
for b in "$docketd" "$docketctl" "$bench"; do
  [[ -x "$b" ]] || die "$b missing: ninja -C $build docketd docketctl http_bench"
done
for t in curl python3; do command -v "$t" >/dev/null || die "$t is required"; done
nginx_bin="$(command -v nginx || true)"
[[ -z "$nginx_bin" && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
if [[ -z "$nginx_bin" ]]; then
  log "installing nginx-light"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         apt-get install -y --no-install-recommends nginx-light >/dev/null; }
  nginx_bin=/usr/sbin/nginx
fi

prefix=""
# The prefix's topics, through Kafka's own TopicCommand (jars of local-kafka.sh).
delete_topics() {
  local version cache
  version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/tools/kafka/pom.xml")"
  cache="${KAFKA_CACHE:-$HOME/.cache/docket/kafka-$version}"
  java -Xmx128m -cp "$cache/libs/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$brokers" --delete --topic "$prefix\\..*" >/dev/null 2>&1 \
    && log "deleted the topics of $prefix" || log "could not delete the topics of $prefix"
}

tmp="$(mktemp -d /tmp/docket-http-bench.XXXXXX)"
chmod 755 "$tmp"  # nginx workers (nobody) read the static files below
docketd_pid="" nginx_pid="" hold_pid=""
stop_pid() {  # stop_pid PID NAME: SIGTERM, up to 15 s, then SIGKILL
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$2 did not stop in 15 s; SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  [[ -n "$hold_pid" ]] && kill "$hold_pid" 2>/dev/null
  stop_pid "$nginx_pid" nginx
  stop_pid "$docketd_pid" docketd
  if [[ -n "$keep_log" && -f "$tmp/docketd.log" ]]; then cp "$tmp/docketd.log" "$keep_log"; fi
  if [[ $rc -ne 0 && -f "$tmp/docketd.log" ]]; then
    log "docketd log (tail):"; tail -25 "$tmp/docketd.log" >&2
  fi
  rm -rf "$tmp"
  if [[ -n "$prefix" && $keep_topics -eq 0 ]]; then delete_topics; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- broker, synthetic log, docketd -----------------------------------------
"$root/tools/kafka/local-kafka.sh" start
brokers="127.0.0.1:${KAFKA_PORT:-9092}"
prefix="httpbench$(date +%s)"
log "loading $events synthetic events (20 accounts) into topic prefix $prefix"
t_load=$SECONDS
"$docketctl" load --brokers "$brokers" --topic-prefix "$prefix" --events "$events" \
  --partitions "$partitions" --accounts 20 >"$tmp/load.log" 2>&1 || { cat "$tmp/load.log" >&2; die "docketctl load failed"; }
log "loaded in $((SECONDS - t_load)) s: $(tail -1 "$tmp/load.log")"

# shellcheck source=bench/docketd.sh
. "$root/bench/docketd.sh"
start_docketd "$tmp" --instance-id bench --quick-links "$root/config/quick-links.json" \
  --partitions "$partitions"
api="$base/api/v1"
log "docketd (pid $docketd_pid) on $base; waiting for the read models to catch up"

# Sum of docket_projection_lag_events over partitions ("-" while unknown),
# and docket_projection_events_total, of the cases read models.
metrics() {
  curl -fsS --max-time 10 "$api/metrics" 2>/dev/null | awk '
    /^docket_projection_lag_events\{context="cases",/ { lag += $2; seen = 1 }
    /^docket_projection_events_total\{context="cases"\} / { applied = $2 }
    END { printf "%s %s\n", (seen ? lag : "-"), applied + 0 }'
}
t_catch=$SECONDS last_print=0
while true; do
  kill -0 "$docketd_pid" 2>/dev/null || die "docketd exited while catching up"
  read -r lag applied <<<"$(metrics || echo "")"
  ready="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$api/readyz" || true)"
  # Lag 0 and /readyz 200 alone are not enough: /readyz judges the lag by
  # the records' age, and a backlog `docketctl load` wrote seconds ago
  # passes for the first ~30 s; right after start the lag may also read 0
  # before the projector's first fetch. So also wait for every loaded
  # event to be applied.
  if [[ "$lag" == "0" && "$ready" == "200" && "${applied:-0}" -ge "$events" ]]; then break; fi
  if (( SECONDS - last_print >= 15 )); then
    last_print=$SECONDS
    log "  catching up: $((SECONDS - t_catch)) s, applied ${applied:-0} events," \
        "lag ${lag:-?}, /readyz $ready"
  fi
  sleep 2
done
catch_s=$((SECONDS - t_catch))
log "caught up in $catch_s s (${applied} events applied)"

# ---- users -------------------------------------------------------------------
# call METHOD PATH [JSON] [TOKEN]: prints the body, fails on a non-2xx answer.
call() {
  local method="$1" path="$2" body="${3:-}" token="${4:-}" args=()
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
  local code
  code="$(curl -sS --globoff --max-time 60 -o "$tmp/reply" -w '%{http_code}' -X "$method" \
          "${args[@]}" "$api$path")" || die "$method $path: curl failed"
  [[ "$code" == 2* ]] || die "$method $path -> $code: $(head -c 500 "$tmp/reply")"
  cat "$tmp/reply"
}
jget() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
password="Bench-Vq7x-Lm3z-Rt9k"
# admin_create ARGS...: a user with $password on the run's topics (log in $tmp/admin.log).
admin_create() {
  echo "$password" | "$docketctl" admin create --brokers "$brokers" --topic-prefix "$prefix" \
    --partitions "$partitions" "$@" >>"$tmp/admin.log" 2>&1 \
    || { cat "$tmp/admin.log" >&2; die "docketctl admin create failed"; }
}
admin_create --email admin@bench.local --name Admin
login() {  # login EMAIL: prints a session token (a new user may take a moment to be visible)
  local i body
  for i in $(seq 1 60); do
    body="$(curl -sS --max-time 30 -H 'Content-Type: application/json' \
      --data "{\"email\":\"$1\",\"password\":\"$password\"}" "$api/auth/login" || true)"
    if [[ "$body" == *'"token"'* ]]; then jget '["token"]' <<<"$body"; return; fi
    sleep 1
  done
  die "cannot log in as $1: $body"
}
admin_token="$(login admin@bench.local)"
acc1_id="$(call POST /accounts '{"account_number":"ACC-0001","name":"Bench Account One"}' \
  "$admin_token" | jget '["id"]')"
# Users with a password from the start (POST /users invites by mail).
admin_create --email customer@bench.local --name "Bench Customer" --role customer \
  --account ACC-0001
admin_create --email staff@bench.local --name "Bench Staff" --role staff
customer_token="$(login customer@bench.local)"
staff_token="$(login staff@bench.local)"

# ---- targets ------------------------------------------------------------------
# numbers PATH TOKEN PAGES: case numbers from up to PAGES pages of 100.
numbers() {
  local path="$1" token="$2" pages="$3" after="" page
  for _ in $(seq 1 "$pages"); do
    page="$(call GET "$path&page[size]=100${after:+&page[after]=$after}" "" "$token")"
    python3 -c 'import json,sys; [print(c["number"]) for c in json.load(sys.stdin)["data"]]' <<<"$page"
    after="$(jget '["meta"]["after_cursor"] or ""' <<<"$page")"
    [[ -n "$after" ]] || break
  done
}
numbers "/cases?account_id=ACC-0001" "$customer_token" 10 >"$tmp/acc1-numbers"
numbers "/cases?state=OPEN,NEW,AWAITING_INFO,RESOLVED" "$staff_token" 20 >"$tmp/open-numbers"
n_acc1=$(wc -l <"$tmp/acc1-numbers") n_open=$(wc -l <"$tmp/open-numbers")
(( n_acc1 > 0 && n_open > 0 )) || die "no cases found (ACC-0001: $n_acc1, open: $n_open)"
log "targets: $n_acc1 case numbers of ACC-0001, $n_open open cases for comments"
sed "s|^|$api/cases/|" "$tmp/acc1-numbers" >"$tmp/get-urls"
sed "s|^|$api/cases/|; s|\$|/comments|" "$tmp/open-numbers" >"$tmp/comment-urls"

# ---- nginx ----------------------------------------------------------------------
nginx_port="$("$root/tools/dev/free-port.sh")"
mkdir -p "$tmp/nginx/www" "$tmp/nginx/tmp"
chmod 755 "$tmp/nginx" "$tmp/nginx/www"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/tmp/body;
  proxy_temp_path $tmp/nginx/tmp/proxy;
  fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
  scgi_temp_path $tmp/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/www;
    default_type application/json;
    # POST to a static file: answer the file with 200 (the comment route).
    error_page 405 =200 \$uri;
  }
}
EOF
"$nginx_bin" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
  >"$tmp/nginx/stdout" 2>&1 </dev/null &
nginx_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$nginx_port/" && break
  if ! kill -0 "$nginx_pid" 2>/dev/null; then
    cat "$tmp/nginx/stdout" "$tmp/nginx/error.log" >&2
    die "nginx did not start"
  fi
  sleep 0.1
done
log "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*: //') (pid $nginx_pid) on 127.0.0.1:$nginx_port"

# static FILE BYTES SAMPLE: FILE of exactly BYTES bytes, SAMPLE repeated/cut.
static() {
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, size, sample = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "rb").read() or b" "
open(path, "wb").write((sample * (size // len(sample) + 1))[:size])
EOF
}

if (( hold )); then
  cat >"$tmp/env" <<EOF
api=$api
nginx=http://127.0.0.1:$nginx_port
customer_token=$customer_token
staff_token=$staff_token
get_urls=$tmp/get-urls
comment_urls=$tmp/comment-urls
www=$tmp/nginx/www
EOF
  log "holding: see $tmp/env; stop with kill -TERM $$"
  sleep infinity &
  hold_pid=$!
  wait "$hold_pid" || true
  exit 0
fi

# ---- runs -------------------------------------------------------------------------
results="$tmp/results.jsonl"
: >"$results"
# tag JSON ROUTE SERVER WHO: the JSON line with those and the load average added.
tag() {
  python3 - "$@" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
d.update(route=sys.argv[2], server=sys.argv[3], who=sys.argv[4], loadavg=sys.argv[5])
print(json.dumps(d))
EOF
}
# run ROUTE WHO: http_bench against docketd and then nginx (same rate,
# connections); the route's arguments are in the array route_args.
run() {
  local route="$1" who="$2" r="${3:-${rate[$1]}}" j size load=()
  if [[ "$r" == closed ]]; then load=(--closed); else load=(--rate "$r"); fi
  log "$route: docketd at ${r/closed/a closed loop of} requests/s for $seconds s" \
      "(+$warmup s warm-up), $connections connections"
  j="$("$bench" "${route_args[@]}" "${load[@]}" --connections "$connections" \
        --seconds "$seconds" --warmup-seconds "$warmup")" || die "http_bench failed on docketd"
  j="$(tag "$j" "$route" docketd "$who")"
  echo "$j" | tee -a "$results"
  ((nginx)) || return 0
  size="$(jget '["mean_body_bytes"]' <<<"$j")"
  (( size > 0 )) || size="$(wc -c <"$tmp/sample")"
  static "$tmp/nginx/www/$route.json" "$size" "$tmp/sample"
  local nginx_args=(--url "http://127.0.0.1:$nginx_port/$route.json")
  if [[ "$route" == comment || "$route" == create ]]; then
    nginx_args+=(--method POST --header 'Content-Type: application/json' --body "$comment_body")
  fi
  log "$route: nginx, static file of $size bytes, same rate and connections"
  j="$("$bench" "${nginx_args[@]}" "${load[@]}" --connections "$connections" \
        --seconds "$seconds" --warmup-seconds "$warmup")" || die "http_bench failed on nginx"
  j="$(tag "$j" "$route" nginx "$who")"
  echo "$j" | tee -a "$results"
}
# cpu_seconds PID: user + system CPU seconds the process has used.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}
if (( idle > 0 )); then
  log "idle: docketd's CPU over $idle s without traffic"
  c0="$(cpu_seconds "$docketd_pid")"; t0="$(date +%s.%N)"
  sleep "$idle"
  c1="$(cpu_seconds "$docketd_pid")"; t1="$(date +%s.%N)"
  python3 -c 'import json, sys; c0, c1, t0, t1 = map(float, sys.argv[1:5]); print(json.dumps(
      {"route": "idle", "server": "docketd", "seconds": round(t1 - t0, 1),
       "cpu_core_fraction": round((c1 - c0) / (t1 - t0), 4)}))' "$c0" "$c1" "$t0" "$t1"     | tee -a "$results"
fi
customer=(--header "Authorization: Bearer $customer_token")
staff=(--header "Authorization: Bearer $staff_token")
comment_body='{"body":"Checked the line from our side: the router restart cleared the fault, please confirm."}'
create_body="{\"account_id\":\"$acc1_id\",\"case_type\":\"technical-support\",\"category\":\"internet\",\"subject\":\"Internet is down at the branch office\",\"description\":\"Since this morning no traffic passes the router; restarting it did not help.\"}"
search_q="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$search_text")"
for route in ${only//,/ }; do
  case "$route" in
    list)
      call GET "/cases?page[size]=25" "" "$customer_token" >"$tmp/sample"
      route_args=(--url "$api/cases?page%5Bsize%5D=25" "${customer[@]}") ;;
    get)
      call GET "/cases/$(head -1 "$tmp/acc1-numbers")" "" "$customer_token" >"$tmp/sample"
      route_args=(--urls-file "$tmp/get-urls" "${customer[@]}") ;;
    overview)
      call GET /overview "" "$customer_token" >"$tmp/sample"
      route_args=(--url "$api/overview" "${customer[@]}") ;;
    search)
      search_token="$customer_token"; search_auth=("${customer[@]}")
      [[ "$search_who" == staff ]] && { search_token="$staff_token"; search_auth=("${staff[@]}"); }
      call GET "/search?q=$search_q" "" "$search_token" >"$tmp/sample"
      route_args=(--url "$api/search?q=$search_q" "${search_auth[@]}") ;;
    comment)
      call GET "/cases/$(head -1 "$tmp/open-numbers")" "" "$staff_token" >"$tmp/sample"
      route_args=(--urls-file "$tmp/comment-urls" --method POST "${staff[@]}"
                  --header 'Content-Type: application/json' --body "$comment_body") ;;
    create)
      call POST /cases "$create_body" "$customer_token" >"$tmp/sample"
      route_args=(--url "$api/cases" --method POST "${customer[@]}"
                  --header 'Content-Type: application/json' --body "$create_body") ;;
    *) die "unknown route $route (list,get,overview,search,comment,create)" ;;
  esac
  who=customer; [[ "$route" == comment ]] && who=staff
  [[ "$route" == search ]] && who="$search_who"
  for r in ${rate[$route]//,/ }; do run "$route" "$who" "$r"; done
  kill -0 "$docketd_pid" 2>/dev/null || die "docketd exited during the $route run"
done
if (( idle > 0 )); then
  awk -v events="$events" '/^VmHWM/ { hwm = $2 } /^VmRSS/ { rss = $2 }
    END { printf "{\"route\": \"memory\", \"server\": \"docketd\", \"events\": %d, " \
                 "\"rss_bytes\": %d, \"peak_rss_bytes\": %d}\n", events, rss * 1024, hwm * 1024 }' \
    "/proc/$docketd_pid/status" | tee -a "$results"
fi
# The stage histograms after the runs (docket_decider_stage_seconds,
# docket_command_bus_seconds, ...), beside --out.
[[ -n "$out" ]] && curl -fsS --max-time 10 "$api/metrics" >"${out%.jsonl}.metrics" || true
[[ -n "$out" ]] && cp "$results" "$out"

# ---- table ------------------------------------------------------------------------
echo
echo "HTTP gateway, $events events loaded (catch-up $catch_s s), $seconds s per run" \
     "after $warmup s warm-up, $connections connections"
python3 - "$results" "$search_text" <<'EOF'
import json, sys
rows = [r for r in map(json.loads, open(sys.argv[1])) if "offered_rps" in r]
paths = {"list": "GET /cases?page[size]=25", "get": "GET /cases/{number}",
         "overview": "GET /overview", "search": "GET /search?q=" + sys.argv[2],
         "comment": "POST /cases/{n}/comments", "create": "POST /cases"}
head = ["route", "offered/s", "body bytes"] + ["docketd req/s", "p50 ms", "p99 ms", "errors"] \
    + ["nginx req/s", "p50 ms", "p99 ms", "errors", "load 1m after"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
by = {}
for r in rows:
    by.setdefault((r["route"], r["offered_rps"]), {})[r["server"]] = r

def cols(x):
    if not x:
        return ["-"] * 4
    e = str(x["errors"])
    if x["errors"]:
        bad = (f"{k}: {v}" for k, v in x["status_counts"].items() if not k.startswith("2"))
        e += " (" + ", ".join(bad) + ")"
    if x.get("reconnects"):
        e += f' [{x["reconnects"]} idle reconnects]'
    return [f'{x["achieved_rps"]:.1f}', f'{x["p50_ms"]:.2f}', f'{x["p99_ms"]:.2f}', e]

for (route, _), s in by.items():
    d, n = s.get("docketd"), s.get("nginx")
    load = " / ".join(x["loadavg"].split()[0] for x in (d, n) if x)
    label = paths.get(route, route) + (f' ({d["who"]})' if route == "search" else "")
    offered = "closed loop" if d.get("closed_loop") else f'{d["offered_rps"]:g}'
    row = [label, offered, str(d["mean_body_bytes"])]
    print("| " + " | ".join(row + cols(d) + cols(n) + [load]) + " |")
EOF
# docketd logs each /readyz 503 of the catch-up at error level: counted apart.
readyz_lines=$(grep -c 'readyz -> 503' "$tmp/docketd.log" || true)
grep -v 'readyz -> 503' "$tmp/docketd.log" \
  | grep -iE '\[(warn|warning|error|critical)\]' >"$tmp/warn.log" || true
echo
echo "docketd log: $(wc -l <"$tmp/docketd.log") lines; $readyz_lines '/readyz -> 503' lines" \
     "(catch-up); $(wc -l <"$tmp/warn.log") other warn/error lines"
tail -20 "$tmp/warn.log"
