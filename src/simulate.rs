//! Replications: run them across threads, reduce them in replication order.
//!
//! Replications run in chunks on a rayon pool; each chunk's results are
//! reduced in replication order before the next chunk starts, so output is
//! byte-identical for any thread count and memory stays flat however many
//! replications are asked for.

use crate::engine::{self, area, EngineError, Limits, NoObserver, Observer, ReplicationResult};
use crate::model::Model;
use crate::overload::{self, Overload};
use crate::scenario::MAX_REPLICATIONS;
use crate::stats::{ArrivalHour, Quantiles};
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
    /// Run only these replications of the whole run (a shard's share);
    /// `None`: all of them. Clipped to `0..replications`.
    pub only: Option<Range<u32>>,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Safety limits.
    pub limits: Limits,
    /// Refuse a scenario expected to generate more cases than this per replication.
    pub max_cases: u64,
    /// Give the results of a design found overloaded (see
    /// [`crate::overload::detect`]) instead of [`SimulationError::Overloaded`].
    pub allow_overload: bool,
}

impl RunSettings {
    /// The file's seed and replications, all replications, all cores.
    pub fn from_model(model: &Model) -> Self {
        RunSettings {
            seed: model.seed,
            replications: model.replications,
            only: None,
            threads: 0,
            limits: Limits::default(),
            max_cases: 20_000_000,
            allow_overload: false,
        }
    }

    /// The replications this process runs: all, or a shard's share.
    pub fn range(&self) -> Range<u32> {
        match &self.only {
            Some(r) => r.start.min(self.replications)..r.end.min(self.replications),
            None => 0..self.replications,
        }
    }

    /// Checks these settings against a model before anything runs: at least
    /// one replication and at most [`MAX_REPLICATIONS`], and no more cases
    /// per replication than `max_cases`.
    pub fn check(&self, model: &Model) -> Result<(), SimulationError> {
        if self.replications == 0 {
            return Err(SimulationError::NoReplications);
        }
        if self.replications > MAX_REPLICATIONS {
            return Err(SimulationError::TooManyReplications {
                asked: self.replications,
                limit: MAX_REPLICATIONS,
            });
        }
        let expected = model.arrivals.iter().map(|a| a.mean_rate).sum::<f64>() * model.horizon;
        if expected > self.max_cases as f64 {
            return Err(SimulationError::TooManyCases {
                file: model.file.clone(),
                expected,
                limit: self.max_cases,
            });
        }
        Ok(())
    }

    pub(crate) fn worker_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }
}

/// Why a run did not give results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimulationError {
    /// Zero replications were asked for.
    #[error("replications must be at least 1")]
    NoReplications,
    /// More replications were asked for than [`MAX_REPLICATIONS`].
    #[error("{asked} replications asked for; a run has at most {limit}, whether from --reps or the file's `replications` (each keeps its KPI values in memory)")]
    TooManyReplications {
        /// Replications asked for.
        asked: u32,
        /// The cap.
        limit: u32,
    },
    /// The scenario would generate more cases than allowed.
    #[error("{file}: this scenario would generate about {expected:.3e} cases per replication, over the limit of {limit} (--max-cases); shorten the horizon or lower the rates")]
    TooManyCases {
        /// Scenario file.
        file: String,
        /// Expected cases per replication.
        expected: f64,
        /// The limit.
        limit: u64,
    },
    /// The engine stopped (overload, interruption, resources).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The run finished, but a replication showed the design overloaded.
    #[error("{0}")]
    Overloaded(Overload),
}

/// A run of one scenario, set up step by step:
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let model = procsim::load("scenarios/textbook/mmc.yaml".as_ref())?;
/// let run = procsim::Simulation::new(&model).replications(20).seed(7).threads(2).run()?;
/// println!("{:?}", run.summary.get("wait_min"));
/// # Ok(()) }
/// ```
///
/// Progress and cancellation are optional ([`Simulation::progress`],
/// [`Simulation::stop`]).
pub struct Simulation<'a> {
    model: &'a Model,
    settings: RunSettings,
    progress: Option<&'a (dyn Fn(u32) + Sync)>,
    stop: Option<&'a AtomicBool>,
}

impl<'a> Simulation<'a> {
    /// A run of `model` with the file's seed and replications, on all cores.
    pub fn new(model: &'a Model) -> Self {
        Simulation {
            model,
            settings: RunSettings::from_model(model),
            progress: None,
            stop: None,
        }
    }

    /// Replications of the whole run.
    pub fn replications(mut self, n: u32) -> Self {
        self.settings.replications = n;
        self
    }

    /// Master seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Worker threads (0: all cores); results are identical for any value.
    pub fn threads(mut self, n: usize) -> Self {
        self.settings.threads = n;
        self
    }

    /// Every setting at once (e.g. from the command line's overrides).
    pub fn settings(mut self, settings: RunSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Calls `f(replication)` as each replication finishes.
    pub fn progress(mut self, f: &'a (dyn Fn(u32) + Sync)) -> Self {
        self.progress = Some(f);
        self
    }

    /// Polls `flag` and stops with [`EngineError::Interrupted`] once it is set.
    pub fn stop(mut self, flag: &'a AtomicBool) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Runs the replications and summarises them; a design found
    /// overloaded is an error unless the settings allow it.
    pub fn run(self) -> Result<Run, SimulationError> {
        self.settings.check(self.model)?;
        let never = AtomicBool::new(false);
        let run = simulate(
            self.model,
            &self.settings,
            self.progress.unwrap_or(&|_| {}),
            self.stop.unwrap_or(&never),
        )?;
        run.refuse_overload()
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
    /// Per pool, per hour of day a citizen joined a `serve` queue: its
    /// services and waits (`hourly.csv`'s service-level columns).
    pub by_arrival_hour: Vec<[ArrivalHour; 24]>,
    /// Events processed.
    pub events: u64,
    /// Cases generated (including warm-up).
    pub cases: u64,
    /// The first replication (in order) that showed the design
    /// overloaded, and how.
    pub overload: Option<Overload>,
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
            by_arrival_hour: vec![Default::default(); pools],
            events: 0,
            cases: 0,
            overload: None,
        }
    }

    fn add(&mut self, r: &ReplicationResult) {
        self.replications.push(r.replication);
        self.values.push(kpi_values(r));
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
        for (acc, p) in self.by_arrival_hour.iter_mut().zip(&r.pools) {
            for (a, b) in acc.iter_mut().zip(&p.by_arrival_hour) {
                a.merge(b);
            }
        }
        self.events += r.events;
        self.cases += r.cases_total;
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

impl Run {
    /// The run, or [`SimulationError::Overloaded`] when a replication showed
    /// the design overloaded and the settings do not allow it.
    pub fn refuse_overload(self) -> Result<Run, SimulationError> {
        match &self.data.overload {
            Some(o) if !self.settings.allow_overload => Err(SimulationError::Overloaded(o.clone())),
            _ => Ok(self),
        }
    }
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
    let threads = settings.worker_threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            EngineError::Resources(format!(
                "cannot start {threads} worker threads: {e}; try a smaller --threads"
            ))
        })?;
    let mut data = RunData::new(model.pools.len());
    let reps: Vec<u32> = settings.range().collect();
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
            data.add(&result);
            if data.overload.is_none() {
                data.overload = overload::detect(model, &result);
            }
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

/// Runs several scenarios, each with its settings, on `threads` workers
/// (0: all cores): with at least as many scenarios as threads, one thread
/// per scenario and scenarios in parallel; with fewer, one scenario after
/// another with its replications in parallel. Results come back in the
/// order given, each with its wall time, and are the same for any thread
/// count. `progress(i, replication)` is called as replications of
/// scenario `i` finish.
pub fn simulate_many(
    runs: &[(Model, RunSettings)],
    threads: usize,
    progress: &(dyn Fn(usize, u32) + Sync),
    stop: &AtomicBool,
) -> Vec<(Result<Run, SimulationError>, std::time::Duration)> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let per_run_threads = if runs.len() >= threads { 1 } else { threads };
    let one = |(i, (m, s)): (usize, &(Model, RunSettings))| {
        let settings = RunSettings {
            threads: per_run_threads,
            ..s.clone()
        };
        let started = std::time::Instant::now();
        let tick = |r| progress(i, r);
        let run = Simulation::new(m)
            .settings(settings)
            .progress(&tick)
            .stop(stop)
            .run();
        (run, started.elapsed())
    };
    if per_run_threads > 1 {
        return runs.iter().enumerate().map(one).collect();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| runs.par_iter().enumerate().map(one).collect()),
        Err(e) => runs
            .iter()
            .map(|_| {
                let error = EngineError::Resources(format!(
                    "cannot start {threads} worker threads: {e}; try a smaller --threads"
                ));
                (Err(error.into()), std::time::Duration::ZERO)
            })
            .collect(),
    }
}
