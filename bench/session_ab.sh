#!/usr/bin/env bash
# One run of bench/session_check.py against a fresh docketd on a running local
# broker ($BROKERS, default 127.0.0.1:9092; tools/kafka/local-kafka.sh): used for the
# old/new comparison in docs/benchmarks.md ("Sessions and sign-in after issue 12").
#   bench/session_ab.sh NAME DOCKETD DOCKETCTL [extra docketd flags...]
set -euo pipefail
name=$1 docketd=$2 docketctl=$3; shift 3
brokers="${BROKERS:-127.0.0.1:9092}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="ab$name$RANDOM"
work=$(mktemp -d /tmp/ab-$name.XXXX)
$docketctl topics ensure --brokers $brokers --prefix $prefix >/dev/null 2>&1
$docketd --brokers $brokers --topic-prefix $prefix --data-dir $work/data --instance-id ab$name \
  --listen 127.0.0.1:0 --port-file $work/port --catalog $root/config/catalog.json \
  --quick-links $root/config/quick-links.json --rate-ip-per-s 0 --rate-user-per-s 0 --login-per-min 0 \
  --roles gateway,decider,projector "$@" > $work/log 2>&1 &
pid=$!
for i in $(seq 1 300); do [[ -s $work/port ]] && break; sleep 0.1; done
port=$(sed 's/.*://' $work/port)
for i in $(seq 1 300); do curl -fs http://127.0.0.1:$port/api/v1/readyz >/dev/null && break; sleep 0.1; done
ctl_extra=()
[[ "$*" == *common-passwords* ]] && ctl_extra=(--common-passwords $root/config/common-passwords.txt)
echo "correct-horse-battery-staple-9" | $docketctl admin create --brokers $brokers --topic-prefix $prefix \
  --email admin@example.com --name Admin "${ctl_extra[@]}" >/dev/null 2>&1
sleep 1
python3 $root/bench/session_check.py --url http://127.0.0.1:$port/api/v1 --email admin@example.com \
  --password correct-horse-battery-staple-9 --requests 2000 --logins 20 | sed "s/^/$name /"
kill -TERM $pid; wait $pid 2>/dev/null || true
rm -rf $work
