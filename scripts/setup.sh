#!/usr/bin/env bash
# Installs everything Rebound needs to build, test and run its demo on Debian bookworm.
# Idempotent: when every package is already present it prints nothing and exits 0.
set -euo pipefail

# What building the Release binary and its .deb needs (`setup.sh --build`: the Dockerfile's
# build stage), then what the tests, the fuzzer, the benchmarks and the demo add.
build_packages=(
  build-essential dpkg-dev cmake ninja-build ccache pkg-config git ca-certificates curl openssl
  prometheus-cpp-dev libmicrohttpd-dev libyaml-cpp-dev libeigen3-dev libcurl4-openssl-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libgnutls28-dev libre2-dev
  libcctz-dev tzdata
)
test_packages=(
  clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus prometheus-alertmanager prometheus-blackbox-exporter chromium
  wrk nginx-light python3-pandas python3-yaml python3-jsonschema
)
build_only=0
[ "${1:-}" = --build ] && build_only=1
packages=("${build_packages[@]}")
[ $build_only = 1 ] || packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Any kubectl will do as the referee; Debian's kubernetes-client only when none is on PATH.
[ $build_only = 1 ] || command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services from these packages must not start on install: tests start their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
