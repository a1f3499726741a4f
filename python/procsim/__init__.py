"""procsim: discrete-event simulation of government service halls.

Run a scenario (a YAML file, or YAML text) and get its KPIs, with 95%
confidence intervals over the replications, as pandas DataFrames in long
("tidy") form::

    import procsim
    r = procsim.run("scenarios/textbook/mmc.yaml", reps=20)
    r.summary[r.summary.kpi == "wait_min"]

- :func:`run` simulates one scenario (:class:`Result`: ``summary``,
  ``replications``, ``hourly``, ``cases``, ``events``);
- :func:`compare` runs a baseline and designs, paired by common random
  numbers, and tests every KPI's change (:class:`Comparison`);
- :func:`explain` splits a design's change into its levers' contributions;
- :func:`validate` checks a file and raises :class:`ScenarioError` with
  the file, line, column and message of each problem;
- :func:`kpis` is the KPI registry (key, unit, better direction, definition).

The simulation runs in Rust with the GIL released, on all cores unless
``threads`` says otherwise; results are the same for any thread count.
The file format and every column are described in the repository's
``docs/format.md`` and ``docs/files.md``.
"""

from ._api import Comparison, Result, compare, explain, kpis, run, validate
from ._errors import Problem, ScenarioError
from ._native import __version__

__all__ = [
    "Comparison",
    "Problem",
    "Result",
    "ScenarioError",
    "compare",
    "explain",
    "kpis",
    "run",
    "validate",
    "__version__",
]
