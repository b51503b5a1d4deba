# Sourced by the benchmark scripts (http_bench.sh, chat_bench.sh,
# catchup_rss.sh): docketd for a benchmark. Needs $docketd, $brokers,
# $prefix, $root and a `die`.
#
# start_docketd DIR ARGS...: a release docketd on a free loopback port, its
# data in DIR/data and its log in DIR/docketd.log, every rate limit of the
# gateway off (one client address plays every user), plus ARGS. Once it
# listens: docketd_pid, port and base (http://127.0.0.1:PORT) are set.
start_docketd() {
  local dir="$1"
  shift
  mkdir -p "$dir/data"
  "$docketd" --brokers "$brokers" --topic-prefix "$prefix" --data-dir "$dir/data" \
    --listen 127.0.0.1:0 --port-file "$dir/port" --catalog "$root/config/catalog.json" \
    --mail-templates "$root/config/mail" --common-passwords "$root/config/common-passwords.txt" \
    --challenge-questions "$root/config/challenge-questions.txt" \
    --rate-ip-per-s 0 --rate-user-per-s 0 --login-per-min 0 "$@" \
    >"$dir/docketd.log" 2>&1 </dev/null &
  docketd_pid=$!
  for _ in $(seq 1 600); do
    kill -0 "$docketd_pid" 2>/dev/null || die "docketd exited during start-up"
    [[ -s "$dir/port" ]] && break
    sleep 0.1
  done
  port="$(sed 's/.*://' "$dir/port" 2>/dev/null)"
  [[ -n "$port" ]] || die "docketd wrote no port file"
  base="http://127.0.0.1:$port"
}

# bench_cleanup: the EXIT trap of a script that started docketd with
# start_docketd in $tmp on topics of $prefix: stops docketd (TERM, then KILL
# after 15 s), shows its log's tail if the script failed, deletes the
# prefix's topics and $tmp, and exits with the script's status.
bench_cleanup() {
  local rc=$?
  if [[ -n "${docketd_pid:-}" ]] && kill -0 "$docketd_pid" 2>/dev/null; then
    kill -TERM "$docketd_pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$docketd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$docketd_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$tmp/docketd.log" ]]; then
    echo "docketd log (tail):" >&2
    tail -25 "$tmp/docketd.log" >&2
  fi
  if [[ -n "${prefix:-}" ]]; then
    "$root/tools/kafka/local-kafka.sh" tool org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$brokers" --delete --topic "$prefix\\..*" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit $rc
}

# bench_setup NAME: a temp dir ($tmp) and bench_cleanup as the EXIT trap,
# the local broker started ($brokers), and a fresh topic prefix NAME<time>
# ($prefix) whose topics the cleanup deletes.
bench_setup() {
  tmp="$(mktemp -d "/tmp/docket-$1.XXXXXX")"
  prefix="" docketd_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  "$root/tools/kafka/local-kafka.sh" start >/dev/null
  brokers="127.0.0.1:${KAFKA_PORT:-9092}"
  prefix="$1$(date +%s)"
}
