//! What one replication measured: the engine's output, read by `simulate`
//! (which reduces replications in order) and by `summary` and the reports.
//!
//! Levels (queue, busy and present servers, open time) are integrated over
//! [warmup, horizon] per hour of day into [`PoolResult::hourly`]; every
//! total is the sum of its hours ([`PoolResult::total`]), never stored twice.

use crate::stats::{ArrivalHour, Mean, Quantiles};

/// What the level integration sums per hour of day (seconds x level): the
/// index of each area in [`PoolResult::hourly`].
pub mod area {
    /// Number waiting.
    pub const QUEUE: usize = 0;
    /// Busy servers (at most the servers present).
    pub const BUSY: usize = 1;
    /// Servers present.
    pub const CAPACITY: usize = 2;
    /// Time (level 1).
    pub const TIME: usize = 3;
    /// Number waiting while the pool is open.
    pub const QUEUE_OPEN: usize = 4;
    /// Time the pool is open.
    pub const TIME_OPEN: usize = 5;
    /// How many areas there are.
    pub const COUNT: usize = 6;
}

/// Areas per hour of day, indexed by the constants of [`area`].
pub type HourAreas = [f64; area::COUNT];

/// Per-pool results of one replication.
#[derive(Debug, Clone, Default)]
pub struct PoolResult {
    /// Largest number waiting in [warmup, horizon].
    pub queue_max: u32,
    /// Waits (minutes) of counted cases, serve and work.
    pub wait: Mean,
    /// Their quantiles.
    pub wait_quantiles: Quantiles,
    /// Services started for counted cases.
    pub served: u64,
    /// By hour of day: the level areas of [`area`].
    pub hourly: [HourAreas; 24],
    /// By hour of day the citizen joined the queue of a `serve` step here
    /// (counted cases): services started and their waits.
    pub by_arrival_hour: [ArrivalHour; 24],
    /// Overtime: seconds from each closing in (warmup, horizon] to the end
    /// of the last service running past it (the pool's clock time past
    /// closing, however many servers stayed).
    pub overtime: f64,
    /// Server-seconds of service past those closings (each server counted;
    /// the staff time overtime adds to the scheduled hours).
    pub overtime_staff: f64,
    /// Open days of the hall's calendar in [warmup, horizon] (as
    /// [`ReplicationResult::open_days`], for per-day pool KPIs).
    pub open_days: f64,
    /// Staff cost over the window (scheduled server-hours and overtime at
    /// the pool's rate); `None` without a `costs:` section.
    pub staff_cost: Option<f64>,
    /// The mean number waiting in each of [`TREND_SEGMENTS`] equal parts of
    /// [warmup, horizon], in order: how the queue developed over the run.
    pub queue_trend: [f64; TREND_SEGMENTS],
}

/// Parts of [warmup, horizon] over which [`PoolResult::queue_trend`] is kept.
pub const TREND_SEGMENTS: usize = 8;

/// What one replication cost, over the counted window and cases.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostResult {
    /// Staff hours: scheduled server-hours in [warmup, horizon] plus
    /// overtime server-hours, over every pool.
    pub staff_hours: f64,
    /// Their cost.
    pub staff_cost: f64,
    /// Citizens' hours (travel, waits, services) of counted cases.
    pub citizen_hours: f64,
    /// Their value plus the travel cost of their visits.
    pub citizen_cost: f64,
}

impl PoolResult {
    /// Staff hours in the window: servers present while open, plus
    /// overtime server-hours.
    pub fn staff_hours(&self) -> f64 {
        (self.total(area::CAPACITY) + self.overtime_staff) / crate::time::HOUR
    }

    /// The integral over [warmup, horizon] of one level of [`area`] (e.g.
    /// `area::BUSY`: min(busy, servers)): the sum of its hours.
    pub fn total(&self, which: usize) -> f64 {
        self.hourly.iter().map(|h| h[which]).sum()
    }
}

/// Per-process results of one replication.
#[derive(Debug, Clone, Default)]
pub struct ProcessResult {
    /// Counted arrivals.
    pub arrived: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Serve waits (minutes).
    pub wait: Mean,
    /// Lead times of completed cases (minutes).
    pub lead_min: Mean,
    /// Lead times in working days.
    pub lead_wd: Mean,
    /// Visits per completed case.
    pub visits: Mean,
    /// Completed cases that never came to the hall.
    pub zero_visits: u64,
    /// Completed cases that came to the hall exactly once.
    pub one_visit: u64,
    /// Completed cases with a time limit.
    pub limited: u64,
    /// Of those, within the limit.
    pub on_time: u64,
}

/// Everything one replication measured.
#[derive(Debug, Clone, Default)]
pub struct ReplicationResult {
    /// Replication number.
    pub replication: u32,
    /// Counted arrivals.
    pub arrived: u64,
    /// Completed.
    pub completed: u64,
    /// Balked or reneged.
    pub abandoned: u64,
    /// Open at the drain limit.
    pub unfinished: u64,
    /// Times a counted case came to a `serve` queue (joined it or balked).
    pub queue_arrivals: u64,
    /// Of those, times the citizen gave up: balked or reneged (whether or
    /// not they came back later).
    pub gave_up: u64,
    /// Times a counted case came back after giving up.
    pub retries: u64,
    /// Serve waits in minutes.
    pub wait: Mean,
    /// Their quantiles.
    pub wait_quantiles: Quantiles,
    /// Minutes in the hall (wait + service at serve steps), summed.
    pub hall_minutes: f64,
    /// Visits of cases whose hall time is summed.
    pub hall_visits: u64,
    /// Visits per completed case.
    pub visits: Mean,
    /// Visits histogram of completed cases (index = visits, last bin = 20+).
    pub visit_counts: [u64; 21],
    /// Lead time of completed cases, minutes.
    pub lead_min: Mean,
    /// Lead time in working days.
    pub lead_wd: Mean,
    /// Their quantiles.
    pub lead_wd_quantiles: Quantiles,
    /// Completed cases with a time limit, and those on time.
    pub limited: u64,
    /// Of those, on time.
    pub on_time: u64,
    /// Open days in [warmup, horizon].
    pub open_days: f64,
    /// Counted cases' time as citizens, seconds: travel time per hall visit,
    /// waits and services at `serve` steps, every case however it ended.
    pub citizen_seconds: f64,
    /// Their visits to the hall.
    pub citizen_visits: u64,
    /// Cost totals; `None` without a `costs:` section.
    pub costs: Option<CostResult>,
    /// Per pool.
    pub pools: Vec<PoolResult>,
    /// Per process.
    pub processes: Vec<ProcessResult>,
    /// Events processed (for speed reports).
    pub events: u64,
    /// All arrivals including warm-up (for speed reports).
    pub cases_total: u64,
}
