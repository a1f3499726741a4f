//! Overload: before a run, pools whose offered load exceeds their average
//! capacity, as warnings (values the caller may show), with what can
//! absorb the excess; after each replication, the signs that the design
//! cannot keep up (a queue that grows without bound, cases left open at
//! `drain_limit`), which make its results meaningless.

use crate::engine::ReplicationResult;
use crate::model::Model;

/// A pool that may be overloaded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OverloadWarning {
    /// Scenario file.
    pub file: String,
    /// Pool name.
    pub pool: String,
    /// Offered load, in busy servers.
    pub offered: f64,
    /// Servers available on average.
    pub capacity: f64,
    /// What can absorb the excess (citizens giving up, overtime); empty:
    /// nothing, the queue may grow until the run stops.
    pub relief: Vec<&'static str>,
}

impl std::fmt::Display for OverloadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let outlook = if self.relief.is_empty() {
            "; its queue may grow until the run stops (exit 3)".to_string()
        } else {
            format!(
                "; the run can still settle ({}), expect long waits",
                self.relief.join(", ")
            )
        };
        write!(
            f,
            "{}: pool `{}` may be overloaded: offered load {:.2} servers vs {:.2} available on average{outlook}",
            self.file, self.pool, self.offered, self.capacity
        )
    }
}

/// Every pool of `model` whose offered load exceeds its average capacity.
pub fn overload_warnings(model: &Model) -> Vec<OverloadWarning> {
    model
        .pools
        .iter()
        .enumerate()
        .filter_map(|(i, pool)| {
            let (offered, capacity) = model.pool_load(i);
            (offered > capacity).then(|| OverloadWarning {
                file: model.file.clone(),
                pool: pool.name.clone(),
                offered,
                capacity,
                relief: model.overload_relief(i),
            })
        })
        .collect()
}

/// A sign, seen in one replication, that the design cannot keep up: its
/// results would describe a run cut short, not the design.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Overload {
    /// A pool's queue kept growing over the run.
    QueueGrows {
        /// Scenario file.
        file: String,
        /// Replication that showed it.
        replication: u32,
        /// Pool name.
        pool: String,
        /// Mean number waiting over the second quarter of [warmup, horizon].
        early: f64,
        /// Mean number waiting over the last quarter.
        late: f64,
        /// Offered load, in busy servers.
        offered: f64,
        /// Servers available on average.
        capacity: f64,
    },
    /// Many cases were still open when the run stopped at `drain_limit`.
    Unfinished {
        /// Scenario file.
        file: String,
        /// Replication that showed it.
        replication: u32,
        /// Cases still open.
        unfinished: u64,
        /// Cases that arrived.
        arrived: u64,
    },
}

impl std::fmt::Display for Overload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Overload::QueueGrows {
                file,
                replication,
                pool,
                early,
                late,
                offered,
                capacity,
            } => write!(
                f,
                "{file}: the design is overloaded: the queue of pool `{pool}` grew from {early:.1} to {late:.1} waiting on average between the second and the last quarter of the run (replication {replication}); offered load {offered:.2} servers vs {capacity:.2} available on average. Add servers or lower the arrival rate"
            ),
            Overload::Unfinished {
                file,
                replication,
                unfinished,
                arrived,
            } => write!(
                f,
                "{file}: the design is overloaded: {unfinished} of the {arrived} cases ({:.1}%) were still open when the run stopped at drain_limit (replication {replication}). Add servers, lower the arrival rate, or lengthen drain_limit",
                100.0 * *unfinished as f64 / (*arrived).max(1) as f64
            ),
        }
    }
}

/// The share of counted cases that may be open at `drain_limit` before a
/// run counts as overloaded (and at least this many cases).
const UNFINISHED_SHARE: f64 = 0.01;
const UNFINISHED_MIN: u64 = 10;

/// Whether one replication shows the design overloaded.
///
/// A pool's queue is watched over eight equal parts of [warmup, horizon]
/// ([`PoolResult::queue_trend`](crate::engine::PoolResult::queue_trend)).
/// It *grows* when it rose from part to part in at least four of the five
/// steps from the third part on, and its mean over the last quarter
/// exceeds the second quarter's by at least 5 cases and by a quarter of
/// its own size. Growth counts as overload when the pool's offered load
/// also exceeds its average capacity: then the fluid limit of the queue
/// grows linearly and the growth seen is that, not chance. Growth alone is
/// not enough: a stable queue close to saturation (M/M/1 at load 0.98
/// relaxes over about a week) still climbs towards its equilibrium in a
/// short run, and was flagged in 1 of 40 five-day replications when growth
/// alone counted. The first quarter is left out: it may still hold the
/// approach to equilibrium after a short warm-up. Cases left open at
/// `drain_limit` are the other sign, whatever the load estimate says.
pub fn detect(model: &Model, r: &ReplicationResult) -> Option<Overload> {
    for (i, p) in r.pools.iter().enumerate() {
        let q = &p.queue_trend;
        let early = (q[2] + q[3]) / 2.0;
        let late = (q[6] + q[7]) / 2.0;
        let rises = q[2..].windows(2).filter(|w| w[1] > w[0]).count();
        let grows = rises >= 4 && late - early >= 5.0_f64.max(0.25 * late);
        if !grows {
            continue;
        }
        let (offered, capacity) = model.pool_load(i);
        if offered > capacity {
            return Some(Overload::QueueGrows {
                file: model.file.clone(),
                replication: r.replication,
                pool: model.pools[i].name.clone(),
                early,
                late,
                offered,
                capacity,
            });
        }
    }
    let limit = UNFINISHED_MIN.max((UNFINISHED_SHARE * r.arrived as f64) as u64);
    (r.unfinished > limit).then(|| Overload::Unfinished {
        file: model.file.clone(),
        replication: r.replication,
        unfinished: r.unfinished,
        arrived: r.arrived,
    })
}
