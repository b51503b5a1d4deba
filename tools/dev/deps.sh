#!/usr/bin/env bash
# Installs everything Docket needs to build, test and run on Debian 12:
# Debian packages (only when one is missing), and Apache Kafka's jars via
# Maven (cached in ~/.m2 and ~/.cache/docket). Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

packages=(
  g++ cmake ninja-build pkg-config git
  librocksdb-dev libflatbuffers-dev flatbuffers-compiler flatbuffers-compiler-dev
  libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libutf8proc-dev libstemmer-dev libsodium-dev
  libroaring-dev  # the search index's compressed bitmaps (CRoaring)
  libabsl-dev  # abseil's flat_hash_map: the read store's batches (projections/read_store.h)
  libxapian-dev  # bench/xapian_bench: the search comparison
  libboost-dev curl  # Beast/Asio for the gateway; curl for run.sh's readiness wait
  libcurl4-openssl-dev  # the notifier's SMTP client
  libjemalloc-dev  # docketd's allocator (api/server/CMakeLists.txt)
  python3-aiosmtpd  # the development and test SMTP server (tools/dev/smtp-server.py)
  kcat openjdk-17-jre-headless maven
  python3-venv  # the API tests' pytest venv (tools/dev/test.sh)
)
# The portal's browser tests drive Debian's Chromium (tools/dev/test.sh sets
# DOCKET_DEPS_BROWSER; Playwright's own browser download is never used).
if [[ -n "${DOCKET_DEPS_BROWSER:-}" ]]; then
  packages+=(chromium fonts-liberation)
fi

command -v python3 >/dev/null || packages+=(python3)
# The portal is built with Node.js and npm (tools/dev/web.sh): Debian's
# when the machine has none of its own.
command -v npm >/dev/null || packages+=(nodejs npm)
"$root/tools/dev/apt-missing.sh" "${packages[@]}"

# librdkafka: Debian 13's 2.8.0 built for this machine (why: the script).
"$root/tools/dev/librdkafka.sh"

"$root/tools/kafka/local-kafka.sh" fetch
