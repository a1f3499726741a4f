//! Sweeps: run a scenario once per value of one parameter (same seed, so
//! every point sees the same citizens), and find the smallest value that
//! meets every target.
//!
//! A sharded sweep runs only its share of the sweep's (point, replication)
//! pairs (the rule is [`merge::sweep_shares`]) and gives a
//! [`SweepPartial`]; merging the shards' partials gives per-point
//! summaries, and from there the sharded and the whole sweep share one
//! path ([`Sweep::new`]), so their files and tables are the same bytes.

use crate::check::check_targets;
use crate::engine::EngineError;
use crate::merge::{self, MergedSweep, Partial, PointShare, SweepPartial};
use crate::model::{Model, Target};
use crate::scenario::ScenarioErrors;
use crate::simulate::{Run, RunData, RunSettings, Simulation, SimulationError};
use crate::stats::Estimate;
use crate::summary::Summary;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// One point of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// The value as written.
    pub value: String,
    /// Its number, when it is one (for charts and "smallest").
    pub number: Option<f64>,
    /// KPI estimates, in the order of [`Sweep::kpis`].
    pub kpis: Vec<Option<Estimate>>,
    /// Whether every target holds (None without targets; never for an
    /// overloaded point).
    pub meets_targets: Option<bool>,
    /// Why the design is overloaded at this value, when it is: the point
    /// has no KPIs and is never the smallest value meeting the targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overloaded: Option<String>,
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// Scenario name.
    pub scenario: String,
    /// The swept key.
    pub key: String,
    /// KPI keys tabulated.
    pub kpis: Vec<String>,
    /// Points in the order given.
    pub points: Vec<SweepPoint>,
    /// The smallest value meeting every target, if any.
    pub smallest_meeting_targets: Option<String>,
}

/// Why a sweep cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// `--set` is malformed.
    #[error("--set {set}: {message}")]
    Set {
        /// The text given.
        set: String,
        /// What is wrong.
        message: String,
    },
    /// The scenario file is not UTF-8.
    #[error("{file}: the file is not UTF-8 text")]
    NotUtf8 {
        /// The file.
        file: String,
    },
    /// A value makes the scenario invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioErrors),
    /// A `--kpi` key is unknown.
    #[error("--kpi: {0}")]
    Kpi(String),
}

/// Most values of one sweep: each is a model in memory and a run (a list
/// of 60,000 values once took 3.4 GB before the first run started).
pub const MAX_SWEEP_VALUES: usize = 1000;

/// Parses `KEY=V1,V2` or `KEY=A..B` (integers, step 1), at most
/// [`MAX_SWEEP_VALUES`] values.
pub fn parse_set(text: &str) -> Result<(String, Vec<String>), String> {
    let (key, values) = text
        .split_once('=')
        .ok_or("write --set KEY=V1,V2,... or KEY=A..B")?;
    let key = key.trim();
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    let values: Vec<String> = if let Some((a, b)) = values.split_once("..") {
        let a: i64 = a
            .trim()
            .parse()
            .map_err(|_| format!("`{a}` is not a whole number"))?;
        let b: i64 = b
            .trim()
            .parse()
            .map_err(|_| format!("`{b}` is not a whole number"))?;
        if b < a || b.abs_diff(a) >= MAX_SWEEP_VALUES as u64 {
            return Err(format!(
                "range {a}..{b} must go upwards and hold at most {MAX_SWEEP_VALUES} values"
            ));
        }
        (a..=b).map(|v| v.to_string()).collect()
    } else {
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .take(MAX_SWEEP_VALUES + 1)
            .collect();
        if values.len() > MAX_SWEEP_VALUES {
            return Err(format!(
                "a sweep holds at most {MAX_SWEEP_VALUES} values (each is a scenario in memory); split it into several sweeps"
            ));
        }
        values
    };
    if values.is_empty() {
        return Err("no values given".into());
    }
    Ok((key.to_string(), values))
}

fn leading_number(v: &str) -> Option<f64> {
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .unwrap_or(v.len());
    v[..end].parse().ok()
}

/// A sweep ready to run: one validated model per value, and the KPIs to tabulate.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The swept key.
    pub key: String,
    /// The values, as written.
    pub values: Vec<String>,
    /// The scenario with each value.
    pub models: Vec<Model>,
    /// KPI keys tabulated.
    pub kpis: Vec<String>,
}

/// Parses `set`, loads the scenario once per value and resolves the KPIs
/// to tabulate (`kpis`, or by default the mean and 90th percentile wait and
/// the targets' KPIs), all before any simulation.
pub fn plan(path: &Path, set: &str, kpis: &[String]) -> Result<SweepPlan, SetError> {
    let (key, values) = parse_set(set).map_err(|message| SetError::Set {
        set: set.to_string(),
        message,
    })?;
    // Read (with the bases it extends) as a scenario file is: bounded,
    // whatever the input.
    let design = crate::scenario::resolve(path)?;
    let mut models = Vec::new();
    for v in &values {
        models.push(design.model_with(&key, v)?);
    }
    let mut kpi_keys: Vec<String> = if kpis.is_empty() {
        let mut k: Vec<String> = vec!["wait_min".into(), "wait_p90_min".into()];
        for t in &models[0].targets {
            if !k.contains(&t.kpi) {
                k.push(t.kpi.clone());
            }
        }
        k
    } else {
        kpis.to_vec()
    };
    let pools: Vec<&str> = models[0].pools.iter().map(|p| p.name.as_str()).collect();
    let processes: Vec<&str> = models[0]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for k in &kpi_keys {
        crate::kpi::check_key(k, &pools, &processes, models[0].costs.is_some())
            .map_err(SetError::Kpi)?;
    }
    kpi_keys.dedup();
    Ok(SweepPlan {
        key,
        values,
        models,
        kpis: kpi_keys,
    })
}

impl SweepPlan {
    /// The progress label of point `i` (`pools.window.servers=11`).
    pub fn label(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i])
    }

    /// Runs every point with its settings (`settings[i]` for point i);
    /// `progress(point, replication)` is called as replications finish.
    pub fn run(
        &self,
        settings: &[RunSettings],
        progress: &(dyn Fn(usize, u32) + Sync),
        stop: &AtomicBool,
    ) -> Result<Sweep, SimulationError> {
        let mut points = Vec::new();
        for (i, (m, s)) in self.models.iter().zip(settings).enumerate() {
            let tick = |r| progress(i, r);
            let run = Simulation::new(m)
                .settings(s.clone())
                .progress(&tick)
                .stop(stop)
                .run();
            // Starting a capacity range too low is the usual use: an
            // overloaded value is a row of its own, and the sweep goes on.
            points.push(match overload_of(run)? {
                Ok(run) => point(&self.values[i], &self.kpis, &m.targets, &run.summary),
                Err(why) => overloaded_point(&self.values[i], self.kpis.len(), &m.targets, why),
            });
        }
        Ok(Sweep::new(
            &self.models[0].name,
            &self.key,
            &self.kpis,
            points,
        ))
    }

    /// Runs shard `shard` of the sweep's (point, replication) pairs and
    /// gives its partial result (`sweep-partial.json`), with the
    /// replications each point ran.
    pub(crate) fn run_share(
        &self,
        settings: &[RunSettings],
        shard: (u32, u32),
        progress: &(dyn Fn(usize, u32) + Sync),
        stop: &AtomicBool,
    ) -> Result<SweepPartial, SimulationError> {
        let replications: Vec<u32> = settings.iter().map(|s| s.replications).collect();
        let ranges = merge::sweep_shares(&replications, shard);
        let mut points = Vec::new();
        for (i, ((m, s), range)) in self.models.iter().zip(settings).zip(&ranges).enumerate() {
            let settings = RunSettings {
                only: Some(range.clone()),
                ..s.clone()
            };
            let empty = || Partial::new(m, &settings, &RunData::new(m.pools.len()), shard);
            let (part, overloaded) = if range.is_empty() {
                (empty(), None)
            } else {
                let tick = |r| progress(i, r);
                let run = Simulation::new(m)
                    .settings(settings.clone())
                    .progress(&tick)
                    .stop(stop)
                    .run();
                match overload_of(run)? {
                    // A sweep's outputs use only the summaries: leave out the
                    // histograms (100-200 kB a value on a city-hall scenario).
                    Ok(run) => (Partial::of(&run, shard).without_distributions(), None),
                    Err(why) => (empty(), Some(why)),
                }
            };
            points.push(PointShare {
                targets: m.targets.clone(),
                part,
                overloaded,
            });
        }
        Ok(SweepPartial {
            procsim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: self.models[0].name.clone(),
            file: self.models[0].file.clone(),
            key: self.key.clone(),
            values: self.values.clone(),
            kpis: self.kpis.clone(),
            shard,
            points,
        })
    }
}

/// One point of the sweep from its summary over all replications.
fn point(value: &str, kpis: &[String], targets: &[Target], summary: &Summary) -> SweepPoint {
    let results = check_targets(targets, summary);
    SweepPoint {
        value: value.to_string(),
        number: leading_number(value),
        kpis: kpis
            .iter()
            .map(|k| summary.get(k).copied().flatten())
            .collect(),
        meets_targets: (!results.is_empty()).then(|| results.iter().all(|t| t.passed)),
        overloaded: None,
    }
}

/// A run's outcome for a sweep: the run, or why the design is overloaded
/// (a row of its own); any other error stops the sweep.
fn overload_of(run: Result<Run, SimulationError>) -> Result<Result<Run, String>, SimulationError> {
    match run {
        Ok(run) => Ok(Ok(run)),
        Err(SimulationError::Overloaded(o)) => Ok(Err(o.to_string())),
        Err(SimulationError::Engine(
            e @ (EngineError::Overloaded { .. } | EngineError::TooManyLive { .. }),
        )) => Ok(Err(e.to_string())),
        Err(e) => Err(e),
    }
}

/// A point whose design is overloaded: no KPIs, no target met.
fn overloaded_point(value: &str, kpis: usize, targets: &[Target], why: String) -> SweepPoint {
    SweepPoint {
        value: value.to_string(),
        number: leading_number(value),
        kpis: vec![None; kpis],
        meets_targets: (!targets.is_empty()).then_some(false),
        overloaded: Some(why),
    }
}

impl Sweep {
    /// The sweep of these points, with the planner's answer.
    pub fn new(scenario: &str, key: &str, kpis: &[String], points: Vec<SweepPoint>) -> Sweep {
        let smallest = points
            .iter()
            .filter(|p| p.meets_targets == Some(true))
            .min_by(|a, b| {
                a.number
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.number.unwrap_or(f64::INFINITY))
            })
            .map(|p| p.value.clone());
        Sweep {
            scenario: scenario.to_string(),
            key: key.to_string(),
            kpis: kpis.to_vec(),
            points,
            smallest_meeting_targets: smallest,
        }
    }
}

impl Sweep {
    /// The sweep of merged shards.
    pub fn from_merged(merged: &MergedSweep) -> Sweep {
        let points = merged
            .points
            .iter()
            .map(|p| match &p.summary {
                Ok(summary) => point(&p.value, &merged.kpis, &p.targets, summary),
                Err(why) => overloaded_point(&p.value, merged.kpis.len(), &p.targets, why.clone()),
            })
            .collect();
        Sweep::new(&merged.scenario, &merged.key, &merged.kpis, points)
    }
}
