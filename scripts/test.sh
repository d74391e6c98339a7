#!/usr/bin/env bash
# Installs what Rebound needs (Debian bookworm, as root), builds it, and runs the whole test
# suite: unit, integration and end-to-end tests (real Prometheus, Alertmanager, amtool, promtool,
# blackbox exporter, kubectl, Chromium and kubesim on 127.0.0.1) in a build with AddressSanitizer +
# UndefinedBehaviorSanitizer, then
# a short fuzzing run. One sanitized build serves all tests: a second, unsanitized build of
# the same tests would double the build time and find nothing the sanitized one misses.
#
#   scripts/test.sh                      everything
#   SKIP_SANITIZERS=1 scripts/test.sh    test a plain build (build/) instead
#   FUZZ_SECONDS=30                      length of the fuzzing run (0 skips it)
#   SKIP_CLANG=1                         skip the clang build
#
# Then a Release build of the shipped binary alone, installed, packaged and checked
# (scripts/build-release.sh, which the Dockerfile's build stage runs too), and a clang
# RelWithDebInfo build of every target (warnings are errors there too).
# With CI=true the .deb is also installed with apt-get, checked and purged: that changes the
# machine, so only where the machine is disposable.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

jobs=$(nproc)
step() { printf '\n==> %s\n' "$*"; }

if [ "${SKIP_SANITIZERS:-0}" = 1 ]; then
  step "build"
  BUILD_DIR=build ./scripts/build.sh -DREBOUND_WERROR=ON
  step "tests"
  ctest --test-dir build --output-on-failure --timeout 300 -j"$jobs"
else
  step "build (ASan + UBSan)"
  # Debug (-O0): much faster to compile than an optimised build, and the sanitizers catch the
  # same bugs.
  BUILD_DIR=build-asan ./scripts/build.sh -DREBOUND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DREBOUND_WERROR=ON
  step "tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure --timeout 600 -j"$jobs"
fi

step "Release build of rebound, install and .deb (the Dockerfile's build stage runs the same)"
./scripts/build-release.sh
if [ "${CI:-}" = true ]; then
  step "install the .deb with apt-get, check it, purge it"
  apt-get install -y -qq ./build-release/deb/rebound_*.deb >/dev/null
  rebound version
  rebound check -c /etc/rebound/rebound.yaml
  command -v systemd-analyze >/dev/null && systemd-analyze verify /usr/lib/systemd/system/rebound.service
  apt-get purge -y -qq rebound >/dev/null
fi

if [ "${SKIP_CLANG:-0}" != 1 ] && command -v clang++ >/dev/null 2>&1; then
  step "clang RelWithDebInfo build of the whole tree, warnings are errors"
  # A second compiler at a second optimisation level, every target (tests, tools, benchmarks):
  # what packagers build with must stay warning-free too. Built, not run: the sanitized
  # build above runs the same tests.
  BUILD_DIR=build-clang ./scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DREBOUND_WERROR=ON
fi

fuzz_seconds=${FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" != 0 ] && command -v clang++ >/dev/null 2>&1; then
  step "fuzz the webhook payload parser for ${fuzz_seconds}s (libFuzzer)"
  BUILD_DIR=build-fuzz ./scripts/build.sh -DREBOUND_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
  build-fuzz/tests/fuzz/payload_fuzz -max_total_time="$fuzz_seconds" -max_len=65536 \
    -print_final_stats=1 "$corpus" tests/fuzz/corpus/payload 2>&1 | tail -n 12
fi
step "all tests passed"
