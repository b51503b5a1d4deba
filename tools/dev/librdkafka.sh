#!/usr/bin/env bash
# Installs librdkafka 2.8.0 on Debian 12: Debian 13's own source package
# (librdkafka 2.8.0-1, from deb.debian.org, checked against the SHA-256 sums
# of trixie's Sources index), built unchanged with dpkg-buildpackage and
# installed as librdkafka1, librdkafka++1 and librdkafka-dev. Called by
# tools/dev/deps.sh; safe to run again.
#
# Why not Debian 12's 2.0.2: docs/kafka.md, "librdkafka: Debian 13's 2.8.0"
# (its timer spin, confluentinc/librdkafka#4671, was half of docketd's CPU
# under load). The built packages are kept in ~/.cache/docket/debs (about
# 2 MB), so a machine builds them once (~45 s on 2 cores).
set -euo pipefail

version=2.8.0-1
upstream=${version%-*}
pool=http://deb.debian.org/debian/pool/main/libr/librdkafka
declare -A sha256=(
  [librdkafka_${version}.dsc]=0e9f099090072fe33da42303e1878f7f4713f91b94aa6523a9d630fe67eb2b51
  [librdkafka_${upstream}.orig.tar.gz]=5bd1c46f63265f31c6bfcedcde78703f77d28238eadf23821c2b43fc30be3e25
  [librdkafka_${version}.debian.tar.xz]=85381d3e0f2f8a5f871a408df59ed7ee3071a7bdbce9adefabfc5d3324418ed1
)
binaries=(librdkafka1 librdkafka++1 librdkafka-dev)

installed_ok() {
  local p v
  for p in "${binaries[@]}"; do
    v=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null) || return 1
    [[ "$v" == "install ok installed $version" ]] || return 1
  done
}
installed_ok && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
cache="${XDG_CACHE_HOME:-$HOME/.cache}/docket/debs/librdkafka-$version"
arch=$(dpkg --print-architecture)
debs=()
for p in "${binaries[@]}"; do debs+=("$cache/${p}_${version}_${arch}.deb"); done

have_debs() {
  local d
  for d in "${debs[@]}"; do [[ -s "$d" ]] || return 1; done
}

if ! have_debs; then
  echo "librdkafka: building Debian 13's librdkafka $version for this machine" >&2
  # The source package's Build-Depends (debian/control), plus the tools.
  build_deps=(dpkg-dev debhelper fakeroot pkgconf libcurl4-openssl-dev liblz4-dev
              libsasl2-dev libssl-dev libzstd-dev python3 rapidjson-dev zlib1g-dev)
  "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh" "${build_deps[@]}"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for f in "${!sha256[@]}"; do
    curl -fsS --retry 3 --max-time 300 -o "$work/$f" "$pool/$f" \
      || { echo "librdkafka: cannot download $pool/$f" >&2; exit 1; }
    echo "${sha256[$f]}  $work/$f" | sha256sum --quiet -c - \
      || { echo "librdkafka: $f does not match its SHA-256 in Debian's index" >&2; exit 1; }
  done
  # The sums above stand for the signature, which needs Debian's keyring.
  (cd "$work" && dpkg-source --no-check -x "librdkafka_${version}.dsc" src >"$work/source.log" 2>&1) \
    || { cat "$work/source.log" >&2; echo "librdkafka: dpkg-source failed" >&2; exit 1; }
  if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck nodoc parallel=$(nproc)" \
          dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1); then
    tail -40 "$work/build.log" >&2
    echo "librdkafka: dpkg-buildpackage failed (log above)" >&2
    exit 1
  fi
  mkdir -p "$cache"
  for p in "${binaries[@]}"; do cp "$work/${p}_${version}_${arch}.deb" "$cache/"; done
fi

echo "librdkafka: installing $version" >&2
$sudo apt-get install -y -qq --no-install-recommends --allow-downgrades "${debs[@]}" >/dev/null
installed_ok || { echo "librdkafka: $version did not install" >&2; exit 1; }
