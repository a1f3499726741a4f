//! Replications: run them across threads, reduce them in replication order.
//!
//! Replications run in chunks on a rayon pool; each chunk's results are
//! reduced in replication order before the next chunk starts, so output is
//! byte-identical for any thread count and memory stays flat however many
//! replications are asked for.

use crate::engine::{self, area, EngineError, Limits, NoObserver, Observer, ReplicationResult};
use crate::model::Model;
use crate::stats::Quantiles;
use crate::summary::{kpi_values, KpiValues, Summary};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Master seed (the file's unless overridden).
    pub seed: u64,
    /// Replications in the whole run.
    pub replications: u32,
    /// The replications this process runs (all, or a shard's share).
    pub range: Range<u32>,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Safety limits.
    pub limits: Limits,
}

impl RunSettings {
    /// The file's seed and replications, all replications, all cores.
    pub fn from_model(model: &Model) -> Self {
        RunSettings {
            seed: model.seed,
            replications: model.replications,
            range: 0..model.replications,
            threads: 0,
            limits: Limits::default(),
        }
    }
}

/// What a run keeps for reports: per-replication KPI values and the merged
/// distributions and hourly profiles.
#[derive(Debug, Clone)]
pub struct RunData {
    /// Replication numbers, in order.
    pub replications: Vec<u32>,
    /// KPI values per replication (aligned with `summary::kpi_keys`).
    pub values: Vec<KpiValues>,
    /// Serve waits in minutes, all replications.
    pub wait: Quantiles,
    /// Lead times in working days, all replications.
    pub lead_wd: Quantiles,
    /// Completed cases by number of visits (last bin: 20 or more).
    pub visit_counts: [u64; 21],
    /// Per pool, per hour of day: the level areas of [`engine::area`].
    /// In thousandths, as integers, so sums are exact in any order (and a
    /// merged sharded run equals a single run).
    pub hourly: Vec<[[i64; area::COUNT]; 24]>,
    /// Events processed.
    pub events: u64,
    /// Cases generated (including warm-up).
    pub cases: u64,
}

impl RunData {
    /// No replications yet, for a model with `pools` pools.
    pub fn new(pools: usize) -> Self {
        RunData {
            replications: Vec::new(),
            values: Vec::new(),
            wait: Quantiles::new(),
            lead_wd: Quantiles::new(),
            visit_counts: [0; 21],
            hourly: vec![[[0; area::COUNT]; 24]; pools],
            events: 0,
            cases: 0,
        }
    }

    fn add(&mut self, model: &Model, r: &ReplicationResult) {
        self.replications.push(r.replication);
        self.values.push(kpi_values(model, r));
        self.wait.merge(&r.wait_quantiles);
        self.lead_wd.merge(&r.lead_wd_quantiles);
        for (a, b) in self.visit_counts.iter_mut().zip(r.visit_counts) {
            *a += b;
        }
        for (acc, p) in self.hourly.iter_mut().zip(&r.pools) {
            for (bins, add) in acc.iter_mut().zip(&p.hourly) {
                for (b, a) in bins.iter_mut().zip(add) {
                    *b += (a * 1000.0).round() as i64;
                }
            }
        }
        self.events += r.events;
        self.cases += r.cases_total;
    }

    /// Appends another run's data (a later shard), keeping replication order.
    pub fn append(&mut self, other: RunData) {
        self.replications.extend(other.replications);
        self.values.extend(other.values);
        self.wait.merge(&other.wait);
        self.lead_wd.merge(&other.lead_wd);
        for (a, b) in self.visit_counts.iter_mut().zip(other.visit_counts) {
            *a += b;
        }
        for (acc, p) in self.hourly.iter_mut().zip(&other.hourly) {
            for (bins, add) in acc.iter_mut().zip(p) {
                for (b, a) in bins.iter_mut().zip(add) {
                    *b += a;
                }
            }
        }
        self.events += other.events;
        self.cases += other.cases;
    }
}

/// A finished run: the model, its settings, data and summary.
#[derive(Debug, Clone)]
pub struct Run {
    /// The simulated model.
    pub model: Model,
    /// The settings used.
    pub settings: RunSettings,
    /// Per-replication values and merged distributions.
    pub data: RunData,
    /// Summary across replications.
    pub summary: Summary,
}

/// Runs a scenario without observers.
pub fn simulate(
    model: &Model,
    settings: &RunSettings,
    progress: &(dyn Fn(u32) + Sync),
    stop: &AtomicBool,
) -> Result<Run, EngineError> {
    simulate_observed(
        model,
        settings,
        |_| NoObserver,
        |_, _| Ok(()),
        progress,
        stop,
    )
}

/// Runs a scenario; `make` builds an observer per replication and `finish`
/// receives it, in replication order, when that replication is reduced
/// (e.g. to append its streamed `cases.csv` part).
pub fn simulate_observed<O, M, F>(
    model: &Model,
    settings: &RunSettings,
    make: M,
    mut finish: F,
    progress: &(dyn Fn(u32) + Sync),
    stop: &AtomicBool,
) -> Result<Run, EngineError>
where
    O: Observer + Send,
    M: Fn(u32) -> O + Sync,
    F: FnMut(u32, O) -> Result<(), EngineError>,
{
    let threads = if settings.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        settings.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            EngineError::Resources(format!(
                "cannot start {threads} worker threads: {e}; try a smaller --threads"
            ))
        })?;
    let mut data = RunData::new(model.pools.len());
    let reps: Vec<u32> = settings.range.clone().collect();
    let chunk = (threads * 2).max(1);
    for batch in reps.chunks(chunk) {
        let results: Vec<Result<(ReplicationResult, O), EngineError>> = pool.install(|| {
            batch
                .par_iter()
                .map(|&r| {
                    let mut observer = make(r);
                    let result = engine::run_replication(
                        model,
                        settings.seed,
                        r,
                        settings.limits,
                        &mut observer,
                        stop,
                    )?;
                    progress(r);
                    Ok((result, observer))
                })
                .collect()
        });
        for item in results {
            let (result, observer) = item?;
            data.add(model, &result);
            finish(result.replication, observer)?;
        }
    }
    let summary = Summary::new(model, settings.seed, &data.values);
    Ok(Run {
        model: model.clone(),
        settings: settings.clone(),
        data,
        summary,
    })
}
