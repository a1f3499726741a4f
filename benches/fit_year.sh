#!/bin/sh
# Times `procsim fit` on a year of a 50-window hall (about 2 million
# tickets): the log is written once by the scenario
# scenarios/bench/fit-year.yaml, then fitted with and without the
# validation by simulation. Usage: benches/fit_year.sh [WORKDIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/procsim-fit-bench}
bin="$here/target/release/procsim"
cargo build --release --manifest-path "$here/Cargo.toml" >/dev/null
mkdir -p "$work"
if [ ! -f "$work/sim/tickets.csv" ]; then
    "$bin" run "$here/scenarios/bench/fit-year.yaml" --out "$work/sim" --log tickets -q --threads 1 >/dev/null
fi
echo "log: $(($(wc -l <"$work/sim/tickets.csv") - 1)) tickets, $(du -h "$work/sim/tickets.csv" | cut -f1)"
echo "fit --no-validate:"
/usr/bin/time -f "  %e s wall, %U s user, %M KB max resident" "$bin" fit "$work/sim/tickets.csv" --out "$work/fit" --no-validate -q >/dev/null
echo "fit (with validation, 10 replications of the year):"
/usr/bin/time -f "  %e s wall, %U s user, %M KB max resident" "$bin" fit "$work/sim/tickets.csv" --out "$work/fit-validated" -q >/dev/null
