#!/bin/bash
# CI check of the NAB runner (docs/anomaly.md): runs it on a NAB-format folder (the project's
# small synthetic series, tests/data/nab) and checks that every result file is well-formed: the
# header NAB's scorer reads, one row per data row with the same timestamps, and scores that are
# numbers in [0, 1]. Whether the scores find the labelled windows is nab_runner_test's part.
# usage: nab_runner_check.sh REBOUND_NAB NAB_DIR
set -euo pipefail
runner=$1 nab=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$runner" --data "$nab" --results "$work/results"
checked=0
while IFS= read -r data; do
  rel=${data#"$nab/data/"}
  out=$work/results/$rel
  [[ -f $out ]] || { echo "FAIL: no result for $rel"; exit 1; }
  awk -F, -v rel="$rel" '
    FNR == NR { if (FNR > 1) stamp[FNR] = $1; rows = FNR; next }
    FNR == 1 { if ($0 != "timestamp,value,anomaly_score") { print "FAIL: " rel ": header " $0; exit 1 } next }
    {
      if ($1 != stamp[FNR]) { print "FAIL: " rel ":" FNR ": timestamp " $1 " != " stamp[FNR]; exit 1 }
      if ($3 !~ /^[0-9.]+(e-?[0-9]+)?$/ || $3 + 0 < 0 || $3 + 0 > 1) { print "FAIL: " rel ":" FNR ": score " $3; exit 1 }
      n++
    }
    END { if (n != rows - 1) { print "FAIL: " rel ": " n " scores for " rows - 1 " rows"; exit 1 } }
  ' "$data" "$out"
  echo "ok: $rel ($(($(wc -l <"$out") - 1)) rows)"
  checked=$((checked + 1))
done < <(find "$nab/data" -name '*.csv' | sort)
[[ $checked -gt 0 ]] || { echo "FAIL: no series under $nab/data"; exit 1; }
