"""The Python package against theory and against its own files.

Tolerances: a 95% half-width (ci95) is about 1.96 standard errors of the
mean over replications; twice it is about 3.9 standard errors, which a
correct simulation exceeds with probability 1e-4. The seeds are fixed, so
each test passes or fails the same way every time; the bound is there to
say how far off a correct result can be, and to fail a wrong one.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import procsim
from procsim import _native

ROOT = Path(__file__).resolve().parents[2]

# M/M/1 at λ = 0.5/min, mean service 1 min (ρ = 0.5): Wq = ρ/(μ − λ) = 1 min,
# utilization 0.5. About 10,000 customers per replication.
MM1 = """
name: SERVERS windows
seed: 3
replications: 10
horizon: 15d
warmup: 1d
pools: {window: {servers: SERVERS}}
processes:
  visit: {steps: [{id: service, serve: window, time: {exp: 1min}}]}
arrivals: [{name: walk_ins, rate: 0.5/min, process: visit}]
"""


def mm(servers):
    return MM1.replace("SERVERS", str(servers))


@pytest.fixture(scope="module")
def mm1():
    return procsim.run(mm(1))


def test_mm1_mean_wait_and_utilization_match_theory(mm1):
    wait = mm1.get("wait_min")
    assert wait["unit"] == "min"
    # The interval must be narrow enough for the comparison to mean something.
    assert 0 < wait["ci95"] < 0.1
    assert abs(wait["mean"] - 1.0) <= 2 * wait["ci95"]
    util = mm1.get("pools.window.utilization")
    assert abs(util["mean"] - 0.5) <= 2 * util["ci95"]
    assert util["unit"] == ""


def test_summary_is_long_with_one_row_per_kpi(mm1):
    s = mm1.summary
    assert list(s.columns) == ["scenario", "level", "name", "kpi", "unit", "mean", "ci95", "min", "max"]
    assert set(s.level) == {"scenario", "pool", "process"}
    assert set(s[s.level == "pool"].name) == {"window"}
    assert set(s[s.level == "scenario"].name) == {""}
    # Every dotted key once: the registry's KPIs at each level.
    registry = procsim.kpis()
    measured = registry[~registry.costs_only]
    for level, n in measured.level.value_counts().items():
        assert (s.level == level).sum() == n, level
    assert not s.duplicated(["level", "name", "kpi"]).any()


def test_replications_long_form_agrees_with_summary_and_cases(mm1):
    reps = mm1.replications
    assert list(reps.columns) == ["scenario", "replication", "level", "name", "kpi", "unit", "value"]
    wait = reps[(reps.level == "scenario") & (reps.kpi == "wait_min")]
    assert list(wait.replication) == list(range(10))
    assert wait.unit.unique().tolist() == ["min"]
    # The summary's mean is the mean of the replication values.
    assert wait.value.mean() == pytest.approx(mm1.get("wait_min")["mean"], rel=1e-12)
    # Recomputed from cases.csv: the mean wait of each replication's counted
    # cases (one serve step, nobody leaves: served = completed). cases.csv
    # rounds to 3 decimals, so the means agree to 5e-4.
    cases = mm1.cases
    counted = cases[cases.counted & (cases.outcome == "completed")]
    per_rep = counted.groupby("replication").wait_min.mean()
    assert per_rep.values == pytest.approx(wait.value.values, abs=5e-4)


def test_hourly_has_24_rows_per_pool(mm1):
    h = mm1.hourly
    assert len(h) == 24 and set(h.pool) == {"window"}
    # Open around the clock at load 0.5: every hour's utilization near 0.5
    # (about 9,000 service-minutes an hour over 140 days: well within 0.05).
    assert h.utilization.between(0.45, 0.55).all()


def test_events_have_replication_and_case_columns(tmp_path):
    r = procsim.run(mm(1), reps=2, events=True, out=tmp_path / "out")
    ev = r.events
    for c in ["case:concept:name", "replication", "case", "concept:name", "time:timestamp"]:
        assert c in ev.columns
    assert (ev["case:concept:name"] == ev.replication.astype(str) + "-" + ev.case.astype(str)).all()
    # The same cases as cases.csv (counted ones).
    counted = r.cases[r.cases.counted]
    assert set(zip(ev.replication, ev.case)) == set(zip(counted.replication, counted.case))
    assert (tmp_path / "out" / "summary.csv").is_file()
    assert r.directory == str(tmp_path / "out")


def test_reps_seed_and_threads():
    one = procsim.run(mm(1), reps=3, seed=9, threads=1)
    two = procsim.run(mm(1), reps=3, seed=9, threads=2)
    assert one.info["replications"] == 3 and one.info["seed"] == 9
    pd.testing.assert_frame_equal(one.summary, two.summary)
    other = procsim.run(mm(1), reps=3, seed=10)
    assert other.get("wait_min")["mean"] != one.get("wait_min")["mean"]


def test_a_file_path_runs_and_resolves_like_the_command():
    r = procsim.run(ROOT / "scenarios" / "textbook" / "mm1.yaml", reps=2)
    assert r.info["file"].endswith("mm1.yaml")
    assert r.info["replications"] == 2


def test_scenario_error_has_file_line_column_and_message():
    path = ROOT / "tests" / "fixtures" / "bad" / "horizon_zero.yaml"
    with pytest.raises(procsim.ScenarioError) as e:
        procsim.validate(path)
    err = e.value
    assert err.file == str(path)
    # `horizon: 0d` is line 2; the value starts at column 10.
    assert (err.line, err.column, err.path) == (2, 10, "horizon")
    assert "horizon" in str(err) and err.message in str(err)
    with pytest.raises(procsim.ScenarioError):
        procsim.run(path)


def test_every_problem_is_listed_with_its_place():
    broken = mm(1).replace("replications: 10", "replications: 0").replace("rate: 0.5/min", "rate: fast")
    with pytest.raises(procsim.ScenarioError) as e:
        procsim.validate(broken)
    problems = e.value.problems
    assert [p.path for p in problems] == ["replications", "arrivals[0].rate"]
    # Counted by hand in MM1: line 4 "replications: 0", line 10 "...rate: fast".
    assert [(p.line, p.column) for p in problems] == [(4, 15), (10, 35)]
    assert all(p.file == "<string>" for p in problems)
    assert isinstance(e.value, ValueError)


def test_a_missing_file_is_a_scenario_error():
    with pytest.raises(procsim.ScenarioError) as e:
        procsim.validate("no/such/file.yaml")
    assert e.value.file == "no/such/file.yaml" and e.value.line is None


def test_compare_pairs_and_tests_against_theory():
    c = procsim.compare(mm(1), mm(2))
    t = c.table.set_index("key")
    wait = t.loc["wait_min"]
    assert wait.paired and wait.verdict == "better" and wait.p_adjusted < 0.05
    # M/M/2 at λ = 0.5, μ = 1: Erlang C = 0.1, Wq = C/(2μ − λ) = 0.0667 min.
    s = c.summary[(c.summary.level == "scenario") & (c.summary.kpi == "wait_min")]
    assert list(s.scenario) == ["1 windows", "2 windows"]
    b, a = s.iloc[0], s.iloc[1]
    assert abs(b["mean"] - 1.0) <= 2 * b["ci95"]
    assert abs(a["mean"] - 1 / 15) <= 2 * a["ci95"]
    # Paired, every replication has a value: the mean difference is the difference of means.
    assert wait["diff"] == pytest.approx(a["mean"] - b["mean"], rel=1e-9)
    assert wait["before"] == pytest.approx(b["mean"]) and wait["after"] == pytest.approx(a["mean"])
    assert t.loc["pools.window.utilization"].level == "pool"
    assert t.loc["pools.window.utilization"]["name"] == "window"
    assert c.json["multiplicity"]["adjustment"] == "holm"


def test_compare_several_designs_and_adjustments():
    c = procsim.compare(mm(1), [mm(2), mm(3)], reps=4, adjust="none")
    assert c.table.groupby("key").size().max() == 2
    assert (c.table.p_adjusted.dropna() == c.table.p_value.dropna()).all()
    with pytest.raises(ValueError, match="holm, bh or none"):
        procsim.compare(mm(1), mm(2), adjust="bonferroni")


def test_explain_contributions_sum_to_the_total(tmp_path):
    (tmp_path / "base.yaml").write_text(mm(1))
    (tmp_path / "design.yaml").write_text(
        "extends: base.yaml\nname: two windows, faster service\n"
        "levers:\n"
        "  second_window: {pools: {window: {servers: 2}}}\n"
        "  faster: {processes: {visit: {steps: {service: {time: {exp: 0.8min}}}}}}\n"
    )
    x = procsim.explain(tmp_path / "design.yaml", kpis=["wait_min"], reps=4)
    contributions = x[x.kind == "contribution"]
    assert set(contributions.lever) == {"second_window", "faster"}
    total = x[x.kind == "total"]["mean"].item()
    # Shapley efficiency: the contributions add up to the total change.
    assert contributions["mean"].sum() == pytest.approx(total, rel=1e-9)
    assert total < 0


def test_explain_reports_levers_that_do_not_validate_alone_as_a_scenario_error(tmp_path):
    # `use_desk` sends citizens to a pool only `add_desk` defines: with one
    # lever and not the other the design does not validate. This was a
    # RuntimeError; like every scenario problem it is a ScenarioError.
    (tmp_path / "base.yaml").write_text(mm(1))
    (tmp_path / "design.yaml").write_text(
        "extends: base.yaml\nname: a desk\n"
        "levers:\n"
        "  add_desk: {pools: {desk: {servers: 2}}}\n"
        "  use_desk: {processes: {visit: {steps: {service: {serve: desk}}}}}\n"
    )
    with pytest.raises(procsim.ScenarioError, match="must go together") as e:
        procsim.explain(tmp_path / "design.yaml", kpis=["wait_min"], reps=2)
    assert "pool `desk` is not defined" in str(e.value)
    # Nothing to explain is the caller's mistake, not the scenario's: a
    # ValueError (it was a RuntimeError too).
    (tmp_path / "same.yaml").write_text("extends: base.yaml\nname: the same\n")
    with pytest.raises(ValueError, match="there are no levers") as e:
        procsim.explain(tmp_path / "same.yaml", kpis=["wait_min"], reps=2)
    assert not isinstance(e.value, procsim.ScenarioError)


def test_the_simulation_releases_the_gil(tmp_path):
    # While the native run works, this thread keeps counting: with the GIL
    # held for the whole run it could not run at all.
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (_native.run(str(tmp_path), yaml=mm(1), reps=10, threads=1), done.set())
    )
    worker.start()
    counted = 0
    while not done.is_set():
        counted += 1
    worker.join()
    assert counted > 100_000


def test_the_command_is_installed(tmp_path):
    exe = shutil.which("procsim")
    assert exe, "the procsim command is not on PATH"
    path = ROOT / "scenarios" / "textbook" / "mm1.yaml"
    out = subprocess.run([exe, "run", str(path), "--reps", "2", "--json", "-q"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["replications"] == 2
    bad = ROOT / "tests" / "fixtures" / "bad" / "horizon_zero.yaml"
    out = subprocess.run([sys.executable, "-m", "procsim", "validate", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    assert f"{bad}:2:10: horizon" in out.stderr


def test_ctrl_c_stops_a_run():
    # 43 million customers on one thread, tens of seconds at the engine's
    # speed (benches/README.md); SIGINT after 0.5 s must end it within a
    # few seconds, as a KeyboardInterrupt (Jupyter's "interrupt kernel").
    long = mm(1).replace("replications: 10", "replications: 1000").replace("horizon: 15d", "horizon: 60d")
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        procsim.run(long, threads=1)
    assert time.monotonic() - started < 5
