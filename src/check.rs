//! Checks of a run for CI (`procsim check`): each scenario's `targets:`
//! and, against a baseline summary, that no KPI got significantly worse
//! (Welch's t-test at 95%). Results are values; `report::check` renders
//! them as lines and JUnit XML.

use crate::kpi::{better, Better};
use crate::model::{Model, Target};
use crate::multiplicity::Adjustment;
use crate::stats::{welch, Estimate};
use crate::summary::Summary;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The outcome of one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// KPI key.
    pub kpi: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// The KPI across replications (`None`: no data).
    pub value: Option<Estimate>,
    /// Whether the mean is within the bounds (and, for a KPI measured over
    /// finished cases only, no case was left open).
    pub passed: bool,
    /// Why a target within its bounds still failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The comparison of one KPI with the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineResult {
    /// KPI key.
    pub kpi: String,
    /// Baseline estimate.
    pub before: Estimate,
    /// Current estimate.
    pub after: Estimate,
    /// Welch 95% half-width of the difference (unadjusted).
    pub diff_ci95: f64,
    /// Two-sided Welch p-value of the difference.
    pub p_value: f64,
    /// The p-value adjusted over the KPIs compared with the baseline.
    pub p_adjusted: f64,
    /// The adjusted p-value is below 0.05.
    pub significant: bool,
    /// Significantly worse, beyond the tolerance: fails the check.
    pub regressed: bool,
    /// Significantly better.
    pub improved: bool,
}

/// Everything `check` found for one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioCheck {
    /// Scenario name.
    pub scenario: String,
    /// File.
    pub file: String,
    /// Targets.
    pub targets: Vec<TargetResult>,
    /// Baseline comparisons (empty without a baseline).
    pub baseline: Vec<BaselineResult>,
    /// Baseline file used.
    pub baseline_file: Option<String>,
    /// Why the design is overloaded, when it is: one failed test, and no
    /// target or baseline tested (its results describe a run cut short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overloaded: Option<String>,
}

impl ScenarioCheck {
    /// Number of failed tests.
    pub fn failures(&self) -> usize {
        self.targets.iter().filter(|t| !t.passed).count()
            + self.baseline.iter().filter(|b| b.regressed).count()
            + usize::from(self.overloaded.is_some())
    }
    /// Number of tests.
    pub fn tests(&self) -> usize {
        self.targets.len() + self.baseline.len() + usize::from(self.overloaded.is_some())
    }

    /// The check of a design found overloaded (`why`, for people).
    pub fn overloaded(model: &Model, why: String) -> ScenarioCheck {
        ScenarioCheck {
            scenario: model.name.clone(),
            file: model.file.clone(),
            targets: Vec::new(),
            baseline: Vec::new(),
            baseline_file: None,
            overloaded: Some(why),
        }
    }
}

/// Tests targets (a model's, or a merged sweep point's) against a summary.
/// A target on a KPI measured over finished cases only fails while any
/// case was left open when the run stopped: the cases it leaves out are
/// the ones that waited longest.
pub fn check_targets(targets: &[Target], summary: &Summary) -> Vec<TargetResult> {
    let unfinished = summary
        .get("unfinished")
        .copied()
        .flatten()
        .map_or(0.0, |e| e.mean);
    targets
        .iter()
        .map(|t| {
            let value = summary.get(&t.kpi).copied().flatten();
            let within = match value {
                Some(e) => t.min.is_none_or(|m| e.mean >= m) && t.max.is_none_or(|m| e.mean <= m),
                None => false,
            };
            let leaves_out_open = unfinished > 0.0
                && crate::kpi::find(&t.kpi).is_some_and(|k| k.finished_only);
            let note = (within && leaves_out_open).then(|| {
                format!(
                    "{unfinished} cases per replication were still open when the run stopped, and `{}` leaves them out",
                    t.kpi
                )
            });
            TargetResult {
                kpi: t.kpi.clone(),
                min: t.min,
                max: t.max,
                value,
                passed: within && note.is_none(),
                note,
            }
        })
        .collect()
}

/// How much worsening a baseline check lets pass: a significant worsening
/// fails only when it exceeds both bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tolerance {
    /// Percent of the baseline mean (`--tolerance`).
    pub pct: f64,
    /// In the KPI's own unit (`--tolerance-abs`); the one bound that helps
    /// when a baseline mean is 0.
    pub abs: f64,
}

/// Compares every KPI with a better-direction against the baseline:
/// Welch p-values adjusted over those KPIs as `adjustment` says (a
/// regression must be significant after the adjustment).
pub fn check_baseline(
    current: &Summary,
    baseline: &Summary,
    tolerance: Tolerance,
    adjustment: Adjustment,
) -> Vec<BaselineResult> {
    let mut out = Vec::new();
    for (key, after) in current.entries() {
        if better(&key) == Better::Neutral {
            continue;
        }
        let (Some(after), Some(Some(before))) = (after, baseline.get(&key).copied()) else {
            continue;
        };
        let diff = after.mean - before.mean;
        let scale = welch(&before, baseline.replications, &after, current.replications);
        let p_value = scale.p_value(diff);
        out.push(BaselineResult {
            kpi: key,
            before,
            after,
            diff_ci95: scale.half_width(),
            p_value,
            p_adjusted: p_value,
            significant: false,
            regressed: false,
            improved: false,
        });
    }
    let p: Vec<f64> = out.iter().map(|r| r.p_value).collect();
    for (r, q) in out.iter_mut().zip(adjustment.adjust(&p)) {
        let diff = r.after.mean - r.before.mean;
        let worse = match better(&r.kpi) {
            Better::Lower => diff > 0.0,
            Better::Higher => diff < 0.0,
            Better::Neutral => false,
        };
        let beyond_tolerance =
            diff.abs() > tolerance.pct / 100.0 * r.before.mean.abs() && diff.abs() > tolerance.abs;
        r.p_adjusted = q;
        r.significant = q < 0.05 && diff != 0.0;
        r.regressed = r.significant && worse && beyond_tolerance;
        r.improved = r.significant && !worse;
    }
    out
}

/// Finds the baseline summary of `scenario`: the file itself, or the
/// summary in a directory whose `scenario` equals the name. Every file it
/// reads must be a summary, and the one it picks must be of this scenario:
/// a truncated file or a baseline of another scenario is an error, not a
/// check that silently tests nothing.
pub fn find_baseline(path: &Path, scenario: &str) -> Result<(Summary, String), BaselineError> {
    let read = |p: &Path| -> Result<Summary, BaselineError> {
        let text = std::fs::read_to_string(p).map_err(|e| BaselineError::Read {
            path: p.display().to_string(),
            source: e,
        })?;
        serde_json::from_str(&text).map_err(|e| BaselineError::NotASummary {
            path: p.display().to_string(),
            source: e,
        })
    };
    if path.is_file() {
        let summary = read(path)?;
        if summary.scenario != scenario {
            return Err(BaselineError::OtherScenario {
                path: path.display().to_string(),
                found: summary.scenario,
                expected: scenario.to_string(),
            });
        }
        return Ok((summary, path.display().to_string()));
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| BaselineError::Read {
        path: path.display().to_string(),
        source: e,
    })?;
    // Regular files only (`is_file` follows links): a FIFO or a link to a
    // device named `*.json` would block the read or feed it without end.
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            let s = p.join("summary.json");
            if s.is_file() {
                candidates.push(s);
            }
        } else if p.is_file() && p.extension().is_some_and(|x| x == "json") {
            candidates.push(p);
        }
    }
    candidates.sort();
    for c in candidates {
        let summary = read(&c)?;
        if summary.scenario == scenario {
            return Ok((summary, c.display().to_string()));
        }
    }
    Err(BaselineError::Missing {
        path: path.display().to_string(),
        scenario: scenario.to_string(),
    })
}

/// A baseline that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file or directory cannot be read.
    #[error("cannot read baseline {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No summary of the scenario in the baseline directory.
    #[error("no baseline for `{scenario}` in {path} (a summary.json whose `scenario` is `{scenario}`); run it with `procsim run SCENARIO --out DIR` into the baselines, or pass --allow-missing-baseline")]
    Missing {
        /// The baseline directory.
        path: String,
        /// The scenario's name.
        scenario: String,
    },
    /// The baseline file is of another scenario.
    #[error("baseline {path} is of scenario `{found}`, not `{expected}`; give this scenario's summary.json, or pass --allow-missing-baseline")]
    OtherScenario {
        /// The baseline file.
        path: String,
        /// The scenario it is of.
        found: String,
        /// The scenario checked.
        expected: String,
    },
    /// The file is not a summary.json.
    #[error("{path}: not a procsim summary.json: {source}")]
    NotASummary {
        /// The path.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
}

impl ScenarioCheck {
    /// Tests `model`'s targets against `summary` and, if given, the
    /// baseline (its summary and the file it came from), adjusting the
    /// baseline's p-values as `adjustment` says.
    pub fn new(
        model: &Model,
        summary: &Summary,
        baseline: Option<(Summary, String)>,
        tolerance: Tolerance,
        adjustment: Adjustment,
    ) -> ScenarioCheck {
        let (baseline, baseline_file) = match baseline {
            Some((before, file)) => (
                check_baseline(summary, &before, tolerance, adjustment),
                Some(file),
            ),
            None => (Vec::new(), None),
        };
        ScenarioCheck {
            scenario: model.name.clone(),
            file: model.file.clone(),
            targets: check_targets(&model.targets, summary),
            baseline,
            baseline_file,
            overloaded: None,
        }
    }
}
