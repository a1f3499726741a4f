# %% [markdown]
# # A before/after study with procsim and pandas
#
# A city hall's permit office: citizens take a number and queue for one of
# three windows; a quarter of the files are sent back for missing
# documents, and the citizen comes back a few days later. The reform
# publishes a checklist (fewer files sent back) and opens a fourth
# window. Did the wait fall, and by how much?
#
# Install: `pip install procsim-hall pandas matplotlib`. Run as a script
# (`python examples/before_after.py [OUT_DIR]`) or as the notebook
# `examples/before_after.ipynb` (the same cells).

# %%
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt  # without a display, matplotlib draws to files only
import pandas as pd

import procsim

out = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else Path(tempfile.mkdtemp())

BEFORE = """
name: Permit office, before
seed: 11
replications: 10
horizon: 25d
warmup: 5d
calendar:
  start: 2025-03-03
  hours: ["09:00-12:00", "13:30-17:00"]
pools:
  windows: {servers: 3}
  back_office: {servers: 2}
processes:
  permit:
    steps:
      - {id: intake, serve: windows, time: {lognormal: {mean: 12min, sd: 5min}}}
      - {id: check, work: back_office, time: {exp: 5min}}
      - {id: sent_back, rework: {p: 0.25, to: intake, after: {uniform: {min: 1d, max: 4d}}}}
arrivals:
  - {name: citizens, daily: 60, profile: {"09:00": 1.6, "13:30": 1.0}, process: permit}
"""

# The reform as changes to the same file: the checklist, and a fourth window.
AFTER = (
    BEFORE.replace("Permit office, before", "Permit office, after")
    .replace("rework: {p: 0.25", "rework: {p: 0.08")
    .replace("windows: {servers: 3}", "windows: {servers: 4}")
)

# %% [markdown]
# ## Check the files, then run both designs
#
# `procsim.validate` raises `procsim.ScenarioError` with the file, line and
# column of each problem. `procsim.compare` runs both with the same seed
# and replications, so replication *i* of each sees the same citizens
# (common random numbers) and the intervals of the changes are paired.

# %%
for scenario in (BEFORE, AFTER):
    procsim.validate(scenario)

comparison = procsim.compare(BEFORE, AFTER)
headline = ["wait_min", "wait_p90_min", "visits", "lead_time_wd"]
table = comparison.table.set_index("key").loc[headline]
print(table[["before", "after", "diff", "diff_ci95", "change_pct", "p_adjusted", "verdict"]].round(3))

# %% [markdown]
# ## The queue over the day
#
# `procsim.run` gives each design's files as DataFrames in long form:
# `summary`, `replications`, `hourly` and `cases`. Same seed, same
# citizens: the runs are those of the comparison.

# %%
runs = {name: procsim.run(s) for name, s in (("before", BEFORE), ("after", AFTER))}
hourly = pd.concat(
    [r.hourly[r.hourly.pool == "windows"].assign(design=name) for name, r in runs.items()]
)
profile = hourly.pivot(index="hour", columns="design", values="queue_mean_open").loc[9:16]
print(profile.round(2))

# Each replication's mean wait, before against after (paired).
reps = pd.concat([r.replications.assign(design=name) for name, r in runs.items()])
wait = reps[(reps.level == "scenario") & (reps.kpi == "wait_min")]
paired = wait.pivot(index="replication", columns="design", values="value")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
profile[["before", "after"]].plot(ax=left, marker="o")
left.set(title="Citizens waiting at the windows, open hours", xlabel="hour of day", ylabel="mean number waiting")
change = table["change_pct"]
half = 100 * table["diff_ci95"] / table["before"]
# A fall cannot exceed 100%: the interval stops there.
right.barh(range(len(change)), change, xerr=[half.clip(upper=100 + change), half], color=["tab:green" if v == "better" else "tab:grey" for v in table.verdict], capsize=4)
labels = procsim.kpis().query("level == 'scenario'").set_index("kpi").label
right.set_yticks(range(len(change)), [labels[k] for k in change.index])
right.axvline(0, color="black", linewidth=0.8)
right.set(title="Change after the reform (95% interval)", xlabel="% of before")
fig.tight_layout()
chart = out / "before_after.png"
fig.savefig(chart, dpi=100)
print(f"chart: {chart}")

# %% [markdown]
# ## What the study shows
#
# The checks below are what this example promises; CI runs the script and
# fails if one no longer holds.

# %%
wait_row = table.loc["wait_min"]
assert wait_row.verdict == "better" and wait_row.paired, wait_row
assert (paired["after"] < paired["before"]).all(), "the wait fell in every replication"
# Sent back with probability p at each visit: 1/(1 - p) visits on average.
assert abs(table.loc["visits", "before"] - 1 / 0.75) < 0.02 and abs(table.loc["visits", "after"] - 1 / 0.92) < 0.02
# The runs are those of the comparison (comparison.csv keeps 12 digits).
assert abs(runs["before"].get("wait_min")["mean"] - wait_row.before) < 1e-9 * wait_row.before
print(
    f"mean wait {wait_row.before:.1f} -> {wait_row.after:.1f} min "
    f"({wait_row.change_pct:+.0f}%, paired 95% interval ± {wait_row.diff_ci95:.1f} min)"
)
