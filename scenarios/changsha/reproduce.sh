#!/usr/bin/env bash
# Regenerates every table and figure of scenarios/changsha/README.md:
#   scenarios/changsha/reproduce.sh
# Needs only the Rust toolchain (and sh, sed, awk). Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=../..
(cd "$ROOT" && cargo build --release -q)
P="$ROOT/target/release/procsim"
OUT=results
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
STAGES="s0-before.yaml s1-run-once.yaml s2-one-thing.yaml s3-after.yaml s3b-lean.yaml s3c-online.yaml"
KPIS="wait_min wait_p90_min visits lead_time_wd processes.business_startup.lead_time_wd processes.property_transfer.lead_time_wd processes.restaurant_open.lead_time_wd on_time_rate abandon_rate"

# 1. Every stage against S0 (paired): report, charts, table.
"$P" compare $STAGES -q --out "$OUT/compare" > "$OUT/compare.txt"
"$P" compare $STAGES -q --markdown $KPIS > "$OUT/compare.md"
"$P" check $STAGES -q > "$OUT/check.txt" || true

# 2. Sensitivity to the least-sourced parameters.
# 2a. Daily volume (600 assumed): S0 and S3b at 450, 600, 750 a day.
for f in s0-before.yaml s3b-lean.yaml; do
  "$P" sweep "$f" -q --set arrivals.citizens.daily=450,600,750 --kpi wait_min --kpi visits --kpi lead_time_wd > "$OUT/sweep-daily-${f%.yaml}.txt"
done
# 2b. Comprehensive windows (S3b's 26 is an assumption): 14..30, with S3b's targets.
"$P" sweep s3b-lean.yaml -q --set pools.comprehensive.servers=14..30 --kpi wait_min --kpi pools.comprehensive.wait_p90_min --out "$OUT/sweep-windows" > "$OUT/sweep-windows.txt"
# 2c. Online share (0.2 assumed in S3b): the channel split of every process.
for share in 0.1 0.35 0.5; do
  hall=$(awk -v s="$share" 'BEGIN { printf "%g", 1 - s }')
  sed -e "/^name:/s/\"$/, $share online\"/" -e "s/^\(          - p: \)0\.2\( .*online share.*\)$/\1$share\2/" -e "s/^\(          - p: \)0\.8\( .*submit at a window.*\)$/\1$hall\2/" s3b-lean.yaml > "$TMP/s3b-online-$share.yaml"
done
"$P" compare s0-before.yaml "$TMP"/s3b-online-0.1.yaml s3b-lean.yaml "$TMP"/s3b-online-0.35.yaml "$TMP"/s3b-online-0.5.yaml -q --markdown wait_min visits lead_time_wd > "$OUT/sensitivity-online.md"
# 2d. Patience (mean 180 min assumed): 45 and 90 min in S0 and S3b.
for m in 45 90; do
  for f in s0-before s3b-lean; do
    sed -e "/^name:/s/\"$/, patience ${m} min\"/" -e "s/patience: {lognormal: {mean: 180min, sd: 90min}}/patience: {lognormal: {mean: ${m}min, sd: $((m / 2))min}}/" "$f.yaml" > "$TMP/$f-patience-$m.yaml"
  done
  "$P" compare "$TMP/s0-before-patience-$m.yaml" "$TMP/s3b-lean-patience-$m.yaml" -q --markdown wait_min visits abandon_rate lead_time_wd > "$OUT/sensitivity-patience-$m.md"
done

# 3. Paste the generated tables into the README between the markers.
{
  echo "### Every stage against S0 (10 replications, paired 95% intervals of the change)"
  echo
  cat "$OUT/compare.md"
  echo
  echo "Each cell: the stage's mean, then (change against S0, 95% interval of the change); ▲ a significant improvement."
  echo
  echo '![Waiting time distribution](results/compare/charts/wait_distribution.png)'
  echo '![Changes against S0](results/compare/charts/kpi_changes.png)'
  echo '![Visits per case](results/compare/charts/visits_per_case.png)'
  echo '![Lead time](results/compare/charts/lead_time_distribution.png)'
  echo
  echo "Full report: [results/compare/report.html](results/compare/report.html); targets: [results/check.txt](results/check.txt)."
  echo
  echo "### Sensitivity"
  echo
  echo "Online share (S0, then S3b with 10%, 20% (as shipped), 35% and 50% of cases fully online):"
  echo
  cat "$OUT/sensitivity-online.md"
  echo
  for m in 45 90; do
    echo "Patience of mean $m min instead of 180 (S0 vs S3b):"
    echo
    cat "$OUT/sensitivity-patience-$m.md"
    echo
  done
  echo "Daily volume and window count: [results/sweep-daily-s0-before.txt](results/sweep-daily-s0-before.txt), [results/sweep-daily-s3b-lean.txt](results/sweep-daily-s3b-lean.txt), [results/sweep-windows.txt](results/sweep-windows.txt):"
  echo
  echo '```'
  cat "$OUT/sweep-windows.txt"
  echo '```'
} > "$TMP/results.md"
awk -v f="$TMP/results.md" '
  /<!-- RESULTS -->/ { print; while ((getline line < f) > 0) print line; skip = 1; next }
  /<!-- \/RESULTS -->/ { skip = 0 }
  !skip { print }
' README.md > "$TMP/README.md"
grep -q '<!-- /RESULTS -->' "$TMP/README.md" || { echo "README.md needs a <!-- /RESULTS --> marker" >&2; exit 1; }
cp "$TMP/README.md" README.md
echo "updated scenarios/changsha/README.md and scenarios/changsha/results/"
