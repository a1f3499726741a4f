#!/usr/bin/env bash
# Whole-process wall time of procsim against the bare Rust event loop
# (shared/bench/rust-ref) and, with PEERS=1, SimPy/Ciw/Salabim, on the three
# peer models. Median of RUNS runs (default 5). Prints a Markdown table.
#
#   benches/compare_peers.sh                 # procsim and rust-ref
#   PEERS=1 benches/compare_peers.sh         # also the Python peers (slow: ~15 min)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BENCH=${BENCH:-../shared/bench}
cargo build --release -q
PROCSIM=target/release/procsim

calc() { awk "BEGIN { print $* }"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
wall() { # command... -> seconds
  local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); calc "$e - $s"
}

declare -A N=([mmc]=1000000 [tandem]=100000 [hall]=100000)
have_ref=0
if [ -d "$BENCH/rust-ref" ]; then
  CARGO_TARGET_DIR=${CARGO_TARGET_DIR_REF:-/tmp/procsim-rust-ref-target} \
    cargo build --release --locked -q --manifest-path "$BENCH/rust-ref/Cargo.toml" && have_ref=1
  REF=${CARGO_TARGET_DIR_REF:-/tmp/procsim-rust-ref-target}/release/rust-ref
fi
PY=""
if [ "${PEERS:-0}" = 1 ] && [ -d "$BENCH/peers" ]; then
  VENV=${VENV:-/tmp/procsim-peers-venv}
  [ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -r "$BENCH/peers/requirements.txt"; }
  PY="$VENV/bin/python"
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo
echo "| model | tool | N | wall s (median of $RUNS) | customers/s | speed relative to rust-ref |"
echo "|---|---|---:|---:|---:|---:|"
for m in mmc tandem hall; do
  n=${N[$m]}
  p=$(for i in $(seq "$RUNS"); do wall "$PROCSIM" run "scenarios/bench/$m.yaml" -q --threads 1; done | median)
  if [ $have_ref = 1 ]; then
    r=$(for i in $(seq "$RUNS"); do wall "$REF" "$m" "$n" 1; done | median)
    echo "| $m | rust-ref (bare loop) | $n | $(printf %.3f "$r") | $(printf %.0f "$(calc "$n / $r")") | 1 |"
  fi
  ratio=""; [ $have_ref = 1 ] && ratio=$(printf %.2f "$(calc "$r / $p")")
  echo "| $m | procsim (all KPIs) | ~$n | $(printf %.3f "$p") | $(printf %.0f "$(calc "$n / $p")") | $ratio |"
  if [ -n "$PY" ]; then
    for tool in simpy ciw; do
      t=$(for i in $(seq "$RUNS"); do wall "$PY" "$BENCH/peers/${tool}_models.py" "$m" -n "$n"; done | median)
      echo "| $m | $tool | $n | $(printf %.3f "$t") | $(printf %.0f "$(calc "$n / $t")") | $(printf %.4f "$(calc "$r / $t")") |"
    done
  fi
done
