"""The example notebook is the example script, cell for cell."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("notebook", Path(__file__).resolve().parents[1] / "notebook.py")
notebook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebook)


def test_the_notebook_is_written_from_the_script():
    script = notebook.SCRIPT.read_text(encoding="utf-8")
    assert notebook.NOTEBOOK.read_text(encoding="utf-8") == notebook.notebook(script), (
        "examples/before_after.ipynb is stale: run python python/notebook.py"
    )
    kinds = [k for k, _ in notebook.cells(script)]
    assert kinds.count("code") >= 4 and kinds[0] == "markdown"
