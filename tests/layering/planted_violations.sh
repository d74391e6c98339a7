#!/usr/bin/env bash
# scripts/check_layers.py must fail on a tree with outward includes planted in it, name each
# one, and pass the allowed includes of the same tree.
#   planted_violations.sh PATH/TO/check_layers.py
set -euo pipefail
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/common "$tree"/kube "$tree"/tools/kubesim "$tree"/controller/healing
printf '#include "controller/healing/remediation.h"\n' >"$tree"/common/planted.cc
printf '#include <prometheus/counter.h>\n' >"$tree"/kube/planted.cc
printf '#include "kube/kube_client.h"\n' >"$tree"/tools/kubesim/planted.cc
printf '#include "kube/kube_client.h"\n#include "common/status.h"\n' >"$tree"/controller/healing/fine.cc

status=0
output=$(python3 "$check" --root "$tree" 2>&1) || status=$?
echo "$output"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$status" = 1 ] || fail "expected exit 1, got $status"
grep -q '^common/planted.cc:1: common/ may not include controller/healing/remediation.h' <<<"$output" ||
  fail "common -> controller not reported"
grep -q '^kube/planted.cc:1: <prometheus/counter.h> is reserved' <<<"$output" ||
  fail "kube -> prometheus-cpp not reported"
grep -q '^tools/kubesim/planted.cc:1: tools/kubesim/ may not include kube/kube_client.h' <<<"$output" ||
  fail "kubesim -> kube not reported"
if grep -q 'fine.cc' <<<"$output"; then fail "an allowed include was reported"; fi
[ "$(grep -c 'planted.cc' <<<"$output")" = 3 ] || fail "expected exactly three violations"
echo "PASS: the three planted violations are reported, the allowed includes are not"
