#!/usr/bin/env bash
# The Release build of the shipped binary alone (warnings are errors there too: the optimiser
# finds its own), installed, packaged as a .deb and checked by tests/install/install_test.sh.
# One script for both places that build it: scripts/test.sh (CI) and the Dockerfile's build
# stage, so the image ships exactly the binary CI tested.
#
#   scripts/build-release.sh             into build-release/, the .deb in build-release/deb/
#   BUILD_DIR=DIR scripts/build-release.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-release}
BUILD_DIR=$build_dir TARGETS=rebound ./scripts/build.sh -DCMAKE_BUILD_TYPE=Release \
  -DREBOUND_WERROR=ON -DREBOUND_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr
rm -rf "$build_dir/deb"
tests/install/install_test.sh "$build_dir" "$build_dir/deb"
ls "$build_dir"/deb/rebound_*.deb
