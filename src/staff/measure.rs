//! What the staffing algorithm reads from a simulation, per pool and
//! interval of the day: the time-weighted distribution of the number of
//! citizens present at the pool (waiting plus in service at its `serve`
//! steps), and the service of the citizens who joined its queue in that
//! interval. An [`Observer`] rebuilds both from the engine's queue and step
//! records, so the engine itself is unchanged.
//!
//! Only the pool's open time inside `[warmup, horizon]` counts (nights and
//! closed days would dilute the distribution), and only counted cases are
//! recorded (a case that arrived before `warmup` is not seen).

use crate::engine::{Observer, QueueEvent, QueueRecord, StepRecord};
use crate::model::{Model, PoolId, StepKind};
use crate::stats::Estimate;
use crate::time::{Seconds, DAY, MINUTE};
use std::collections::HashMap;

/// The intervals of a day: `count` of `length` seconds from midnight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// Interval length, seconds.
    pub length: Seconds,
    /// Intervals per day.
    pub count: usize,
}

impl Grid {
    /// The interval holding time `t`.
    pub fn of(&self, t: Seconds) -> usize {
        (crate::calendar::floor_i64(t / self.length).rem_euclid(self.count as i64)) as usize
    }
}

/// One replication's tally of the citizens who joined in one interval.
#[derive(Debug, Clone, Default)]
struct Joined {
    joined: u64,
    balked: u64,
    reneged: u64,
    waits_min: Vec<f64>,
}

/// Per replication: the observer handed to the engine.
pub(crate) struct Measure<'m> {
    model: &'m Model,
    grid: Grid,
    /// Pool id -> index among the staffed pools.
    slot: Vec<Option<usize>>,
    /// Per staffed pool: (time, +1 or -1) changes of the number present.
    changes: Vec<Vec<(Seconds, i32)>>,
    /// Per staffed pool and interval: who joined then and how they fared.
    joined: Vec<Vec<Joined>>,
    /// When each citizen now queued joined: (case, route, position).
    queued: HashMap<(u64, usize, usize), Seconds>,
    /// Per staffed pool: service time summed (seconds) and services.
    service: Vec<(f64, u64)>,
}

impl<'m> Measure<'m> {
    /// An observer of `pools` of `model` on `grid`.
    pub fn new(model: &'m Model, pools: &[PoolId], grid: Grid) -> Self {
        let mut slot = vec![None; model.pools.len()];
        for (i, &p) in pools.iter().enumerate() {
            slot[p] = Some(i);
        }
        Measure {
            model,
            grid,
            slot,
            changes: vec![Vec::new(); pools.len()],
            joined: vec![vec![Joined::default(); grid.count]; pools.len()],
            queued: HashMap::new(),
            service: vec![(0.0, 0); pools.len()],
        }
    }

    fn is_serve(&self, route: usize, position: usize) -> bool {
        matches!(
            self.model.routes[route].steps[position].kind,
            StepKind::Serve { .. }
        )
    }
}

impl Observer for Measure<'_> {
    fn wants_steps(&self) -> bool {
        true
    }

    fn queue(&mut self, r: &QueueRecord) {
        let Some(i) = self.slot[r.pool] else { return };
        let key = (r.case, r.route, r.position);
        match r.event {
            QueueEvent::Join => {
                self.changes[i].push((r.time, 1));
                self.queued.insert(key, r.time);
                self.joined[i][self.grid.of(r.time)].joined += 1;
            }
            QueueEvent::Renege => {
                self.changes[i].push((r.time, -1));
                let at = self.queued.remove(&key).unwrap_or(r.time);
                self.joined[i][self.grid.of(at)].reneged += 1;
            }
            QueueEvent::Balk => self.joined[i][self.grid.of(r.time)].balked += 1,
            QueueEvent::Retry => {}
        }
    }

    fn step(&mut self, r: &StepRecord) {
        let Some(i) = r.pool.and_then(|p| self.slot[p]) else {
            return;
        };
        if !self.is_serve(r.route, r.position) {
            return;
        }
        self.changes[i].push((r.end, -1));
        self.service[i].0 += r.end - r.start;
        self.service[i].1 += 1;
        let at = self
            .queued
            .remove(&(r.case, r.route, r.position))
            .unwrap_or(r.start);
        let wait = ((r.start - at) / MINUTE).max(0.0);
        self.joined[i][self.grid.of(at)].waits_min.push(wait);
    }
}

/// What the staffing reads of one interval of one pool, over every
/// replication so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntervalData {
    /// Seconds spent with n citizens present, index n.
    pub present: Vec<f64>,
    /// Open seconds observed.
    pub open: Seconds,
    /// Citizens who came to the queue (joined or balked).
    pub arrivals: u64,
    /// Per replication: (delay probability, mean wait, 90th percentile
    /// wait, abandonment share), each `None` without citizens.
    pub per_replication: Vec<[Option<f64>; 4]>,
}

impl IntervalData {
    /// P(N >= s), time-weighted; `None` without open time.
    pub fn tail(&self, s: usize) -> Option<f64> {
        (self.open > 0.0).then(|| self.present.iter().skip(s).sum::<f64>() / self.open)
    }

    /// E[min(N, s)] / s: the share of `s` servers busy.
    pub fn utilization(&self, s: u32) -> Option<f64> {
        (self.open > 0.0 && s > 0).then(|| {
            self.present
                .iter()
                .enumerate()
                .map(|(n, t)| n.min(s as usize) as f64 * t)
                .sum::<f64>()
                / self.open
                / f64::from(s)
        })
    }

    /// The estimate across replications of measure `which` (0 delay
    /// probability, 1 mean wait, 2 p90 wait, 3 abandonment share).
    pub fn achieved(&self, which: usize) -> Option<Estimate> {
        let values: Vec<Option<f64>> = self.per_replication.iter().map(|v| v[which]).collect();
        Estimate::from_values(&values)
    }
}

/// Every staffed pool's intervals, over every replication.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// Per staffed pool, per interval.
    pub pools: Vec<Vec<IntervalData>>,
    /// Per staffed pool: mean service time, seconds (0 without services).
    pub mean_service: Vec<Seconds>,
    service: Vec<(f64, u64)>,
}

impl Measured {
    /// Nothing measured yet, for `pools` pools on `grid`.
    pub fn new(pools: usize, grid: Grid) -> Self {
        Measured {
            pools: vec![vec![IntervalData::default(); grid.count]; pools],
            mean_service: vec![0.0; pools],
            service: vec![(0.0, 0); pools],
        }
    }

    /// Adds one replication (called in replication order, so sums are the
    /// same for any thread count).
    pub fn add(&mut self, m: Measure, pools: &[PoolId]) {
        let model = m.model;
        let grid = m.grid;
        for (i, &p) in pools.iter().enumerate() {
            let calendar = &model.pools[p].calendar;
            let mut changes = m.changes[i].clone();
            changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let intervals = &mut self.pools[i];
            let mut level: i64 = 0;
            let mut since = model.warmup;
            let mut add_span = |from: Seconds, to: Seconds, n: i64| {
                let mut a = from.max(model.warmup);
                let b = to.min(model.horizon);
                while a < b {
                    let boundary =
                        (crate::calendar::floor_i64(a / grid.length) + 1) as f64 * grid.length;
                    let e = b.min(boundary);
                    if calendar.is_open(0.5 * (a + e)) {
                        let d = &mut intervals[grid.of(a)];
                        let n = n.max(0) as usize;
                        if d.present.len() <= n {
                            d.present.resize(n + 1, 0.0);
                        }
                        d.present[n] += e - a;
                        d.open += e - a;
                    }
                    a = e;
                }
            };
            for &(t, delta) in &changes {
                add_span(since, t, level);
                since = since.max(t);
                level += i64::from(delta);
            }
            add_span(since, model.horizon, level);
            for (d, j) in intervals.iter_mut().zip(&m.joined[i]) {
                d.arrivals += j.joined + j.balked;
                d.per_replication.push(kpis(j));
            }
            self.service[i].0 += m.service[i].0;
            self.service[i].1 += m.service[i].1;
            let (sum, n) = self.service[i];
            self.mean_service[i] = if n > 0 { sum / n as f64 } else { 0.0 };
        }
    }
}

/// One replication's service of the citizens who joined in one interval.
fn kpis(j: &Joined) -> [Option<f64>; 4] {
    let served = j.waits_min.len();
    let came = j.joined + j.balked;
    if served == 0 {
        let abandoned = (came > 0).then(|| (j.reneged + j.balked) as f64 / came as f64);
        return [None, None, None, abandoned];
    }
    let n = served as f64;
    let delayed = j.waits_min.iter().filter(|&&w| w > 1e-9).count() as f64;
    let mut sorted = j.waits_min.clone();
    sorted.sort_by(f64::total_cmp);
    // Nearest rank: the smallest wait with at least 90% of waits at or below it.
    let rank = ((0.9 * n).ceil() as usize).clamp(1, served);
    [
        Some(delayed / n),
        Some(sorted.iter().sum::<f64>() / n),
        Some(sorted[rank - 1]),
        Some((j.reneged + j.balked) as f64 / came.max(1) as f64),
    ]
}

/// Seconds of the pool's daily hours inside interval `k` of `grid`.
pub(crate) fn open_seconds(hours: &[(Seconds, Seconds)], grid: Grid, k: usize) -> Seconds {
    let (a, b) = (k as f64 * grid.length, (k + 1) as f64 * grid.length);
    hours
        .iter()
        .map(|&(s, e)| (e.min(b) - s.max(a)).max(0.0))
        .sum::<f64>()
        .min(DAY)
}
