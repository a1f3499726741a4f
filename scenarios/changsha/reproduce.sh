#!/usr/bin/env bash
# Regenerates every table and figure of scenarios/changsha/README.md (second edition):
#   scenarios/changsha/reproduce.sh
# Needs only the Rust toolchain (and sh, sed, awk). Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=../..
(cd "$ROOT" && cargo build --release -q)
P="$ROOT/target/release/procsim"
OUT=results
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT"
STAGES="s0-before.yaml s1-run-once.yaml s2-one-thing.yaml s3-after.yaml"
VARIANTS="s3b-lean.yaml s3c-online.yaml s3d-generalist.yaml"
KPIS="wait_min wait_p90_min visits_hall one_visit_rate zero_visit_rate renege_rate abandon_rate lead_time_wd processes.property_transfer.lead_time_wd processes.business_startup.lead_time_wd processes.restaurant_open.lead_time_wd processes.dept_a.on_time_rate staff_cost_per_case citizen_hours_per_case citizen_cost_per_case social_cost_per_case"
SHORT="wait_min visits_hall one_visit_rate lead_time_wd on_time_rate social_cost_per_case"

# 1. The stages and variants against S0 (paired), targets, and S0's own run (hourly queues).
COLUMNS=200 "$P" compare $STAGES $VARIANTS -q --out "$OUT/compare" > "$OUT/compare.txt"
"$P" compare $STAGES $VARIANTS -q --markdown $KPIS > "$OUT/compare.md"
"$P" compare $STAGES -q --markdown processes.instant_fund.visits_hall processes.property_transfer.visits_hall processes.business_startup.visits_hall processes.restaurant_open.visits_hall processes.dept_a.visits_hall \
  processes.property_transfer.one_visit_rate processes.business_startup.one_visit_rate processes.restaurant_open.one_visit_rate processes.dept_a.one_visit_rate \
  processes.property_transfer.on_time_rate processes.business_startup.on_time_rate processes.restaurant_open.on_time_rate processes.dept_a.on_time_rate > "$OUT/processes.md"
"$P" compare s0-before.yaml s1-run-once.yaml -q --markdown pools.social.wait_min pools.fund.wait_min pools.police.wait_min pools.housing.wait_min pools.tax.wait_min pools.propreg.wait_min pools.market.wait_min pools.food.wait_min pools.dept_a.wait_min \
  pools.fund.wait_p90_min pools.police.wait_p90_min pools.housing.wait_p90_min pools.fund.utilization pools.police.utilization pools.housing.utilization pools.fund.overtime_min pools.police.overtime_min pools.housing.overtime_min pools.tax.overtime_min > "$OUT/departments.md"
"$P" check $STAGES $VARIANTS -q > "$OUT/check.txt"
"$P" run s0-before.yaml -q --out "$OUT/s0-run" > /dev/null

# 2. The 09:00 check: the share of the day's queue (hall pools, hourly.csv) standing in
#    09:00-10:00, against the share of the day's arrivals the profile puts there.
awk -F, 'NR > 1 && $1 !~ /_office$/ && $3 != "" { q[$2] += $3; t += $3 }
  END { printf "| hour | share of the day'"'"'s queue |\n|---|---|\n"; for (h = 8; h <= 18; h++) if (q[h] > 0) printf "| %02d:00 | %.3f |\n", h, q[h] / t }' \
  "$OUT/s0-run/hourly.csv" > "$OUT/queue-by-hour.md"
awk '/^    profile:/ { on = 1; next } on && /^      "/ { gsub(/[":]/, " "); w[$1] = $NF; s += $NF; next } on { exit }
  END { printf "%.3f", w["09"] / s }' s0-before.yaml > "$TMP/arrival9"
awk -F, -v a="$(cat "$TMP/arrival9")" 'NR > 1 && $1 !~ /_office$/ && $3 != "" { q[$2] += $3; t += $3 }
  END { printf "09:00-10:00 holds %.3f of the day'"'"'s queue and %.3f of the day'"'"'s new arrivals: %s\n", q[9] / t, a, (q[9] / t <= a ? "no morning artefact" : "MORE THAN ARRIVALS EXPLAIN") }' \
  "$OUT/s0-run/hourly.csv" > "$OUT/nine-oclock.txt"

# 3. What each lever did: Shapley contributions per stage (S0 -> S1, S1 -> S2, S2 -> S3).
explain_table() { # explain.csv -> a Markdown table, a lever per row, a KPI per column
  awk -F, -v kpis="$SHORT" '
    BEGIN { n = split(kpis, k, " ") }
    NR > 1 && ($2 == "contribution" || $2 == "total") {
      name = ($2 == "total") ? "**total change**" : $3
      if (!(name in seen)) { seen[name] = 1; order[++m] = name }
      cell[name, $1] = sprintf("%.3g ± %.2g", $4, $5)
      if ($2 == "contribution") sum[$1] += $4; else total[$1] = $4
    }
    END {
      printf "| lever |"; for (i = 1; i <= n; i++) printf " %s |", k[i]; printf "\n|---|"
      for (i = 1; i <= n; i++) printf "---|"; printf "\n"
      for (j = 1; j <= m; j++) { printf "| %s |", order[j]; for (i = 1; i <= n; i++) printf " %s |", cell[order[j], k[i]]; printf "\n" }
      printf "| sum of the contributions |"; for (i = 1; i <= n; i++) printf " %.3g |", sum[k[i]]; printf "\n"
    }' "$1"
}
for s in s1-run-once s2-one-thing s3-after; do
  "$P" explain "$s.yaml" -q $(printf -- '--kpi %s ' $SHORT) --out "$OUT/explain-$s" > "$OUT/explain-$s.txt"
  explain_table "$OUT/explain-$s/explain.csv" > "$OUT/explain-$s.md"
done

# 4. Sensitivity to the assumptions that matter.
sens() { # sens NAME FILES...: S-stage variants, paired against the first
  local name=$1; shift
  "$P" compare "$@" -q --markdown wait_min visits_hall one_visit_rate lead_time_wd > "$OUT/sensitivity-$name.md"
}
variant() { # variant SRC NAME-SUFFIX SED-EXPR: a copy of SRC with a changed name, in $TMP
  local src=$1 tag=$2 expr=$3 dst="$TMP/${1%.yaml}-$2.yaml"
  sed -e "/^name:/s/\"\$/, $tag\"/" -e "s|^extends: |extends: $HERE/|" -e "$expr" "$src" > "$dst"
  grep -q "$tag" "$dst" || { echo "variant $tag of $src changed nothing" >&2; exit 1; }
  cmp -s "$src" "$dst" && { echo "variant $tag of $src is the same file" >&2; exit 1; }
  echo "$dst"
}
# 4a. Sent-back rate per submission (D-sentback-per-submission: 0.16-0.32; 0.42 the first edition's reading).
set --
for p in 0.10 0.16 0.32 0.42; do set -- "$@" "$(variant s0-before.yaml "sent back $p" "s/rework: {p: 0.24,/rework: {p: $p,/")"; done
sens sentback-s0 s0-before.yaml "$@"
# 4b. Return timing (A-return-delay): 1-3 and 1-10 days, and the first edition's returns at opening.
set -- "$(variant s0-before.yaml "returns 1-3 d" "s/&back {uniform: {min: 1d, max: 5d}}/\&back {uniform: {min: 1d, max: 3d}}/")" \
       "$(variant s0-before.yaml "returns 1-10 d" "s/&back {uniform: {min: 1d, max: 5d}}/\&back {uniform: {min: 1d, max: 10d}}/")" \
       "$(variant s0-before.yaml "returns at opening" "s/^seed: 2019 /returns: at_opening\nseed: 2019 /")"
sens returns-s0 s0-before.yaml "$@"
# 4c. Patience (A-patience): mean 45 and 180 min; retry 0.7 and 1.0; no retry (the first edition).
set -- "$(variant s0-before.yaml "patience 45 min" "s/mean: 90min, sd: 60min/mean: 45min, sd: 30min/")" \
       "$(variant s0-before.yaml "patience 180 min" "s/mean: 90min, sd: 60min/mean: 180min, sd: 90min/")" \
       "$(variant s0-before.yaml "retry 0.7" "s/retry: {p: 0.9,/retry: {p: 0.7,/")" \
       "$(variant s0-before.yaml "retry 1.0" "s/retry: {p: 0.9,/retry: {p: 1.0,/")" \
       "$(variant s0-before.yaml "no retry" "s/&patience {time: \(.*\), retry: .*}}/\&patience \1/")"
sens patience-s0 s0-before.yaml "$@"
# 4d. Arrival profile (A-profile): flat, and a sharper morning (not paired: other arrival times).
set -- "$(variant s0-before.yaml "flat profile" '/^      "[0-9][0-9]:00": /s/: [0-9.]*$/: 1/')" \
       "$(variant s0-before.yaml "sharp morning" 's/^      "09:00": 1.3$/      "09:00": 2.0/; s/^      "16:00": 0.45$/      "16:00": 0.3/')"
sens profile-s0 s0-before.yaml "$@"
# 4e. Online share in S3 (A-online-share): 0, 0.35, 0.5 instead of 0.2.
set --
for o in 0.0 0.35 0.5; do
  w=$(awk -v o="$o" 'BEGIN { printf "%g", 1 - o }')
  set -- "$@" "$(variant s2-one-thing.yaml "online $o" "s/{online: {p: 0.2}, window: {p: 0.8}}/{online: {p: $o}, window: {p: $w}}/")"
done
for f in "$@"; do sed -e "s|^extends: .*|extends: $f|" -e "/^name:/s/\"\$/, ${f##*one-thing-}\"/" -e "s/\.yaml\"\$/\"/" s3-after.yaml > "${f%.yaml}-s3.yaml"; done
sens online-s3 s3-after.yaml "$TMP"/*online*-s3.yaml
# 4f. Sent-back rate after the reform (D-sentback-after: 0.02-0.10).
set --
for p in 0.02 0.10; do set -- "$@" "$(variant s3-after.yaml "sent back $p" "s/{rework: {p: 0.05,/{rework: {p: $p,/")"; done
sens sentback-s3 s3-after.yaml "$@"
# 4g. Daily volume (A-daily), comprehensive windows (D-window-range) and prices (A-cost-*).
for f in s0-before s3-after; do
  "$P" sweep "$f.yaml" -q --set arrivals.citizens.daily=400,500,600,700,750,800 --kpi wait_min --kpi visits_hall --kpi social_cost_per_case > "$OUT/sweep-daily-$f.txt"
done
"$P" sweep s3-after.yaml -q --set pools.comprehensive.servers=18..40 --kpi wait_min --kpi pools.comprehensive.wait_p90_min --kpi staff_cost_per_case --out "$OUT/sweep-windows" > "$OUT/sweep-windows.txt"
"$P" sweep s3d-generalist.yaml -q --set pools.comprehensive.servers=26..40 --kpi wait_min --kpi pools.comprehensive.wait_p90_min > "$OUT/sweep-windows-generalist.txt"

# 4h. Prices (A-cost-*): does S3's saving against S0 hold at low and high prices?
prices() { # prices TAG STAFF CITIZEN TRAVEL FARE: S0 and S3 at these prices, compared
  for f in s0-before s3-after; do
    printf 'extends: %s/%s.yaml\nname: "%s, %s prices"\ncosts: {staff_per_hour: {default: %s}, citizen_value_per_hour: %s, travel_time: %s, travel_cost: %s}\n' \
      "$HERE" "$f" "$(sed -n 's/^name: "\(.*\)"$/\1/p' "$f.yaml")" "$1" "$2" "$3" "$4" "$5" > "$TMP/$f-prices-$1.yaml"
  done
  "$P" compare "$TMP/s0-before-prices-$1.yaml" "$TMP/s3-after-prices-$1.yaml" -q --markdown staff_cost_per_case citizen_cost_per_case social_cost_per_case > "$OUT/sensitivity-prices-$1.md"
}
prices low 40 20 30min 4
prices central 60 40 60min 10
prices high 100 80 120min 40

# 4i. Staffing by hour: the fewest comprehensive windows per half hour of S3
# that keep the 90th-percentile wait at 15 minutes (procsim staff).
"$P" staff s3-after.yaml -q --pool comprehensive --target "wait_p90_min<=15" --interval 30min --out "$OUT/staff-s3" > "$OUT/staff-s3.txt"

# 5. Paste the generated tables into the README between the markers.
{
  echo "### Every stage against S0 (10 replications, paired 95% intervals of the change)"
  echo; cat "$OUT/compare.md"; echo
  echo "Each cell: the design's mean, then its change against S0 with the 95% interval of the change; ▲ a significant improvement, ▼ a significant worsening."
  echo
  echo "Targets (each with its source in the scenario files): [results/check.txt](results/check.txt)."
  echo
  echo '```'; cat "$OUT/check.txt"; echo '```'
  echo
  echo "### What each lever did"
  for s in s1-run-once s2-one-thing s3-after; do
    echo; echo "**$s.yaml** against the file it extends ([full table](results/explain-$s.txt), [charts](results/explain-$s/charts/)):"; echo
    cat "$OUT/explain-$s.md"
  done
  echo
  echo "Each cell: the lever's Shapley contribution to the stage's change, ± its 95% interval (paired over replications)."
  echo
  echo "### Per process and per department"
  echo; cat "$OUT/processes.md"; echo; cat "$OUT/departments.md"; echo
  echo "### The morning queue"
  echo; cat "$OUT/nine-oclock.txt"; echo; cat "$OUT/queue-by-hour.md"; echo
  echo '![Queue by hour in S0](results/s0-run/charts/queue_by_hour.png)'
  echo
  echo "### Sensitivity"
  for n in sentback-s0 returns-s0 patience-s0 profile-s0 online-s3 sentback-s3 prices-low prices-central prices-high; do
    echo; echo "**$n**:"; echo; cat "$OUT/sensitivity-$n.md"
  done
  for f in sweep-daily-s0-before sweep-daily-s3-after sweep-windows sweep-windows-generalist; do
    echo; echo "**$f**:"; echo; echo '```'; cat "$OUT/$f.txt"; echo '```'
  done
  echo
  echo "### Staffing the comprehensive windows by hour"
  echo
  echo "S3 keeps 36 comprehensive windows open all day. \`procsim staff\` (the iterative staffing algorithm) finds the fewest windows per half hour that keep each half hour's 90th-percentile wait at 15 minutes, and the constant staffing that meets the same target ([staffing page](results/staff-s3/staffing.html), [staffed scenario](results/staff-s3/staffed.yaml)):"
  echo; echo '```'; cat "$OUT/staff-s3.txt"; echo '```'
  echo
  echo "Full report of the comparison: [results/compare/report.html](results/compare/report.html)."
} > "$TMP/results.md"
awk -v f="$TMP/results.md" '
  /<!-- RESULTS -->/ { print; while ((getline line < f) > 0) print line; skip = 1; next }
  /<!-- \/RESULTS -->/ { skip = 0 }
  !skip { print }
' README.md > "$TMP/README.md"
grep -q '<!-- /RESULTS -->' "$TMP/README.md" || { echo "README.md needs a <!-- /RESULTS --> marker" >&2; exit 1; }
cp "$TMP/README.md" README.md
echo "updated scenarios/changsha/README.md and scenarios/changsha/results/"
