#!/usr/bin/env bash
# The whole test suite from nothing: installs what is missing (Debian's
# Chromium for the browser tests among it), starts a fresh Apache Kafka
# broker (KRaft) on free loopback ports, builds with AddressSanitizer +
# UndefinedBehaviorSanitizer, builds the portal (tools/dev/web.sh), runs
# every test with ctest, and stops the broker. Warnings are errors when CI
# is set.
#
# The release build (build/) also holds the benchmarks: bench_quick (label
# bench) runs the benchmark command on small data (bench/run.sh --quick).
#
# The two volume tests of the read side (50 SIGKILLs during a 200,000-event
# catch-up; a 1,000,000-event rebuild) drive release builds of docketd and
# docketctl (also built here, into build/): under ASan the projector's
# catch-up of a million events alone took about 10 minutes. The same
# projection code runs under ASan in the unit tests and in
# projection_it_test.
#
#   tools/dev/test.sh               everything but the volume runs
#   tools/dev/test.sh --volume      the volume runs (label volume: the
#                                   1,000,000-event rebuild), with the benchmarks
#   tools/dev/test.sh -L unit       extra arguments go to ctest
#   tools/dev/test.sh -L api        the gateway's acceptance tests (tests/api)
#   tools/dev/test.sh -L browser    the portal in Debian's Chromium (web/e2e)
#   tools/dev/test.sh -L bench      bench/run.sh --quick
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

DOCKET_DEPS_BROWSER=1 tools/dev/deps.sh
# The portal, for the browser tests (ctest label browser: web/e2e).
tools/dev/web.sh

build="${DOCKET_TEST_BUILD_DIR:-$root/build-test}"
werror=OFF
[[ -n "${CI:-}" ]] && werror=ON
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDOCKET_SANITIZE=ON -DDOCKET_WERROR="$werror" -DDOCKET_BENCH=OFF >/dev/null
ninja -C "$build" -j "$(nproc)"
# Line tables only (-g1) in the release build too: what profiles and stack
# traces need, in less time than -g; the code is the same (-O2).
cmake -S . -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DDOCKET_BENCH=ON -DDOCKET_SANITIZE=OFF -DDOCKET_WERROR="$werror" >/dev/null
# The release benchmarks too: the bench_quick test runs bench/run.sh --quick.
ninja -C "$root/build" -j "$(nproc)" docketd docketctl projection_bench xapian_bench http_bench \
  command_bus_bench chat_bench
export DOCKET_BENCH_BUILD_DIR="$root/build"
export DOCKET_TEST_RELEASE_DOCKETD="$root/build/api/docketd"
export DOCKET_TEST_RELEASE_DOCKETCTL="$root/build/tools/docketctl/docketctl"

# A broker of its own for this run: fresh log directory, free ports.
state="$(mktemp -d /tmp/docket-test-kafka.XXXXXX)"
KAFKA_PORT="$(tools/dev/free-port.sh)"
KAFKA_CTRL_PORT="$(tools/dev/free-port.sh)"
export KAFKA_HOME_DIR="$state" KAFKA_PORT KAFKA_CTRL_PORT
cleanup() {
  tools/kafka/local-kafka.sh stop || true
  rm -rf "$state"
}
trap cleanup EXIT
tools/kafka/local-kafka.sh start

# The API acceptance tests (tests/api, ctest label api) run pytest from a
# venv of their own, made again only when tests/api/requirements.txt changes.
venv="$HOME/.cache/docket/venv-api"
requirements="$root/tests/api/requirements.txt"
if ! cmp -s "$requirements" "$venv/requirements.txt" \
    || ! "$venv/bin/python" -c 'import pytest, requests, schemathesis, yaml' 2>/dev/null; then
  echo "test: installing tests/api/requirements.txt into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --cache-dir "$HOME/.cache/pip" \
    -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
export DOCKET_TEST_PYTHON="$venv/bin/python"

export DOCKET_TEST_BROKERS="127.0.0.1:$KAFKA_PORT"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [[ "${1:-}" == "--volume" ]]; then
  shift
  set -- -L volume "$@"
elif [[ $# -eq 0 ]]; then
  set -- -LE volume
fi
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 600 "$@"
