#!/bin/bash
# CI check of the NAB runner (docs/anomaly.md): scores a few series of the development split
# and checks that every result file is well-formed: the header nab_score.py reads, one row per
# data row with the same timestamps, and scores that are numbers in [0, 1]. The score itself
# is reported, not asserted (it is a measurement, kept in docs/anomaly.md).
# usage: nab_runner_check.sh REBOUND_NAB NAB_DIR SCORER
set -euo pipefail
runner=$1 nab=$2 scorer=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
subset=(artificialWithAnomaly/art_daily_jumpsup.csv realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv
        realTraffic/occupancy_6005.csv artificialNoAnomaly/art_flatline.csv)
for rel in "${subset[@]}"; do
  mkdir -p "$work/nab/data/$(dirname "$rel")"
  ln -s "$nab/data/$rel" "$work/nab/data/$rel"
  echo "$rel" >>"$work/files"
done
"$runner" --data "$work/nab" --results "$work/results"
for rel in "${subset[@]}"; do
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
  ' "$nab/data/$rel" "$out"
  echo "ok: $rel ($(($(wc -l <"$out") - 1)) rows)"
done
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  # The scorer must accept the files; its figure on four series is printed for information.
  /usr/bin/python3 "$scorer" --data "$nab" --results "$work/results" --files-from "$work/files"
else
  echo "python3-pandas missing: skipped nab_score.py"
fi
