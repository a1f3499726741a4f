//! Which lever made the difference: every subset of a design's levers is
//! simulated with the same seed and replications (common random numbers),
//! and each lever's Shapley contribution to each KPI is computed per
//! replication, then summarised with a 95% interval across replications.
//!
//! Place in the arrow: scenario ([`Design`] with levers) -> [`plan`]
//! (subsets, validated, dependent levers found) -> [`run`] (the subsets'
//! runs) -> [`explain`] (the [`Explanation`]) -> report. The arithmetic
//! on a table of subset values is in [`shapley`].
//!
//! Per replication the contributions add up exactly (to rounding) to the
//! design's change against the baseline in that replication, so their
//! means add up to the mean change, and each interval is a paired one.

pub mod shapley;

use crate::model::Model;
use crate::rng::{name_hash, StreamKey};
use crate::scenario::{Design, ScenarioErrors};
use crate::simulate::{simulate_many, Run, RunSettings, SimulationError};
use crate::stats::Estimate;
use crate::summary::kpi_keys;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Most levers whose 2^k subsets are all simulated; beyond, orders are
/// sampled (`--samples`).
pub const MAX_EXACT: usize = 8;

/// Most levers explained at all.
pub const MAX_LEVERS: usize = 30;

/// Sampled orders when more than [`MAX_EXACT`] levers and no number given.
pub const DEFAULT_SAMPLES: usize = 50;

/// How the contributions are computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Method {
    /// All 2^k subsets: exact Shapley values.
    Exact,
    /// The subsets along sampled orders of the levers.
    Sampled {
        /// Orders sampled.
        orders: usize,
    },
}

/// One lever of the explanation: a lever of the design, or several that
/// only validate together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Its name (members joined by `+`).
    pub name: String,
    /// The design's levers in it, by index.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// Why an explanation cannot be planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// A file, or the base or the design, does not validate.
    #[error(transparent)]
    Scenario(#[from] ScenarioErrors),
    /// Nothing to explain.
    #[error("{0}: there are no levers: the design has no `levers:` and does not differ from the baseline in anything simulated")]
    NoLevers(String),
    /// Too many levers.
    #[error("{count} levers; at most {MAX_LEVERS} can be explained (group some into one lever)")]
    TooMany {
        /// Levers found.
        count: usize,
    },
    /// A subset of the levers does not validate without another lever.
    #[error("levers {} must go together: with {} but without {}, the design does not validate:\n{problem}\nput them into one lever, or pass --group-dependent", list(.together), list(.with), list(.without))]
    Dependent {
        /// The levers to group.
        together: Vec<String>,
        /// The levers applied in the failing subset.
        with: Vec<String>,
        /// The lever(s) the subset needs.
        without: Vec<String>,
        /// The validator's first problem.
        problem: String,
    },
    /// A KPI key that does not exist.
    #[error("--kpi: {0}")]
    Kpi(String),
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The subsets to simulate, validated.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The levers (grouped when dependent levers were grouped).
    pub groups: Vec<Group>,
    /// Exact or sampled.
    pub method: Method,
    /// The sampled orders (empty when exact).
    pub orders: Vec<Vec<usize>>,
    /// The subsets simulated, as bitmasks over `groups`, ascending.
    pub masks: Vec<u64>,
    /// The model of each subset, aligned with `masks`.
    pub models: Vec<Model>,
}

/// Plans the subsets of `design`'s levers: all 2^k of them for up to
/// [`MAX_EXACT`] levers (unless `samples` is given), else those along
/// `samples` (default [`DEFAULT_SAMPLES`]) random orders drawn from
/// `seed`. Every subset is validated; one that fails names the levers
/// that must go together, or, with `group_dependent`, they are merged
/// into one and the plan starts again.
pub fn plan(
    design: &Design,
    samples: Option<usize>,
    group_dependent: bool,
    seed: u64,
) -> Result<Plan, ExplainError> {
    let k = design.levers.len();
    if k == 0 {
        return Err(ExplainError::NoLevers(design.file().to_string()));
    }
    if k > MAX_LEVERS {
        return Err(ExplainError::TooMany { count: k });
    }
    // The design itself must validate, and its base without its targets
    // (they may name what a lever adds).
    design.full()?;
    design.model_to_simulate(|_| false)?;
    let mut groups: Vec<Group> = design
        .levers
        .iter()
        .enumerate()
        .map(|(i, l)| Group {
            name: l.name.clone(),
            members: vec![i],
        })
        .collect();
    let mut cache: BTreeMap<u64, Result<Model, ScenarioErrors>> = BTreeMap::new();
    let mut model_of = |levers: u64| -> Result<Model, ScenarioErrors> {
        cache
            .entry(levers)
            .or_insert_with(|| design.model_to_simulate(|i| levers >> i & 1 == 1))
            .clone()
    };
    loop {
        let g = groups.len();
        let (method, orders) = match samples {
            None if g <= MAX_EXACT => (Method::Exact, Vec::new()),
            _ => {
                let n = samples.unwrap_or(DEFAULT_SAMPLES).max(1);
                (Method::Sampled { orders: n }, sample_orders(g, n, seed))
            }
        };
        let masks: Vec<u64> = match method {
            Method::Exact => (0..1u64 << g).collect(),
            Method::Sampled { .. } => {
                let mut m: Vec<u64> = orders.iter().flat_map(|o| shapley::prefixes(o)).collect();
                m.sort_unstable();
                m.dedup();
                m
            }
        };
        let levers_of = |mask: u64| -> u64 {
            groups
                .iter()
                .enumerate()
                .filter(|(i, _)| mask >> i & 1 == 1)
                .flat_map(|(_, gr)| gr.members.iter().map(|&m| 1u64 << m))
                .fold(0, |a, b| a | b)
        };
        let mut by_size = masks.clone();
        by_size.sort_by_key(|m| (m.count_ones(), *m));
        let failing = by_size
            .iter()
            .find_map(|&m| model_of(levers_of(m)).err().map(|e| (m, e)));
        let Some((bad, problem)) = failing else {
            let models = masks
                .iter()
                .map(|&m| model_of(levers_of(m)))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Plan {
                groups,
                method,
                orders,
                masks,
                models,
            });
        };
        // The smallest addition that makes the failing subset validate:
        // one more lever, else all the others.
        let all = (1u64 << g) - 1;
        let partner = (0..g)
            .map(|j| 1u64 << j)
            .filter(|b| bad & b == 0)
            .find(|&b| model_of(levers_of(bad | b)).is_ok())
            .unwrap_or(all & !bad);
        let names = |mask: u64| -> Vec<String> {
            (0..g)
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| groups[i].name.clone())
                .collect()
        };
        if !group_dependent {
            return Err(ExplainError::Dependent {
                together: names(bad | partner),
                with: names(bad),
                without: names(partner),
                problem: problem.to_string(),
            });
        }
        let merged = bad | partner;
        let mut joined = Group {
            name: names(merged).join("+"),
            members: Vec::new(),
        };
        let mut rest = Vec::new();
        for (i, gr) in groups.into_iter().enumerate() {
            if merged >> i & 1 == 1 {
                joined.members.extend(gr.members);
            } else {
                rest.push(gr);
            }
        }
        joined.members.sort_unstable();
        rest.insert(0, joined);
        rest.sort_by_key(|gr| gr.members[0]);
        groups = rest;
    }
}

/// `n` random orders of `k` levers (Fisher-Yates), from their own
/// stream of `seed` so they are the same on every run.
fn sample_orders(k: usize, n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = StreamKey::replication(seed, 0)
        .child(name_hash("explain orders"))
        .rng();
    (0..n)
        .map(|_| {
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            order
        })
        .collect()
}

/// Runs every subset of the plan with the same `settings` (so replication
/// i of every subset sees the same citizens); `progress(subset, replication)`.
pub fn run(
    plan: &Plan,
    settings: &RunSettings,
    progress: &(dyn Fn(usize, u32) + Sync),
    stop: &AtomicBool,
) -> Result<Vec<Run>, SimulationError> {
    let runs: Vec<(Model, RunSettings)> = plan
        .models
        .iter()
        .map(|m| (m.clone(), settings.clone()))
        .collect();
    simulate_many(&runs, settings.threads, progress, stop)
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

/// One KPI explained.
#[derive(Debug, Clone, Serialize)]
pub struct KpiExplanation {
    /// The KPI key.
    pub kpi: String,
    /// Replications where every subset has a value (the others are left out).
    pub replications: usize,
    /// The baseline (no lever).
    pub before: Option<Estimate>,
    /// The design (every lever).
    pub after: Option<Estimate>,
    /// after − before, paired.
    pub total: Option<Estimate>,
    /// Each lever's Shapley contribution, aligned with the levers.
    pub contributions: Vec<Option<Estimate>>,
    /// Each contribution's mean as a fraction of the total's mean (null when the total is 0).
    pub shares: Vec<Option<f64>>,
    /// Each lever alone against the baseline (null when that subset was not simulated).
    pub alone: Vec<Option<Estimate>>,
    /// Half-width of the 95% interval of each contribution's sampling
    /// error, from the spread over sampled orders (null when exact).
    pub sampling_ci95: Vec<Option<f64>>,
    /// Pairwise interactions (exact method only).
    pub interactions: Vec<Interaction>,
    /// Largest |Σ contributions − total| over the replications: the
    /// efficiency check, 0 up to rounding.
    pub efficiency_gap: f64,
}

/// Two levers' interaction in the 2^k factorial design (see
/// [`shapley::interaction`]).
#[derive(Debug, Clone, Serialize)]
pub struct Interaction {
    /// First lever.
    pub a: String,
    /// Second lever.
    pub b: String,
    /// The interaction effect across replications.
    pub effect: Estimate,
    /// Its interval excludes 0.
    pub significant: bool,
}

/// The explanation JSON (`explain.json`, described in `docs/files.md`).
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The design explained.
    pub design: String,
    /// The levers, in order.
    pub levers: Vec<Group>,
    /// Exact or sampled.
    pub method: Method,
    /// Subsets simulated.
    pub subsets: usize,
    /// Master seed shared by every subset.
    pub seed: u64,
    /// Replications per subset.
    pub replications: u32,
    /// One entry per KPI asked for.
    pub kpis: Vec<KpiExplanation>,
}

/// Checks KPI keys against the design (every lever applied).
pub fn check_kpis(plan: &Plan, kpis: &[String]) -> Result<(), ExplainError> {
    let Some(full) = plan.models.last() else {
        return Ok(());
    };
    let pools: Vec<&str> = full.pools.iter().map(|p| p.name.as_str()).collect();
    let processes: Vec<&str> = full.processes.iter().map(|p| p.name.as_str()).collect();
    // A cost KPI needs prices in every combination of levers.
    let costs = plan.models.iter().all(|m| m.costs.is_some());
    for k in kpis {
        crate::kpi::check_key(k, &pools, &processes, costs).map_err(ExplainError::Kpi)?;
    }
    Ok(())
}

/// Computes the explanation of `kpis` from the runs of the plan's subsets
/// (aligned with `plan.masks`).
pub fn explain(design: &str, plan: &Plan, runs: &[Run], kpis: &[String]) -> Explanation {
    let first = runs.first();
    Explanation {
        design: design.to_string(),
        levers: plan.groups.clone(),
        method: plan.method.clone(),
        subsets: plan.masks.len(),
        seed: first.map_or(0, |r| r.settings.seed),
        replications: first.map_or(0, |r| r.settings.replications),
        kpis: kpis.iter().map(|k| explain_kpi(plan, runs, k)).collect(),
    }
}

/// Per replication: the subset values of one KPI, by mask, when every
/// subset has one.
fn subset_values(plan: &Plan, runs: &[Run], kpi: &str) -> Vec<BTreeMap<u64, f64>> {
    let index: Vec<Option<usize>> = runs
        .iter()
        .map(|r| kpi_keys(&r.model).iter().position(|k| k == kpi))
        .collect();
    let reps = runs.iter().map(|r| r.data.values.len()).min().unwrap_or(0);
    (0..reps)
        .filter_map(|r| {
            plan.masks
                .iter()
                .zip(runs)
                .zip(&index)
                .map(|((&m, run), i)| Some((m, (*i).and_then(|i| run.data.values[r][i])?)))
                .collect::<Option<BTreeMap<u64, f64>>>()
        })
        .collect()
}

fn explain_kpi(plan: &Plan, runs: &[Run], kpi: &str) -> KpiExplanation {
    let g = plan.groups.len();
    let all = (1u64 << g) - 1;
    let table = subset_values(plan, runs, kpi);
    let at = |v: &BTreeMap<u64, f64>, m: u64| v.get(&m).copied().unwrap_or(f64::NAN);
    let dense = |v: &BTreeMap<u64, f64>| -> Vec<f64> { (0..=all).map(|m| at(v, m)).collect() };
    // Per replication: contributions, and the total change.
    let phis: Vec<Vec<f64>> = table
        .iter()
        .map(|v| match plan.method {
            Method::Exact => shapley::shapley(&dense(v)),
            Method::Sampled { .. } => shapley::sampled(|m| at(v, m), &plan.orders),
        })
        .collect();
    let totals: Vec<f64> = table.iter().map(|v| at(v, all) - at(v, 0)).collect();
    let estimate =
        |xs: Vec<f64>| Estimate::from_values(&xs.into_iter().map(Some).collect::<Vec<_>>());
    let contributions: Vec<Option<Estimate>> = (0..g)
        .map(|i| estimate(phis.iter().map(|p| p[i]).collect()))
        .collect();
    let total = estimate(totals.clone());
    let shares = contributions
        .iter()
        .map(|c| match (c, &total) {
            (Some(c), Some(t)) if t.mean != 0.0 => Some(c.mean / t.mean),
            _ => None,
        })
        .collect();
    let alone = (0..g)
        .map(|i| {
            let m = 1u64 << i;
            if plan.masks.binary_search(&m).is_err() {
                return None;
            }
            estimate(table.iter().map(|v| at(v, m) - at(v, 0)).collect())
        })
        .collect();
    let sampling_ci95 = (0..g)
        .map(|i| sampling_half_width(plan, &table, i))
        .collect();
    let mut interactions = Vec::new();
    if plan.method == Method::Exact {
        for i in 0..g {
            for j in i + 1..g {
                let effects = table
                    .iter()
                    .map(|v| shapley::interaction(&dense(v), i, j))
                    .collect();
                if let Some(effect) = estimate(effects) {
                    interactions.push(Interaction {
                        a: plan.groups[i].name.clone(),
                        b: plan.groups[j].name.clone(),
                        significant: table.len() > 1 && effect.ci95 < effect.mean.abs(),
                        effect,
                    });
                }
            }
        }
    }
    let efficiency_gap = phis
        .iter()
        .zip(&totals)
        .map(|(p, t)| (p.iter().sum::<f64>() - t).abs())
        .fold(0.0, f64::max);
    KpiExplanation {
        kpi: kpi.to_string(),
        replications: table.len(),
        before: estimate(table.iter().map(|v| at(v, 0)).collect()),
        after: estimate(table.iter().map(|v| at(v, all)).collect()),
        total,
        contributions,
        shares,
        alone,
        sampling_ci95,
        interactions,
        efficiency_gap,
    }
}

/// The sampling error of lever `i`'s sampled contribution: each order's
/// marginal effect averaged over the replications, then the t half-width
/// of their mean over the orders. `None` when exact or with one order.
fn sampling_half_width(plan: &Plan, table: &[BTreeMap<u64, f64>], i: usize) -> Option<f64> {
    if plan.method == Method::Exact || plan.orders.len() < 2 || table.is_empty() {
        return None;
    }
    let per_order: Vec<Option<f64>> = plan
        .orders
        .iter()
        .map(|o| {
            let sum: f64 = table
                .iter()
                .map(|v| shapley::marginals(|m| v.get(&m).copied().unwrap_or(f64::NAN), o)[i])
                .sum();
            Some(sum / table.len() as f64)
        })
        .collect();
    // Estimate's ci95 is t(n−1)·sd/√n over the orders.
    Estimate::from_values(&per_order).map(|e| e.ci95)
}
