"""run, compare, explain, validate: the Rust library's results as pandas
DataFrames. The Rust side writes what the command line writes (files,
CSV and JSON text); this module reads them into long-form tables."""

import functools
import io
import json
import os
import tempfile
import warnings

import pandas as pd

from . import _native

# Columns that hold names, read as text even when a name looks like a
# number or like pandas' missing-value words ("NA").
_TEXT = ["scenario", "level", "name", "kpi", "unit", "pool", "process", "baseline", "design"]


def _read_csv(source):
    """A procsim CSV: empty cells missing, names as text ("" where empty)."""
    df = pd.read_csv(source, keep_default_na=False, na_values=[""], dtype={c: str for c in _TEXT})
    for c in _TEXT:
        if c in df.columns:
            df[c] = df[c].fillna("")
    return df


def _source(scenario):
    """(path, yaml) for the native functions: a file, or YAML text (a
    string with a line break, or with a colon that names no file)."""
    if isinstance(scenario, os.PathLike):
        return os.fspath(scenario), None
    if not isinstance(scenario, str):
        raise TypeError(f"a scenario is a file path or YAML text, not {type(scenario).__name__}")
    if "\n" in scenario or (":" in scenario and not os.path.exists(scenario)):
        return None, scenario
    return scenario, None


def _warn(messages):
    for m in messages:
        warnings.warn(m, RuntimeWarning, stacklevel=3)


def split_key(key):
    """A dotted KPI key as (level, name, kpi): ``pools.hall.utilization``
    is ``("pool", "hall", "utilization")``, ``wait_min`` is
    ``("scenario", "", "wait_min")`` (the library's ``kpi::split_key``)."""
    for prefix, level in (("pools.", "pool"), ("processes.", "process")):
        if key.startswith(prefix):
            name, kpi = key[len(prefix):].rsplit(".", 1)
            return level, name, kpi
    return "scenario", "", key[len("kpis."):] if key.startswith("kpis.") else key


def kpis():
    """The KPI registry: one row per KPI with its ``level``, ``kpi`` key,
    ``unit``, ``better`` direction (lower, higher, neutral), ``label``,
    ``definition`` and ``costs_only`` (measured only for a scenario with
    ``costs:``)."""
    return pd.DataFrame(
        _native.kpis(),
        columns=["level", "kpi", "unit", "better", "label", "definition", "costs_only"],
    )


def _units():
    return {(level, kpi): unit for level, kpi, unit, *_ in _native.kpis()}


def _split_column(df, column):
    """Inserts level, name and kpi (from a dotted key column) and the unit."""
    parts = {k: split_key(k) for k in df[column].unique()}
    units = _units()
    at = df.columns.get_loc(column)
    df.insert(at, "level", df[column].map(lambda k: parts[k][0]))
    df.insert(at + 1, "name", df[column].map(lambda k: parts[k][1]))
    df.insert(at + 2, "kpi_", df[column].map(lambda k: parts[k][2]))
    df.insert(at + 3, "unit", [units.get((parts[k][0], parts[k][2]), "") for k in df[column]])
    return df


def validate(scenario):
    """Checks a scenario (a file path or YAML text) without running it.

    Raises :class:`procsim.ScenarioError` listing every problem, each with
    file, line, column, key path and message. Warns (``RuntimeWarning``)
    about pools whose offered load exceeds their capacity.
    """
    path, yaml = _source(scenario)
    _warn(_native.validate(path=path, yaml=yaml))


class Result:
    """The result of :func:`run`.

    Attributes (pandas DataFrames, columns as in ``docs/files.md``):

    - ``summary``: ``summary.csv``, one row per KPI (scenario, level, name,
      kpi, unit, mean, ci95, min, max);
    - ``replications``: one row per replication and KPI (scenario,
      replication, level, name, kpi, unit, value): ``replications.csv`` in
      long form;
    - ``hourly``: ``hourly.csv``, per pool and hour of the day;
    - ``cases``: ``cases.csv``, one row per case;
    - ``events``: ``events.csv`` (with ``events=True``; else None).

    ``info`` holds the program version, scenario name, file, seed and
    number of replications; ``directory`` the files when ``out`` was given.
    ``cases`` and ``events`` are read when first used (a long run has
    millions of cases); until then the files wait in ``out`` or in a
    temporary directory that goes with this object.
    """

    def __init__(self, directory, events, temporary=None):
        self._dir = directory
        self._events = events
        self._temporary = temporary
        self.directory = None if temporary else directory

        def path(name):
            return os.path.join(directory, name)

        with open(path("summary.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.info = {k: doc[k] for k in ("procsim", "scenario", "file", "seed", "replications")}
        self.summary = _read_csv(path("summary.csv"))
        wide = _read_csv(path("replications.csv"))
        long = wide.melt(id_vars="replication", var_name="key", value_name="value")
        long = _split_column(long, "key").drop(columns="key").rename(columns={"kpi_": "kpi"})
        long.insert(0, "scenario", self.info["scenario"])
        self.replications = long[
            ["scenario", "replication", "level", "name", "kpi", "unit", "value"]
        ].astype({"value": float})
        self.hourly = _read_csv(path("hourly.csv"))

    @functools.cached_property
    def cases(self):
        """``cases.csv``: one row per case (warm-up cases too, ``counted`` False)."""
        return _read_csv(os.path.join(self._dir, "cases.csv"))

    @functools.cached_property
    def events(self):
        """``events.csv`` when run with ``events=True``, else None."""
        return _read_csv(os.path.join(self._dir, "events.csv")) if self._events else None

    def get(self, key):
        """The summary row of a dotted KPI key (``wait_min``,
        ``pools.NAME.utilization``) as a dict: mean, ci95, min, max, unit."""
        level, name, kpi = split_key(key)
        s = self.summary
        rows = s[(s.level == level) & (s.name == name) & (s.kpi == kpi)]
        if rows.empty:
            raise KeyError(key)
        return rows.iloc[0][["mean", "ci95", "min", "max", "unit"]].to_dict()

    def __repr__(self):
        i = self.info
        return f"<procsim.Result {i['scenario']!r}: {i['replications']} replications, seed {i['seed']}>"


def run(scenario, reps=None, seed=None, threads=None, events=False, out=None):
    """Simulates a scenario: a file path, or YAML text.

    ``reps`` and ``seed`` override the file's ``replications`` and
    ``seed``; ``threads`` is the number of worker threads (default: all
    cores; results are identical for any number). ``events=True`` also
    gives the event log. ``out`` keeps the files (those of
    ``procsim run --out DIR``) in that directory; by default they go to a
    temporary one, removed once read.

    Raises :class:`procsim.ScenarioError` for a file that does not
    validate, ``RuntimeError`` when the run cannot be done (for example a
    design found overloaded).
    """
    path, yaml = _source(scenario)
    temporary = tempfile.TemporaryDirectory(prefix="procsim-") if out is None else None
    directory = temporary.name if temporary else os.fspath(out)
    os.makedirs(directory, exist_ok=True)
    warned = _native.run(
        directory, path=path, yaml=yaml, reps=reps, seed=seed, threads=threads, events=events
    )
    _warn(warned)
    return Result(directory, events, temporary)


def _summary_frame(doc):
    """A summary (as in ``summary.json``) as the rows of ``summary.csv``."""
    units = _units()
    one = doc["replications"] < 2
    rows = []
    sections = [("scenario", "", doc["kpis"])]
    sections += [("pool", n, k) for n, k in doc["pools"].items()]
    sections += [("process", n, k) for n, k in doc["processes"].items()]
    for level, name, entries in sections:
        for kpi, e in entries.items():
            e = e or {}
            rows.append(
                [doc["scenario"], level, name, kpi, units.get((level, kpi), ""),
                 e.get("mean"), None if one else e.get("ci95"), e.get("min"), e.get("max")]
            )
    columns = ["scenario", "level", "name", "kpi", "unit", "mean", "ci95", "min", "max"]
    return pd.DataFrame(rows, columns=columns).astype(
        {c: float for c in ("mean", "ci95", "min", "max")}
    )


class Comparison:
    """The result of :func:`compare`.

    - ``table``: one row per design and KPI: baseline, design, key (the
      dotted KPI key), level, name, kpi, unit, before, after, diff,
      diff_ci95, change_pct, p_value, p_adjusted, significant, paired,
      verdict (``better``, ``worse``, ``changed``, ``same``); the columns
      of ``comparison.csv`` plus the key split;
    - ``summary``: every scenario's summary (as :attr:`Result.summary`),
      baseline first;
    - ``json``: the whole comparison as ``procsim compare --json`` prints it.
    """

    def __init__(self, doc, csv):
        self.json = doc
        table = _read_csv(io.StringIO(csv)).rename(columns={"kpi": "key"})
        table = _split_column(table, "key").rename(columns={"kpi_": "kpi"})
        keys = [k for design in doc["designs"] for k in design["vs_baseline"]]
        if keys != list(table["key"]):
            raise RuntimeError("comparison.csv and the comparison JSON disagree on their rows")
        # comparison.csv carries both p-values (empty where there is none).
        self.table = table.astype({"p_value": float, "p_adjusted": float})
        summaries = [doc["baseline"]] + [d["summary"] for d in doc["designs"]]
        self.summary = pd.concat([_summary_frame(s) for s in summaries], ignore_index=True)

    def __repr__(self):
        names = [self.json["baseline"]["scenario"]] + [d["summary"]["scenario"] for d in self.json["designs"]]
        return f"<procsim.Comparison {' vs '.join(repr(n) for n in names)}>"


def compare(before, after, reps=None, seed=None, threads=None, adjust="holm", headline_family=False):
    """Runs a baseline (``before``) and one design or a list of designs
    (``after``), each a file path or YAML text, and tests every KPI's
    change, as ``procsim compare`` does.

    Runs with the same seed and replications are paired (common random
    numbers: replication i of each sees the same citizens), else Welch's
    interval is used. p-values are adjusted over each design's KPIs by
    ``adjust``: ``holm`` (default), ``bh`` (Benjamini-Hochberg) or
    ``none``. Returns a :class:`Comparison`.
    """
    designs = [after] if isinstance(after, (str, os.PathLike)) else list(after)
    sources = [_source(s) for s in [before, *designs]]
    doc, csv, warned = _native.compare(
        sources, reps=reps, seed=seed, threads=threads, adjust=adjust, headline_family=headline_family
    )
    _warn(warned)
    return Comparison(json.loads(doc), csv)


def explain(after, before=None, kpis=None, reps=None, seed=None, threads=None, samples=None):
    """Splits a design's change into its levers' Shapley contributions, as
    ``procsim explain`` does: ``after`` is a file with ``levers:``, or one
    that ``extends:`` a base (or is compared with ``before``).

    Returns a DataFrame with the rows of ``explain.csv`` (kpi, kind,
    lever, mean, ci95, share, alone, alone_ci95, sampling_ci95,
    replications); ``kind`` is ``contribution``, ``total`` or
    ``interaction``. ``kpis`` defaults to the headline KPIs.
    """
    _, csv = _native.explain(
        os.fspath(after),
        before=None if before is None else os.fspath(before),
        kpis=list(kpis or []),
        reps=reps,
        seed=seed,
        threads=threads,
        samples=samples,
    )
    return _read_csv(io.StringIO(csv))
