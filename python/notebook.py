"""Writes examples/before_after.ipynb from examples/before_after.py.

The script is the source: its cells are marked `# %%` (code) and
`# %% [markdown]` (text, each line a `# ` comment), the "percent" format
that Jupyter's jupytext, VS Code and Spyder read. A test
(`tests/test_example.py`) fails when the notebook is not what this
writes, so the two cannot drift apart:

    python python/notebook.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "before_after.py"
NOTEBOOK = ROOT / "examples" / "before_after.ipynb"


def cells(script):
    """(kind, source) of each cell of a percent-format script."""
    out = []
    for chunk in script.split("# %%")[1:]:
        head, _, body = chunk.partition("\n")
        if head.strip() == "[markdown]":
            lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.strip().splitlines()]
            out.append(("markdown", "\n".join(lines)))
        else:
            out.append(("code", body.strip()))
    return out


def notebook(script):
    """The notebook's JSON text (no outputs: CI runs it)."""
    def cell(i, kind, source):
        c = {"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            c.update(execution_count=None, outputs=[])
        return c

    nb = {
        "cells": [cell(i, k, s) for i, (k, s) in enumerate(cells(script))],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    NOTEBOOK.write_text(notebook(SCRIPT.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {NOTEBOOK}", file=sys.stderr)
