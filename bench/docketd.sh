# Sourced by the benchmark scripts (http_bench.sh, chat_bench.sh): docketd
# for a benchmark. Needs $docketd, $brokers, $prefix, $root and a `die`.
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
