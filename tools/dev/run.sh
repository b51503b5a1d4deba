#!/usr/bin/env bash
# Runs Docket on this machine: installs what is missing, builds, starts the
# local Apache Kafka broker on 127.0.0.1:9092 (KAFKA_PORT to change), creates
# Docket's topics, starts a development SMTP server on 127.0.0.1:2525
# (DOCKET_SMTP_PORT to change) that keeps every mail in var/mail
# (tools/dev/mailbox reads it), starts docketd with every role (the HTTP API
# on 127.0.0.1:8080, DOCKET_HTTP_PORT to change) with its data in ./var, creates
# the first admin and loads the demo data (two accounts, their customers, a
# staff agent, a few dozen cases in every state), and prints the portal's
# address (the portal, web/, is built by tools/dev/web.sh and served by
# docketd at /) and how to log in.
#
#   tools/dev/run.sh          start (idempotent)
#   tools/dev/run.sh stop     stop docketd and the broker
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

pidfile="$root/var/docketd.pid"
smtp_pidfile="$root/var/smtp-server.pid"
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
  if [[ -f "$smtp_pidfile" ]] && kill -0 "$(cat "$smtp_pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$smtp_pidfile")" && echo "smtp server stopped"
  fi
  rm -f "$smtp_pidfile"
  exec tools/kafka/local-kafka.sh stop
fi

tools/dev/deps.sh
tools/dev/web.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build docketctl docketd

tools/kafka/local-kafka.sh start
port="${KAFKA_PORT:-9092}"
build/tools/docketctl/docketctl topics ensure --brokers "127.0.0.1:$port" \
  --partitions "${DOCKET_PARTITIONS:-6}"

mkdir -p "$root/var"
http_port="${DOCKET_HTTP_PORT:-8080}"
smtp_port="${DOCKET_SMTP_PORT:-2525}"
if [[ -f "$smtp_pidfile" ]] && kill -0 "$(cat "$smtp_pidfile")" 2>/dev/null; then
  echo "smtp server already running (pid $(cat "$smtp_pidfile"))"
else
  nohup /usr/bin/python3 tools/dev/smtp-server.py --maildir "$root/var/mail" \
    --port "$smtp_port" >>"$root/var/smtp-server.log" 2>&1 </dev/null &
  echo $! > "$smtp_pidfile"
fi
if pid="$(docketd_pid)"; then
  echo "docketd already running (pid $pid)"
else
  nohup build/api/docketd --brokers "127.0.0.1:$port" --data-dir "$root/var" \
    --instance-id local-0 --partitions "${DOCKET_PARTITIONS:-6}" \
    --catalog "$root/config/catalog.json" --quick-links "$root/config/quick-links.json" \
    --status-services "$root/config/status-services.json" \
    --portal-config "$root/config/portal.json" --chat-config "$root/config/chat.json" \
    --web-root "$root/web/dist" \
    --listen "127.0.0.1:$http_port" --smtp-port "$smtp_port" \
    --mail-templates "$root/config/mail" --public-base-url "http://127.0.0.1:$http_port" \
    --common-passwords "$root/config/common-passwords.txt" \
    --challenge-questions "$root/config/challenge-questions.txt" \
    >>"$root/var/docketd.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
fi
api="http://127.0.0.1:$http_port/api/v1"
for _ in $(seq 1 600); do
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -20 "$root/var/docketd.log"; exit 1; }
  curl -fsS "$api/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$api/readyz" >/dev/null || { echo "docketd is not ready"; tail -20 "$root/var/docketd.log"; exit 1; }

# The first admin, once: a random password kept in var/admin-password.
admin_email="admin@docket.local"
if [[ ! -s "$root/var/admin-password" ]]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$root/var/admin-password.new")
  build/tools/docketctl/docketctl admin create --brokers "127.0.0.1:$port" \
    --partitions "${DOCKET_PARTITIONS:-6}" --email "$admin_email" --name "Docket Admin" \
    --common-passwords "$root/config/common-passwords.txt" \
    < "$root/var/admin-password.new"
  mv "$root/var/admin-password.new" "$root/var/admin-password"
fi
python3 tools/dev/demo_data.py --url "$api" --admin-email "$admin_email" \
  --admin-password-file "$root/var/admin-password" --maildir "$root/var/mail"

cat <<MSG

Docket is up.
  Portal         http://127.0.0.1:$http_port/   (sign in as one of the users below)
  Kafka broker   127.0.0.1:$port (Apache Kafka, KRaft; logs under ~/.local/state/docket)
  Topics         docket.{cases,identity,status}.{commands,events}, docket.command-results
  docketd        gateway + deciders + projector + notifier, pid $(cat "$pidfile"), log var/docketd.log, data in var/
  Mail           every mail Docket sends lands in var/mail (SMTP 127.0.0.1:$smtp_port):
                   tools/dev/mailbox --maildir var/mail list | show N | links N
  HTTP API       $api  (docs/api.md, api/openapi.yaml)
  Log in         admin    $admin_email / $(cat "$root/var/admin-password")
                 staff    sam@docket.local / demo-portal-pass-2026
                 customer alice@northwind.example / demo-portal-pass-2026  (account ACC-1001)
                 customer bob@contoso.example / demo-portal-pass-2026      (account ACC-2002)
                 invited  carol@northwind.example: open her invitation with
                          tools/dev/mailbox --maildir var/mail links N
  Try it         curl -s -X POST $api/auth/login -H 'Content-Type: application/json' \\
                   -d '{"email":"alice@northwind.example","password":"demo-portal-pass-2026"}'
  Read models    build/tools/docketctl/docketctl lag cases --data-dir var --brokers 127.0.0.1:$port
  Watch events   build/tools/docketctl/docketctl replay --brokers 127.0.0.1:$port --follow
  Inspect a case build/tools/docketctl/docketctl inspect case CS00000000000 --brokers 127.0.0.1:$port
  Stop           tools/dev/run.sh stop
MSG
