//! The validated model: what the engine simulates.
//!
//! Built only by [`crate::scenario`]; immutable afterwards. Names are resolved
//! to indices ([`PoolId`], [`ProcessId`], [`RouteId`]), durations are
//! [`Dist`]s with known units, probabilities are checked, and every step
//! carries the key of its random stream.

use crate::calendar::Calendar;
use crate::dist::Dist;
use crate::time::{Duration, Seconds};
use std::sync::Arc;

/// Index of a pool in [`Model::pools`].
pub type PoolId = usize;
/// Index of a process in [`Model::processes`].
pub type ProcessId = usize;
/// Index of a route (a list of steps) in [`Model::routes`].
pub type RouteId = usize;

/// One scenario, validated.
#[derive(Debug, Clone)]
pub struct Model {
    /// Shown in reports.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The file it came from, as given.
    pub file: String,
    /// Master seed.
    pub seed: u64,
    /// Number of replications.
    pub replications: u32,
    /// Arrivals stop here (seconds).
    pub horizon: Seconds,
    /// Cases arriving earlier count in no KPI.
    pub warmup: Seconds,
    /// The run stops here even if cases are still open.
    pub drain_limit: Seconds,
    /// The hall's calendar (always open without a `calendar:` key).
    pub calendar: Calendar,
    /// Whether the file had a `calendar:` key.
    pub has_calendar: bool,
    /// Pools in file order.
    pub pools: Vec<Pool>,
    /// Processes in file order.
    pub processes: Vec<Process>,
    /// Every route: each process's main route first (same index as the
    /// process), then parallel and choose branches.
    pub routes: Vec<Route>,
    /// Arrival streams in file order.
    pub arrivals: Vec<Arrival>,
    /// Targets for `procsim check`.
    pub targets: Vec<Target>,
    /// When citizens who return after a delay, or find the hall closed,
    /// come in.
    pub returns: Returns,
    /// What staff and citizens' time cost (`costs:`); without it the cost
    /// KPIs are not measured.
    pub costs: Option<Costs>,
}

/// When a citizen who comes back (after a rework, a retry, a `wait`, being
/// sent home, or reaching a hall step while the hall is closed) walks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// At the times people come: a delay in days (`d`, `wd`) picks the day
    /// and the time of day is drawn from the arrival profile of the case's
    /// stream over the hours the pool is open; a return that finds the
    /// hall closed for the day comes on the next open day, at such a time.
    Profile,
    /// Exactly when the delay ends, or at the next opening if the hall is
    /// closed then (format 1.0's rule).
    AtOpening,
}

/// A citizen who gave up (reneged or balked) comes back to the same step.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Probability of coming back after giving up.
    pub p: f64,
    /// Delay before the new visit.
    pub after: Dist,
    /// At most this many retries per case at this step; then the case is lost.
    pub max: u32,
    /// Index of the case's counter of retries at this step (among all per-case step counters).
    pub counter: usize,
}

/// The `costs:` section: prices of staff time and of citizens' time and
/// trips, in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    /// Currency label, shown in reports (no conversion).
    pub currency: String,
    /// Per pool (same index as [`Model::pools`]), staff cost per server-hour.
    pub staff_per_hour: Vec<f64>,
    /// What an hour of a citizen's time is worth.
    pub citizen_value_per_hour: f64,
    /// Travel time of one visit to the hall (there and back), seconds.
    pub travel_time: Seconds,
    /// Travel cost of one visit to the hall.
    pub travel_cost: f64,
}

/// Server count over the day.
#[derive(Debug, Clone, PartialEq)]
pub enum Servers {
    /// The same all day.
    Fixed(u32),
    /// (time of day, servers from then on), sorted; before the first key the
    /// first value holds.
    Schedule(Vec<(Seconds, u32)>),
}

impl Servers {
    /// Servers at a time of day (seconds since midnight).
    pub fn at(&self, time_of_day: Seconds) -> u32 {
        match self {
            Servers::Fixed(n) => *n,
            Servers::Schedule(s) => s
                .iter()
                .rev()
                .find(|(t, _)| *t <= time_of_day)
                .or(s.first())
                .map_or(0, |&(_, n)| n),
        }
    }

    /// The largest server count.
    pub fn max(&self) -> u32 {
        match self {
            Servers::Fixed(n) => *n,
            Servers::Schedule(s) => s.iter().map(|&(_, n)| n).max().unwrap_or(0),
        }
    }
}

/// Queue discipline of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discipline {
    /// First come, first served.
    Fifo,
    /// Highest process priority first; equal priorities in arrival order.
    Priority,
}

/// What happens to queued citizens when a pool closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtClose {
    /// Serve everyone already queued, as overtime.
    Finish,
    /// Queued citizens leave and return at the next opening.
    SendHome,
}

/// A group of identical servers in front of one queue.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Name as in the file.
    pub name: String,
    /// Server count.
    pub servers: Servers,
    /// When the pool is open.
    pub calendar: Calendar,
    /// Queue discipline.
    pub discipline: Discipline,
    /// Closing behaviour.
    pub at_close: AtClose,
    /// Daily instants (seconds since midnight, sorted) at which capacity may change.
    pub breakpoints: Vec<Seconds>,
}

/// A promise on lead time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeLimit {
    /// The limit.
    pub limit: Duration,
    /// Counted from the first start of this step (a step id), else from arrival.
    pub from: Option<StepRef>,
}

/// A step located in a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRef {
    /// Route holding the step.
    pub route: RouteId,
    /// Position in the route.
    pub position: usize,
    /// Global step number (index into per-step tables).
    pub global: usize,
}

/// The route of one kind of case.
#[derive(Debug, Clone)]
pub struct Process {
    /// Name as in the file.
    pub name: String,
    /// Its main route (same index as the process).
    pub route: RouteId,
    /// Optional promise.
    pub time_limit: Option<TimeLimit>,
    /// Higher is served first in priority pools.
    pub priority: i64,
}

/// A list of steps run in order.
#[derive(Debug, Clone)]
pub struct Route {
    /// The steps.
    pub steps: Vec<Step>,
    /// The process this route belongs to.
    pub process: ProcessId,
}

/// One step of a route.
#[derive(Debug, Clone)]
pub struct Step {
    /// The id given in the file, if any.
    pub id: Option<String>,
    /// Key path in the file (for messages).
    pub path: String,
    /// Hash of the step's random-stream name (its id, or process and position).
    pub stream: u64,
    /// Global step number.
    pub global: usize,
    /// What the step does.
    pub kind: StepKind,
}

/// The kinds of step of the scenario format.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// The citizen queues at one of the pools and is served.
    Serve {
        /// Candidate pools (the one with fewest waiting per open server is joined).
        pools: Vec<PoolId>,
        /// Service time.
        time: Dist,
        /// Reneging: leaves unserved after this long in the queue.
        patience: Option<Dist>,
        /// Balking: leaves on arrival if this many are already waiting.
        balk_at: Option<u32>,
        /// Whether and when a citizen who reneged comes back.
        renege_retry: Option<Box<Retry>>,
        /// Whether and when a citizen who balked comes back.
        balk_retry: Option<Box<Retry>>,
    },
    /// Back-office task; effort counted in the pool's open hours.
    Work {
        /// The pool doing the work.
        pool: PoolId,
        /// Effort.
        time: Dist,
    },
    /// A pure delay.
    Wait {
        /// Delay (clock or working days).
        time: Dist,
    },
    /// With probability `p` the citizen goes home and returns to step `to`.
    Rework {
        /// Probability of rework.
        p: f64,
        /// Delay before the return.
        after: Dist,
        /// Position of the target step in the same route.
        to: usize,
        /// A case reworks at most this many times at this step.
        max_rework: u32,
        /// Index of the case's counter of reworks at this step (among all
        /// per-case step counters).
        index: usize,
    },
    /// All branches at once; ends when all have ended.
    Parallel {
        /// One route per branch.
        branches: Vec<RouteId>,
    },
    /// Exactly one branch, by probability.
    Choose {
        /// (cumulative probability, route).
        branches: Vec<(f64, RouteId)>,
    },
}

/// Channel of an arrival stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Arrives only while the hall is open.
    Hall,
    /// Arrives around the clock.
    Online,
}

/// How arrival times are generated.
#[derive(Debug, Clone)]
pub enum ArrivalPattern {
    /// Poisson with a rate per second that is piecewise constant over the
    /// day: (start, end, rate) in seconds since midnight, on open days (all
    /// days for the online channel). Covers `rate` and `daily` + `profile`.
    Poisson {
        /// Daily segments of constant rate.
        segments: Vec<(Seconds, Seconds, f64)>,
        /// A factor on every rate by weekday, Monday first (`daily` given
        /// per weekday); `None` is 1 on every day.
        weekday_factor: Option<[f64; 7]>,
    },
    /// Renewal process: gaps drawn from this distribution (in open time for the hall).
    Interarrival(Dist),
    /// Booked slots while the hall is open.
    Appointments {
        /// Slot spacing.
        every: Seconds,
        /// Citizens booked per slot.
        per_slot: u32,
        /// Share who do not come.
        no_show: f64,
        /// Arrival minus slot time.
        punctuality: Option<Dist>,
    },
}

/// One arrival stream.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Stream name (names the random stream).
    pub name: String,
    /// Hash of the name.
    pub stream: u64,
    /// Times.
    pub pattern: ArrivalPattern,
    /// (cumulative share, process); one entry for `process:`.
    pub mix: Vec<(f64, ProcessId)>,
    /// Hall or online.
    pub channel: Channel,
    /// Expected arrivals per second of the horizon (for load estimates).
    pub mean_rate: f64,
}

/// A bound on a KPI's mean, checked by `procsim check`. Serializable so a
/// sweep shard can hand its points' targets to `merge`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// Dotted KPI key (`wait_min`, `pools.x.utilization`).
    pub kpi: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// Line in the file, for messages.
    pub line: u32,
}

/// Shared, cheap-to-clone handle to a model.
pub type SharedModel = Arc<Model>;

impl Pool {
    /// The first instant at or after `t` when the pool is open with at least
    /// one server (a schedule may hold 0 servers inside opening hours), if
    /// any within about ten years.
    pub fn next_available(&self, t: crate::time::Seconds) -> Option<crate::time::Seconds> {
        use crate::time::DAY;
        let mut t = t;
        for _ in 0..40_000 {
            let open = self.calendar.next_open(t)?;
            let day = crate::calendar::floor_i64(open / DAY) as f64;
            let tod = open - day * DAY;
            if self.servers.at(tod) > 0 {
                return Some(open);
            }
            let next = self
                .breakpoints
                .iter()
                .copied()
                .find(|&b| b > tod + 1e-9)
                .unwrap_or(DAY);
            t = day * DAY + next;
        }
        None
    }
}

impl Model {
    /// Number of per-case step counters: one per rework step, one per
    /// retry of a `serve` step.
    pub fn step_counters(&self) -> usize {
        self.routes
            .iter()
            .flat_map(|r| &r.steps)
            .map(|s| match &s.kind {
                StepKind::Rework { .. } => 1,
                StepKind::Serve {
                    renege_retry,
                    balk_retry,
                    ..
                } => usize::from(renege_retry.is_some()) + usize::from(balk_retry.is_some()),
                StepKind::Work { .. }
                | StepKind::Wait { .. }
                | StepKind::Parallel { .. }
                | StepKind::Choose { .. } => 0,
            })
            .sum()
    }

    /// Whether a token at `position` of `route` comes to the hall first
    /// (a `serve` step, or a `parallel`/`choose` with a branch that starts
    /// with one): a delay ending there is a citizen's return.
    pub fn starts_in_hall(&self, route: RouteId, position: usize) -> bool {
        match self.routes[route].steps.get(position).map(|s| &s.kind) {
            Some(StepKind::Serve { .. }) => true,
            Some(StepKind::Parallel { branches }) => {
                branches.iter().any(|&b| self.starts_in_hall(b, 0))
            }
            Some(StepKind::Choose { branches }) => {
                branches.iter().any(|&(_, b)| self.starts_in_hall(b, 0))
            }
            Some(StepKind::Work { .. } | StepKind::Wait { .. } | StepKind::Rework { .. })
            | None => false,
        }
    }

    /// Number of steps in all routes.
    pub fn step_count(&self) -> usize {
        self.routes.iter().map(|r| r.steps.len()).sum()
    }

    /// What can keep a pool's queue bounded when more work is offered than
    /// its average capacity: citizens who renege or balk at its `serve`
    /// steps, and overtime at closing (`at_close: finish`) of a pool that
    /// serves citizens. Phrases for the overload warning.
    pub fn overload_relief(&self, pool: PoolId) -> Vec<&'static str> {
        let mut leave = false;
        for route in &self.routes {
            for step in &route.steps {
                if let StepKind::Serve {
                    pools,
                    patience,
                    balk_at,
                    ..
                } = &step.kind
                {
                    leave |= pools.contains(&pool) && (patience.is_some() || balk_at.is_some());
                }
            }
        }
        let mut relief = Vec::new();
        if leave {
            relief.push("citizens who give up leave the queue");
        }
        // Overtime takes only `serve` entries (files queued for `work` wait
        // for the opening), so it relieves no back-office pool.
        let def = &self.pools[pool];
        if def.at_close == AtClose::Finish
            && !def.calendar.is_always_open()
            && self.hall_pools()[pool]
        {
            relief.push("overtime at closing serves what is left");
        }
        relief
    }

    /// Whether a process's route (with its branches) has any `serve` step.
    pub fn route_has_serve(&self, route: RouteId) -> bool {
        self.routes[route].steps.iter().any(|s| match &s.kind {
            StepKind::Serve { .. } => true,
            StepKind::Parallel { branches } => branches.iter().any(|&b| self.route_has_serve(b)),
            StepKind::Choose { branches } => branches.iter().any(|&(_, b)| self.route_has_serve(b)),
            StepKind::Work { .. } | StepKind::Wait { .. } | StepKind::Rework { .. } => false,
        })
    }

    /// For each pool, whether some `serve` step uses it (a hall pool, where
    /// citizens wait in person) rather than only `work` steps (back office).
    pub fn hall_pools(&self) -> Vec<bool> {
        let mut hall = vec![false; self.pools.len()];
        for s in self.routes.iter().flat_map(|r| &r.steps) {
            if let StepKind::Serve { pools, .. } = &s.kind {
                for &p in pools {
                    hall[p] = true;
                }
            }
        }
        hall
    }

    /// Pool index by name.
    pub fn pool_id(&self, name: &str) -> Option<PoolId> {
        self.pools.iter().position(|p| p.name == name)
    }
}

impl Model {
    /// Expected busy servers a pool needs, averaged over the horizon, and the
    /// servers it has on average: (offered, capacity). An estimate from the
    /// arrival rates, route shares, rework loops (1/(1-p)) and mean times;
    /// used in overload messages and warnings. It serves every case: an
    /// upper bound on the work, which citizens lost for good lower. Retries
    /// after giving up need no term: a citizen who comes back joins the
    /// queue again but is still served at most once per pass through the
    /// step, so retries add visits, not work.
    pub fn pool_load(&self, pool: PoolId) -> (f64, f64) {
        let mut offered = 0.0;
        for arrival in &self.arrivals {
            let mut previous = 0.0;
            for &(cum, process) in &arrival.mix {
                let share = cum - previous;
                previous = cum;
                offered += arrival.mean_rate
                    * share
                    * self.route_work(self.processes[process].route, pool, 1.0);
            }
        }
        let def = &self.pools[pool];
        let hours = def.calendar.hours();
        let mut server_seconds = 0.0;
        for &(a, b) in hours.periods() {
            let mut cuts = vec![a];
            cuts.extend(def.breakpoints.iter().copied().filter(|&t| t > a && t < b));
            cuts.push(b);
            for w in cuts.windows(2) {
                server_seconds += (w[1] - w[0]) * f64::from(def.servers.at(w[0]));
            }
        }
        let days = (self.horizon / crate::time::DAY).ceil().max(1.0) as i64;
        let open_share = def.calendar.open_days_in(0, days) as f64 / days as f64;
        let capacity = server_seconds / crate::time::DAY * open_share;
        (offered, capacity)
    }

    /// Expected seconds of service a case spends at `pool` along `route`.
    fn route_work(&self, route: RouteId, pool: PoolId, weight: f64) -> f64 {
        let steps = &self.routes[route].steps;
        let mut multiplicity = vec![weight; steps.len()];
        for (i, s) in steps.iter().enumerate() {
            if let StepKind::Rework { p, to, .. } = s.kind {
                let repeat = 1.0 / (1.0 - p);
                for m in &mut multiplicity[to..i] {
                    *m *= repeat;
                }
            }
        }
        steps
            .iter()
            .zip(multiplicity)
            .map(|(s, m)| match &s.kind {
                StepKind::Serve { pools, time, .. } if pools.contains(&pool) => {
                    m * time.mean() / pools.len() as f64
                }
                StepKind::Work { pool: p, time } if *p == pool => m * time.mean(),
                StepKind::Parallel { branches } => {
                    branches.iter().map(|&b| self.route_work(b, pool, m)).sum()
                }
                StepKind::Choose { branches } => {
                    let mut previous = 0.0;
                    branches
                        .iter()
                        .map(|&(cum, b)| {
                            let share = cum - previous;
                            previous = cum;
                            self.route_work(b, pool, m * share)
                        })
                        .sum()
                }
                StepKind::Serve { .. }
                | StepKind::Work { .. }
                | StepKind::Wait { .. }
                | StepKind::Rework { .. } => 0.0,
            })
            .sum()
    }
}
