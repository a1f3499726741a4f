#!/usr/bin/env bash
# The Python package in CI: builds the wheel with maturin, installs it into
# a fresh virtual environment with pandas, pytest, matplotlib and a notebook
# runner, then runs the package's tests, the README's one-liner, the
# example script and the example notebook. Every step must work: if the
# package index cannot be reached, this fails (it never skips).
#   python/ci.sh            (from anywhere)
# Measured on the 2-core machine shared with other builds: 200 s after
# .ci/run's cargo builds with pyo3 already compiled (90 s of it installing
# the test environment), about 3.5 min more to compile pyo3 and the
# bindings the first time; 11 min from a cold target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { echo "== python: $* (at ${SECONDS}s)"; }
# The root crate's target directory: after .ci/run's cargo builds, only
# pyo3 and the bindings are left to compile (python/Cargo.toml has the
# root's release profile for this).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

step "build environment (maturin)"
"$PY" -m venv "$WORK/build"
"$WORK/build/bin/pip" install -q --disable-pip-version-check "maturin>=1.5,<2" \
  || { echo "error: could not install maturin from the package index" >&2; exit 1; }

step "maturin build --release"
"$WORK/build/bin/maturin" build --release --strip -q -m python/Cargo.toml -i "$WORK/build/bin/python" --out "$WORK/wheels"
WHEEL=$(ls "$WORK"/wheels/procsim_hall-*.whl)
echo "wheel: $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB)"

step "fresh environment: the wheel, pandas, pytest, matplotlib, nbclient"
"$PY" -m venv "$WORK/test"
T="$WORK/test/bin"
"$T/pip" install -q --disable-pip-version-check "$WHEEL" pytest matplotlib nbclient ipykernel \
  || { echo "error: could not install the wheel and its test tools from the package index" >&2; exit 1; }

step "import procsim (outside the source tree) and the README's one-liner"
(cd "$WORK" && "$T/python" -c "import procsim, sys; assert 'site-packages' in procsim.__file__, procsim.__file__")
"$T/python" -c "import procsim; r = procsim.run('scenarios/textbook/mmc.yaml'); print(r.summary.head())"

step "pytest python/tests"
# The installed package, not the sources beside the tests: --import-mode=importlib
# keeps python/ off sys.path; PATH gives the installed `procsim` command.
PATH="$T:$PATH" "$T/python" -m pytest -q -p no:cacheprovider --import-mode=importlib python/tests

step "examples/before_after.py"
MPLBACKEND=Agg "$T/python" examples/before_after.py "$WORK"
test -s "$WORK/before_after.png"

step "examples/before_after.ipynb (executed)"
"$T/python" - <<'PYEOF'
import json
import nbclient
import nbformat

nb = nbformat.read("examples/before_after.ipynb", as_version=4)
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
assert images, "the notebook drew no chart"
print(f"notebook ran: {len(nb.cells)} cells, {len(images)} chart(s)")
PYEOF
echo "== python: done in ${SECONDS}s"
