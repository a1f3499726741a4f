//! What the engine reports as it runs: a record per finished case and per
//! finished step, handed to an [`Observer`] (the streaming `cases.csv` and
//! event log of `report::files`). The engine builds a record only when it
//! is wanted, so a run without files pays nothing for them.

use crate::model::{PoolId, ProcessId, RouteId};
use crate::time::Seconds;

/// One finished case, for `cases.csv`.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// Replication number.
    pub replication: u32,
    /// Case number in the replication (arrival order).
    pub case: u64,
    /// Process index.
    pub process: ProcessId,
    /// Arrival time.
    pub arrival: Seconds,
    /// Visits to the hall.
    pub visits: u32,
    /// Total queue wait at serve steps.
    pub wait: Seconds,
    /// Arrival to end (or to abandonment).
    pub lead_time: Seconds,
    /// How it ended.
    pub outcome: Outcome,
    /// Whether it arrived after warm-up.
    pub counted: bool,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished its route.
    Completed,
    /// Balked or reneged.
    Abandoned,
    /// Still open at the drain limit.
    Unfinished,
}

impl Outcome {
    /// Lower-case name for files.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Abandoned => "abandoned",
            Outcome::Unfinished => "unfinished",
        }
    }
}

/// One step a case went through, for the event log.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// Case number in the replication.
    pub case: u64,
    /// Process index.
    pub process: ProcessId,
    /// The step.
    pub route: RouteId,
    /// Position in the route.
    pub position: usize,
    /// Pool, for serve and work steps.
    pub pool: Option<PoolId>,
    /// Start (service start for serve/work, else step start).
    pub start: Seconds,
    /// End.
    pub end: Seconds,
}

/// What happened at a queue, for the event log. Leaving kinds are listed
/// one by one so new ones (a retry) are one variant more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueEvent {
    /// A citizen joined the queue of a `serve` step.
    Join,
    /// A citizen left the queue unserved, out of patience.
    Renege,
    /// A citizen left on arrival, the queue being at `balk_at`.
    Balk,
    /// A citizen who reneged or balked will come back to the step (a
    /// `retry`): recorded when leaving, after the `renege` or `balk` row.
    Retry,
}

impl QueueEvent {
    /// Lower-case name for files (the `event` column).
    pub fn as_str(self) -> &'static str {
        match self {
            QueueEvent::Join => "join",
            QueueEvent::Renege => "renege",
            QueueEvent::Balk => "balk",
            QueueEvent::Retry => "retry",
        }
    }

    /// The XES lifecycle transition (`lifecycle:transition`): joining a
    /// queue schedules the activity; leaving unserved withdraws it; a
    /// retry suspends it until the citizen comes back.
    pub fn lifecycle(self) -> &'static str {
        match self {
            QueueEvent::Join => "schedule",
            QueueEvent::Renege | QueueEvent::Balk => "withdraw",
            QueueEvent::Retry => "suspend",
        }
    }
}

/// A citizen joined or left a queue, for the event log.
#[derive(Debug, Clone)]
pub struct QueueRecord {
    /// Case number in the replication.
    pub case: u64,
    /// Process index.
    pub process: ProcessId,
    /// The `serve` step.
    pub route: RouteId,
    /// Position in the route.
    pub position: usize,
    /// The pool whose queue it is.
    pub pool: PoolId,
    /// When.
    pub time: Seconds,
    /// What happened.
    pub event: QueueEvent,
}

/// Receives cases and steps as they finish (for streaming files).
pub trait Observer {
    /// Whether step records are wanted (they cost time).
    fn wants_steps(&self) -> bool {
        false
    }
    /// A case ended.
    fn case(&mut self, _record: &CaseRecord) {}
    /// A step ended.
    fn step(&mut self, _record: &StepRecord) {}
    /// A citizen joined or left a queue (asked only when [`Observer::wants_steps`]).
    fn queue(&mut self, _record: &QueueRecord) {}
}

/// An observer that keeps nothing.
pub struct NoObserver;
impl Observer for NoObserver {}
