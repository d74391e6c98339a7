#!/bin/bash
# The generated version header (cmake/write_version_header.cmake): names the checkout's git
# revision, falls back to $REBOUND_REVISION and then "unknown" outside git, and is rewritten
# only when its text changes, so that an unchanged revision recompiles nothing.
# usage: version_header_test.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
script=$source_dir/cmake/write_version_header.cmake
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
header=$work/version.h
write() { cmake -DSOURCE_DIR="$1" -DOUTPUT="$header" -DVERSION=1.2.3 -P "$script"; }
revision_in() { sed -n 's/^#define REBOUND_REVISION "\(.*\)"$/\1/p' "$header"; }

if expected=$(git -C "$source_dir" rev-parse --short=12 HEAD 2>/dev/null); then
  write "$source_dir"
  [[ $(revision_in) == "$expected" ]] || fail "revision $(revision_in), git says $expected"
  grep -qx '#define REBOUND_VERSION "1.2.3"' "$header" || fail "no version in $(cat "$header")"
fi

mkdir "$work/tarball"
REBOUND_REVISION=0123456789ab write "$work/tarball"
[[ $(revision_in) == 0123456789ab ]] || fail "outside git: $(revision_in), not \$REBOUND_REVISION"
before=$(stat -c %y "$header")
touch -d '2000-01-01' "$header"
REBOUND_REVISION=0123456789ab write "$work/tarball"
[[ $(stat -c %Y "$header") == $(date -d 2000-01-01 +%s) ]] || fail "rewritten though unchanged"
write "$work/tarball"
[[ $(revision_in) == unknown ]] || fail "outside git, no \$REBOUND_REVISION: $(revision_in)"
[[ $(stat -c %y "$header") != "$before" ]] || fail "not rewritten though the revision changed"
echo "ok: version header"
