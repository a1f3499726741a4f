//! The event loop: one replication of one model.
//!
//! `model -> engine -> stats`: [`run_replication`] takes the validated
//! model, a seed and a replication number, and returns what the replication
//! measured ([`ReplicationResult`]), streaming finished cases and steps to
//! an [`Observer`]. Nothing here formats text or prints.
//!
//! The loop pops events from the agenda (`engine/events.rs`) in (time,
//! sequence number) order, so simultaneous events run in the order they
//! were scheduled and every run is reproducible. The handlers below move
//! cases and their tokens (`engine/state.rs`) along their routes, through
//! the pools' queues and servers; the hot path neither hashes nor allocates
//! in the steady state.
//!
//! - `engine/arrivals.rs`: when each arrival stream's next citizen comes;
//! - `engine/events.rs`: event packing and the agenda;
//! - `engine/state.rs`: case, token and pool state, level integration;
//! - `engine/records.rs`: case and step records, the [`Observer`];
//! - `engine/result.rs`: [`ReplicationResult`] and the level [`area`]s.

mod arrivals;
mod events;
mod records;
mod result;
mod returns;
mod state;

pub use records::{CaseRecord, NoObserver, Observer, Outcome, QueueEvent, QueueRecord, StepRecord};
pub use result::{
    area, CostResult, HourAreas, PoolResult, ProcessResult, ReplicationResult, TREND_SEGMENTS,
};

use crate::model::*;
use crate::rng::StreamKey;
use crate::stats::Quantiles;
use crate::time::{Duration, Seconds, DAY, HOUR, MINUTE};
use arrivals::StreamState;
use events::{Agenda, Ev, TICKET_MASK};
use state::{Case, CaseId, Cases, PoolState, Token, TokenId, Tokens, NO_POOL};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

/// Limits that keep a run safe.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A pool whose queue grows past this many waiting cases ends the run
    /// as overloaded (exit 3) before memory runs away.
    pub max_queue: usize,
    /// More cases than this in progress at once (waiting in a queue, in a
    /// `wait` step, in service) end the run with [`EngineError::TooManyLive`]
    /// before their records exhaust memory.
    pub max_live: usize,
}

/// Memory one replication's live cases may take with the default
/// [`Limits::max_live`]: far below any machine's memory, even with a
/// replication in progress per core.
pub const LIVE_CASES_BUDGET: usize = 512 << 20;

/// Bytes one live case holds at least: its record, a token, an agenda
/// entry and a queue entry, twice over as the arenas grow by doubling.
pub fn live_case_bytes() -> usize {
    2 * (size_of::<Case>()
        + size_of::<Token>()
        + events::EVENT_BYTES
        + size_of::<state::PriorityEntry>())
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_queue: 250_000,
            max_live: LIVE_CASES_BUDGET / live_case_bytes(),
        }
    }
}

/// Why a replication could not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// A queue grew past [`Limits::max_queue`].
    #[error("the design is overloaded: pool `{pool}` has {queued} cases waiting at day {day:.1}; offered load {offered:.2} servers vs {capacity:.2} available on average. Add servers or lower the arrival rate")]
    Overloaded {
        /// The pool's name.
        pool: String,
        /// Cases waiting when the run stopped.
        queued: usize,
        /// Simulated day when it stopped.
        day: f64,
        /// Estimated busy servers needed (mean over the horizon).
        offered: f64,
        /// Servers available (mean over the horizon).
        capacity: f64,
    },
    /// More cases were in progress at once than [`Limits::max_live`].
    #[error("at day {day:.1}, {live} cases were in progress at once, over the limit of {limit} (--max-live; about {bytes_per_case} bytes of memory each); shorten the long waits or the horizon, lower the arrival rates, or raise --max-live on a machine with the memory")]
    TooManyLive {
        /// Cases in progress when the run stopped.
        live: u64,
        /// Simulated day when it stopped.
        day: f64,
        /// The limit.
        limit: usize,
        /// Memory per live case ([`live_case_bytes`]).
        bytes_per_case: usize,
    },
    /// The run was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// The machine refused a resource (e.g. worker threads).
    #[error("could not start the simulation: {0}")]
    Resources(String),
}

/// A case's time in the hall as a citizen: every wait in a `serve` queue
/// (also before reneging, and so far when the run stopped) and every
/// service. (Not `Case::hall`, which counts waits only once served.)
fn citizen_seconds(case: &Case) -> Seconds {
    case.wait + case.served
}

/// The simulation of one replication.
struct Sim<'m, O: Observer> {
    model: &'m Model,
    replication: u32,
    now: Seconds,
    agenda: Agenda,
    cases: Cases,
    tokens: Tokens,
    /// Tokens to move on at the current instant.
    ready: Vec<TokenId>,
    pools: Vec<PoolState>,
    streams: Vec<StreamState>,
    /// Per arrival stream, the root of its cases' random streams.
    stream_keys: Vec<StreamKey>,
    arrivals_open: usize,
    next_case_number: u64,
    result: ReplicationResult,
    observer: &'m mut O,
    limits: Limits,
    /// Per pool, serve waits of counted cases (minutes); the zero waits
    /// (often most of them) are counted apart and added at the end.
    serve_waits: Vec<Quantiles>,
    zero_serve_waits: Vec<u64>,
    /// Per arrival stream and place (each pool, then the hall), the daily
    /// windows its returns are drawn from.
    return_windows: Vec<Vec<returns::Windows>>,
}

/// Runs replication `replication` of `model` with master seed `seed` (the
/// file's, or an override); `stop` is polled to interrupt.
pub fn run_replication<O: Observer>(
    model: &Model,
    seed: u64,
    replication: u32,
    limits: Limits,
    observer: &mut O,
    stop: &AtomicBool,
) -> Result<ReplicationResult, EngineError> {
    let root = StreamKey::replication(seed, u64::from(replication));
    let mut sim = Sim {
        model,
        replication,
        now: 0.0,
        agenda: Agenda::new(model.arrivals.len()),
        cases: Cases::new(model.step_counters()),
        tokens: Tokens::default(),
        ready: Vec::new(),
        pools: model
            .pools
            .iter()
            .map(|_| PoolState::new(model.warmup, model.horizon))
            .collect(),
        streams: model
            .arrivals
            .iter()
            .map(|a| StreamState::new(root.child(a.stream).rng()))
            .collect(),
        stream_keys: model
            .arrivals
            .iter()
            .map(|a| root.child(a.stream).child(0xCA5E))
            .collect(),
        arrivals_open: model.arrivals.len(),
        next_case_number: 0,
        result: ReplicationResult {
            replication,
            pools: vec![PoolResult::default(); model.pools.len()],
            processes: vec![ProcessResult::default(); model.processes.len()],
            ..Default::default()
        },
        observer,
        limits,
        serve_waits: vec![Quantiles::new(); model.pools.len()],
        zero_serve_waits: vec![0; model.pools.len()],
        return_windows: returns::return_windows(model),
    };
    sim.run(stop)?;
    Ok(sim.result)
}

impl<'m, O: Observer> Sim<'m, O> {
    /// Schedules `ev` at `time` (never before now).
    #[inline]
    fn schedule(&mut self, time: Seconds, ev: Ev) {
        self.agenda.schedule(self.now, time, ev);
    }

    fn run(&mut self, stop: &AtomicBool) -> Result<(), EngineError> {
        let model = self.model;
        for p in 0..model.pools.len() {
            self.pool_tick(p, 0.0);
        }
        for s in 0..model.arrivals.len() {
            self.schedule_arrival(s);
        }
        let mut count: u64 = 0;
        while let Some((time, ev)) = self.agenda.pop() {
            if time > model.drain_limit {
                self.now = model.drain_limit;
                break;
            }
            self.now = time;
            count += 1;
            if count & 0xFFFF == 0 && stop.load(AtomicOrdering::Relaxed) {
                return Err(EngineError::Interrupted);
            }
            match ev {
                Ev::Arrive(s) => self.arrive(s as usize)?,
                Ev::Resume(t) => self.ready.push(t),
                Ev::Done(t) => self.service_done(t)?,
                Ev::Renege(t, ticket) => self.renege(t, ticket),
                Ev::PoolTick(p) => self.pool_tick(p as usize, time),
            }
            self.drain_ready()?;
            // Stop when nothing is left to do, but not before the horizon:
            // the pools' opening and closing up to it count in utilization.
            if self.arrivals_open == 0 && self.cases.live() == 0 && self.now >= model.horizon {
                break;
            }
        }
        self.result.events = count;
        self.finish();
        Ok(())
    }

    fn finish(&mut self) {
        let model = self.model;
        let end = self.now.max(model.horizon);
        for p in 0..self.pools.len() {
            self.integrate(p, end);
            let ps = &mut self.pools[p];
            let pr = &mut self.result.pools[p];
            ps.move_to_hour(end);
            pr.hourly = ps.hourly;
            pr.queue_max = ps.queue_max;
            let segment = (model.horizon - model.warmup) / TREND_SEGMENTS as f64;
            if segment > 0.0 {
                pr.queue_trend = ps.trend.map(|a| a / segment);
            }
            // Pool quantiles cover serve and work waits; the scenario's, serve waits.
            self.serve_waits[p].add_zeros(self.zero_serve_waits[p]);
            self.result.pools[p]
                .wait_quantiles
                .merge(&self.serve_waits[p]);
            self.result.wait_quantiles.merge(&self.serve_waits[p]);
        }
        let r = &mut self.result;
        for p in &r.processes {
            r.arrived += p.arrived;
            r.completed += p.completed;
            r.wait.merge(&p.wait);
            r.lead_min.merge(&p.lead_min);
            r.lead_wd.merge(&p.lead_wd);
            r.visits.merge(&p.visits);
            r.limited += p.limited;
            r.on_time += p.on_time;
        }
        // Citizens still queueing at a `serve` step (or sent home from
        // one) have waited so far; their records and time count it.
        for tok in self.tokens.live() {
            let step = model.routes[tok.route as usize].steps.get(tok.pos as usize);
            let case = &mut self.cases[tok.case];
            if case.live_tokens == 0
                || case.abandoned
                || !matches!(step.map(|s| &s.kind), Some(StepKind::Serve { .. }))
            {
                continue;
            }
            let queued = if tok.waiting {
                self.now - tok.queued_at
            } else {
                0.0
            };
            case.wait += tok.wait_acc + queued;
            case.hall += tok.wait_acc + queued;
        }
        // Cases still open at the drain limit.
        for case in self.cases.slots() {
            if case.live_tokens > 0 && !case.abandoned {
                if case.counted {
                    self.result.unfinished += 1;
                    self.result.citizen_seconds += citizen_seconds(case);
                    self.result.citizen_visits += u64::from(case.visits);
                }
                let rec = case.record(self.replication, self.now, Outcome::Unfinished);
                self.observer.case(&rec);
            }
        }
        let first_day = (model.warmup / DAY).floor() as i64;
        let last_day = (model.horizon / DAY).ceil() as i64;
        // Open days in the window, prorating partial first/last days by open time.
        let open = model
            .calendar
            .open_time_between(model.warmup, model.horizon)
            / model.calendar.working_day();
        self.result.open_days = if open > 0.0 {
            open
        } else {
            model.calendar.open_days_in(first_day, last_day) as f64
        };
        let open_days = self.result.open_days;
        for p in &mut self.result.pools {
            p.open_days = open_days;
        }
        if let Some(costs) = &model.costs {
            self.result.costs = Some(self.cost_totals(costs));
        }
    }

    /// The replication's cost totals (and each pool's staff cost).
    fn cost_totals(&mut self, costs: &Costs) -> CostResult {
        let r = &mut self.result;
        let mut total = CostResult::default();
        for (p, &rate) in r.pools.iter_mut().zip(&costs.staff_per_hour) {
            let hours = p.staff_hours();
            p.staff_cost = Some(hours * rate);
            total.staff_hours += hours;
            total.staff_cost += hours * rate;
        }
        total.citizen_hours =
            (r.citizen_seconds + costs.travel_time * r.citizen_visits as f64) / HOUR;
        total.citizen_cost = total.citizen_hours * costs.citizen_value_per_hour
            + costs.travel_cost * r.citizen_visits as f64;
        total
    }

    /// Adds a counted case's time in the hall and its visits to the
    /// citizens' totals, once, when it ends (completed, abandoned or still
    /// open at the drain limit).
    fn citizen_time(&mut self, c: CaseId) {
        let case = &self.cases[c];
        if case.counted {
            self.result.citizen_seconds += citizen_seconds(case);
            self.result.citizen_visits += u64::from(case.visits);
        }
    }

    fn schedule_arrival(&mut self, s: usize) {
        let model = self.model;
        match self.streams[s].next(&model.arrivals[s], &model.calendar, model.horizon) {
            Some(t) => self.agenda.schedule_arrival(self.now, t, s as u32),
            None => self.arrivals_open -= 1,
        }
    }

    fn arrive(&mut self, s: usize) -> Result<(), EngineError> {
        let model = self.model;
        let arrival = &model.arrivals[s];
        let number = self.streams[s].next_number;
        let process = if arrival.mix.len() == 1 {
            arrival.mix[0].1
        } else {
            let u = self.streams[s].uniform();
            arrival
                .mix
                .iter()
                .find(|(cum, _)| u < *cum)
                .map_or(arrival.mix[arrival.mix.len() - 1].1, |m| m.1)
        };
        let counted = self.now >= model.warmup;
        let case_number = self.next_case_number;
        self.next_case_number += 1;
        self.result.cases_total += 1;
        if counted {
            self.result.processes[process].arrived += 1;
        }
        let case = self.cases.insert(Case::new(
            process as u32,
            s as u32,
            self.stream_keys[s].child(number),
            case_number,
            self.now,
            counted,
        ));
        if self.cases.live() > self.limits.max_live as u64 {
            return Err(EngineError::TooManyLive {
                live: self.cases.live(),
                day: self.now / DAY,
                limit: self.limits.max_live,
                bytes_per_case: live_case_bytes(),
            });
        }
        let route = model.processes[process].route;
        let token = self.new_token(case, route as u32, TokenId::NONE);
        self.ready.push(token);
        self.schedule_arrival(s);
        Ok(())
    }

    fn new_token(&mut self, case: CaseId, route: u32, parent: TokenId) -> TokenId {
        self.cases[case].live_tokens += 1;
        self.tokens.insert(Token::new(case, route, parent))
    }

    fn drain_ready(&mut self) -> Result<(), EngineError> {
        while let Some(t) = self.ready.pop() {
            self.advance(t)?;
        }
        Ok(())
    }

    /// The open pool with the fewest waiting per open server (ties: the
    /// first listed), `None` when all are closed. A pool with a free server
    /// comes first, so no citizen queues while a listed window is idle.
    #[inline]
    fn choose_pool(&self, pools: &[PoolId]) -> Option<usize> {
        let usable = |p: usize| self.pools[p].open && self.pools[p].capacity > 0;
        if let [p] = *pools {
            return usable(p).then_some(p);
        }
        let mut best: Option<(f64, usize)> = None;
        for &p in pools.iter().filter(|&&p| usable(p)) {
            let ps = &self.pools[p];
            let free = ps.waiting == 0 && ps.busy < ps.capacity;
            let load = if free {
                -1.0
            } else {
                f64::from(ps.waiting) / f64::from(ps.capacity)
            };
            if best.is_none_or(|(b, _)| load < b) {
                best = Some((load, p));
            }
        }
        best.map(|(_, p)| p)
    }

    /// Runs a token forward until it waits for something (a queue, a delay,
    /// its children) or ends.
    fn advance(&mut self, t: TokenId) -> Result<(), EngineError> {
        let model = self.model;
        loop {
            let tok = self.tokens[t];
            let c = tok.case;
            if self.cases[c].abandoned {
                self.end_token(t);
                return Ok(());
            }
            let route = &model.routes[tok.route as usize];
            let Some(step) = route.steps.get(tok.pos as usize) else {
                self.end_token(t);
                return Ok(());
            };
            let case = &mut self.cases[c];
            if case.limit_start.is_nan() {
                if let Some(TimeLimit {
                    from: Some(from), ..
                }) = &model.processes[case.process as usize].time_limit
                {
                    if from.global == step.global {
                        case.limit_start = self.now;
                    }
                }
            }
            match &step.kind {
                StepKind::Serve {
                    pools,
                    balk_at,
                    patience,
                    balk_retry,
                    ..
                } => {
                    let Some(pool) = self.choose_pool(pools) else {
                        self.come_when_open(t, pools);
                        return Ok(());
                    };
                    let now = self.now;
                    let case = &mut self.cases[c];
                    case.enter_hall(now);
                    if case.counted {
                        self.result.queue_arrivals += 1;
                    }
                    if let Some(limit) = balk_at {
                        if self.pools[pool].waiting >= *limit {
                            self.record_queue(t, pool, QueueEvent::Balk);
                            self.cases[c].leave_hall(now);
                            self.give_up(t, pool, balk_retry.as_deref());
                            return Ok(());
                        }
                    }
                    let patience = patience.as_ref().map(|d| {
                        let mut rng = self.cases[c].step_rng(step);
                        let _service_draw = rng.next_u64();
                        d.sample(&mut rng)
                    });
                    self.join_queue(t, pool, true)?;
                    if let Some(p) = patience {
                        let tok = self.tokens[t];
                        if tok.waiting {
                            self.schedule(self.now + p, Ev::Renege(t, tok.ticket));
                        }
                    }
                    return Ok(());
                }
                StepKind::Work { pool, .. } => {
                    self.join_queue(t, *pool, false)?;
                    return Ok(());
                }
                StepKind::Wait { time } => {
                    let mut rng = case.step_rng(step);
                    let d = time.sample(&mut rng);
                    let end = self.delay_end(d, time.working_days());
                    let next = tok.pos as usize + 1;
                    let at = self.return_time(c, end, time, tok.route as usize, next);
                    self.record_step(t, None, self.now, at);
                    self.tokens[t].pos += 1;
                    self.schedule(at, Ev::Resume(t));
                    return Ok(());
                }
                StepKind::Rework {
                    p,
                    after,
                    to,
                    max_rework,
                    index,
                } => {
                    let mut rng = case.step_rng(step);
                    let u = rng.uniform();
                    let count = self.cases.counter(c, *index);
                    if u < *p && u32::from(*count) < *max_rework {
                        *count = count.saturating_add(1);
                        self.cases[c].passes += 1;
                        let d = after.sample(&mut rng);
                        let end = self.delay_end(d, after.working_days());
                        let at = self.return_time(c, end, after, tok.route as usize, *to);
                        self.record_step(t, None, self.now, at);
                        self.tokens[t].pos = *to as u32;
                        self.schedule(at, Ev::Resume(t));
                        return Ok(());
                    }
                    self.tokens[t].pos += 1;
                }
                StepKind::Parallel { branches } => {
                    self.tokens[t].pending = branches.len() as u32;
                    for &b in branches {
                        let child = self.new_token(c, b as u32, t);
                        self.ready.push(child);
                    }
                    return Ok(());
                }
                StepKind::Choose { branches } => {
                    let mut rng = case.step_rng(step);
                    let u = rng.uniform();
                    let b = branches
                        .iter()
                        .find(|(cum, _)| u < *cum)
                        .map_or(branches[branches.len() - 1].1, |x| x.1);
                    self.tokens[t].pending = 1;
                    let child = self.new_token(c, b as u32, t);
                    self.ready.push(child);
                    return Ok(());
                }
            }
        }
    }

    fn delay_end(&self, amount: f64, working_days: bool) -> Seconds {
        if working_days {
            let cal = &self.model.calendar;
            cal.add_open_time(self.now, amount * cal.working_day())
        } else {
            self.now + amount
        }
    }

    /// When a delay that ends at `end` brings the case to `position` of
    /// `route`: a citizen coming back to the hall after a delay in days
    /// comes on the day it ends at a time drawn from the case's profile
    /// (`returns: profile`); any other delay ends exactly at `end`.
    fn return_time(
        &mut self,
        c: CaseId,
        end: Seconds,
        delay: &crate::dist::Dist,
        route: usize,
        position: usize,
    ) -> Seconds {
        let model = self.model;
        if model.returns == Returns::AtOpening
            || !delay.in_days()
            || !model.starts_in_hall(route, position)
        {
            return end;
        }
        let day = crate::calendar::floor_i64(end / DAY);
        let hall = model.pools.len();
        self.draw_return(c, hall, &model.calendar, day, self.now)
            .unwrap_or(end)
    }

    /// A return time of case `c` at `place` (a pool, or `pools.len()` for
    /// the hall) on the first open day from `day` on, not before `not_before`.
    fn draw_return(
        &mut self,
        c: CaseId,
        place: usize,
        calendar: &crate::calendar::Calendar,
        day: i64,
        not_before: Seconds,
    ) -> Option<Seconds> {
        let case = &mut self.cases[c];
        let windows = &self.return_windows[case.stream as usize][place];
        let mut rng = case.return_rng();
        returns::draw_return(
            windows,
            day,
            not_before,
            |d| calendar.days().is_open(d),
            &mut rng,
        )
    }

    /// A token reached a `serve` step whose pools are all closed. A citizen
    /// already in the hall, or in the hall while it is open (a window that
    /// opens later than the hall), waits for a reopening later the same
    /// day; one coming while the hall is closed, or one the pools close on
    /// for the day, comes on the next open day at a profile time
    /// (`returns: profile`), or at the next opening (`returns: at_opening`).
    fn come_when_open(&mut self, t: TokenId, pools: &[PoolId]) {
        let model = self.model;
        let now = self.now;
        let next = pools
            .iter()
            .filter_map(|&p| model.pools[p].next_available(now).map(|at| (at, p)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        // A pool that never opens again leaves the case open; it is
        // reported as unfinished.
        let Some((next, pool)) = next else { return };
        let c = self.tokens[t].case;
        let same_day = (next / DAY).floor() == (now / DAY).floor();
        // (`next == now`: the pool opens at this very instant and its
        // opening has not run yet; the citizen is let in right after it.)
        // Someone in the open hall whose window opens later that day waits
        // for it: only a closed hall sends citizens away.
        let waits_inside = self.cases[c].is_in_hall(now) || model.calendar.is_open(now);
        let at = if model.returns == Returns::AtOpening || next <= now || (same_day && waits_inside)
        {
            next
        } else {
            let day = crate::calendar::floor_i64(next / DAY);
            let calendar = &model.pools[pool].calendar;
            self.draw_return(c, pool, calendar, day, now)
                .unwrap_or(next)
        };
        self.schedule(at.max(now), Ev::Resume(t));
    }

    /// Hands a queue join or leave of a counted case to the observer.
    fn record_queue(&mut self, t: TokenId, pool: PoolId, event: QueueEvent) {
        if self.observer.wants_steps() {
            let tok = self.tokens[t];
            let case = &self.cases[tok.case];
            if case.counted {
                let rec = QueueRecord {
                    case: case.number,
                    process: case.process as usize,
                    route: tok.route as usize,
                    position: tok.pos as usize,
                    pool,
                    time: self.now,
                    event,
                };
                self.observer.queue(&rec);
            }
        }
    }

    fn record_step(&mut self, t: TokenId, pool: Option<PoolId>, start: Seconds, end: Seconds) {
        if self.observer.wants_steps() {
            let tok = self.tokens[t];
            let case = &self.cases[tok.case];
            if case.counted {
                let rec = StepRecord {
                    case: case.number,
                    process: case.process as usize,
                    route: tok.route as usize,
                    position: tok.pos as usize,
                    pool,
                    start,
                    end,
                };
                self.observer.step(&rec);
            }
        }
    }

    fn join_queue(&mut self, t: TokenId, pool: usize, serve: bool) -> Result<(), EngineError> {
        let now = self.now;
        self.integrate(pool, now);
        let priority = {
            let case = &self.cases[self.tokens[t].case];
            self.model.processes[case.process as usize].priority
        };
        let tok = &mut self.tokens[t];
        tok.waiting = true;
        tok.pool = pool as u32;
        tok.queued_at = now;
        tok.ticket = tok.ticket.wrapping_add(1);
        let ticket = tok.ticket;
        let ps = &mut self.pools[pool];
        ps.waiting += 1;
        if serve {
            ps.waiting_serve += 1;
        }
        ps.push(self.model.pools[pool].discipline, t, ticket, priority);
        if ps.waiting as usize > self.limits.max_queue {
            return Err(self.overloaded(pool));
        }
        if serve {
            self.record_queue(t, pool, QueueEvent::Join);
        }

        self.dispatch(pool)
    }

    fn overloaded(&self, pool: usize) -> EngineError {
        let (offered, capacity) = self.model.pool_load(pool);
        EngineError::Overloaded {
            pool: self.model.pools[pool].name.clone(),
            queued: self.pools[pool].waiting as usize,
            day: self.now / DAY,
            offered,
            capacity,
        }
    }

    /// Whether a queue entry of `pool` is still live (not stale).
    #[inline]
    fn is_queued(&self, t: TokenId, ticket: u32, pool: usize) -> bool {
        let tok = &self.tokens[t];
        tok.waiting && tok.ticket == ticket && tok.pool == pool as u32
    }

    /// Pops the next valid queue entry.
    fn pop_queue(&mut self, pool: usize) -> Option<TokenId> {
        let discipline = self.model.pools[pool].discipline;
        loop {
            let (t, ticket) = self.pools[pool].pop(discipline)?;
            if self.is_queued(t, ticket, pool) {
                return Some(t);
            }
        }
    }

    fn dispatch(&mut self, pool: usize) -> Result<(), EngineError> {
        loop {
            let ps = &self.pools[pool];
            if ps.busy >= ps.serving_capacity() || ps.waiting == 0 {
                return Ok(());
            }
            let next = if ps.open {
                self.pop_queue(pool)
            } else {
                self.pop_citizen(pool)
            };
            let Some(t) = next else {
                return Ok(());
            };
            self.start_service(t, pool);
        }
    }

    /// Pops the first citizen (a valid `serve` entry) of a closed pool's
    /// queue, for `finish` overtime: files queued for `work` keep their
    /// place until the opening. (Taking a file then held an overtime server
    /// all night, so the citizens kept for overtime waited for the next day.)
    fn pop_citizen(&mut self, pool: usize) -> Option<TokenId> {
        let discipline = self.model.pools[pool].discipline;
        let (tokens, routes) = (&self.tokens, &self.model.routes);
        let (t, _) = self.pools[pool].pop_where(discipline, |t, ticket| {
            let tok = &tokens[t];
            tok.waiting
                && tok.ticket == ticket
                && tok.pool == pool as u32
                && matches!(
                    routes[tok.route as usize].steps[tok.pos as usize].kind,
                    StepKind::Serve { .. }
                )
        })?;
        Some(t)
    }

    fn start_service(&mut self, t: TokenId, pool: usize) {
        let model = self.model;
        let now = self.now;
        self.integrate(pool, now);
        let tok = self.tokens[t];
        let step = &model.routes[tok.route as usize].steps[tok.pos as usize];
        let serve = matches!(step.kind, StepKind::Serve { .. });
        let ps = &mut self.pools[pool];
        ps.waiting -= 1;
        ps.busy += 1;
        if serve {
            ps.waiting_serve -= 1;
            if !ps.open {
                ps.overtime_left = ps.overtime_left.saturating_sub(1);
            }
        }
        let wait = now - tok.queued_at + tok.wait_acc;
        let mut rng = self.cases[tok.case].step_rng(step);
        let (duration, end) = match &step.kind {
            StepKind::Serve { time, .. } => {
                let d = time.sample(&mut rng);
                (d, now + d)
            }
            StepKind::Work { time, .. } => {
                let calendar = &model.pools[pool].calendar;
                let mut d = time.sample(&mut rng);
                if time.working_days() {
                    d *= calendar.working_day();
                }
                (d, calendar.add_open_time(now, d))
            }
            // Only serve and work steps queue at a pool; the others never
            // start a service.
            StepKind::Wait { .. }
            | StepKind::Rework { .. }
            | StepKind::Parallel { .. }
            | StepKind::Choose { .. } => (0.0, now),
        };
        // Work taken while the pool is closed (during a `finish` overtime)
        // really starts at the next opening: its effort counts from there.
        let started = match &step.kind {
            StepKind::Work { .. } if !self.pools[pool].open => model.pools[pool]
                .calendar
                .next_open(now)
                .map_or(now, |t| t.min(end)),
            StepKind::Work { .. }
            | StepKind::Serve { .. }
            | StepKind::Wait { .. }
            | StepKind::Rework { .. }
            | StepKind::Parallel { .. }
            | StepKind::Choose { .. } => now,
        };
        let case = &mut self.cases[tok.case];
        if serve {
            case.wait += wait;
            case.hall += wait + duration;
            case.served += duration;
        }
        if case.counted {
            let wait_min = wait / MINUTE;
            let pr = &mut self.result.pools[pool];
            pr.wait.add(wait_min);
            pr.served += 1;
            if !serve {
                pr.wait_quantiles.add(wait_min);
            }
            if serve {
                let hour = crate::calendar::floor_i64(tok.queued_at / crate::time::HOUR);
                pr.by_arrival_hour[hour.rem_euclid(24) as usize].add(wait_min);
                // Serve waits go to the pool's serve histogram only; the
                // scenario's histogram is their merge, made once at the end.
                if wait_min > 0.0 {
                    self.serve_waits[pool].add(wait_min);
                } else {
                    self.zero_serve_waits[pool] += 1;
                }
                self.result.processes[case.process as usize]
                    .wait
                    .add(wait_min);
            }
        }
        let tok = &mut self.tokens[t];
        tok.waiting = false;
        tok.wait_acc = 0.0;
        tok.started = started;
        self.schedule(end, Ev::Done(t));
    }

    fn service_done(&mut self, t: TokenId) -> Result<(), EngineError> {
        let tok = self.tokens[t];
        let pool = tok.pool as usize;
        let now = self.now;
        let serve = matches!(self.step_of(t).kind, StepKind::Serve { .. });
        self.integrate(pool, now);
        let ps = &mut self.pools[pool];
        ps.busy -= 1;
        // The part of a service past the pool's last closing: up to now if
        // it is still closed, up to the reopening if the service ran through
        // a break (left out before). `work` effort pauses at closing instead.
        let closed_until = if ps.open { ps.opened_at } else { now };
        if serve && closed_until > ps.closed_at && tok.started < closed_until {
            // A closing counts in the window of the open period it ends:
            // (warmup, horizon]. (It was [warmup, horizon), which left out
            // the overtime after a closing at the horizon itself, e.g. a
            // horizon of `5wd` ending on Friday's closing, while Friday
            // counted as an open day.)
            let model = self.model;
            if ps.closed_at > model.warmup && ps.closed_at <= model.horizon {
                let from = ps.closed_at.max(ps.overtime_end);
                let pr = &mut self.result.pools[pool];
                if closed_until > from {
                    pr.overtime += closed_until - from;
                }
                pr.overtime_staff += closed_until - tok.started.max(ps.closed_at);
            }
            ps.overtime_end = ps.overtime_end.max(closed_until);
        }
        self.record_step(t, Some(pool), tok.started, now);
        if matches!(self.step_of(t).kind, StepKind::Serve { .. }) {
            self.cases[tok.case].leave_hall(now);
        }
        self.tokens[t].pos += 1;
        self.tokens[t].pool = NO_POOL;
        self.dispatch(pool)?;
        self.ready.push(t);
        Ok(())
    }

    fn renege(&mut self, t: TokenId, ticket: u32) {
        let tok = self.tokens[t];
        if !tok.waiting || tok.ticket & TICKET_MASK != ticket {
            return;
        }
        let pool = tok.pool as usize;
        self.integrate(pool, self.now);
        let ps = &mut self.pools[pool];
        ps.waiting -= 1;
        ps.waiting_serve -= 1;
        let tok = &mut self.tokens[t];
        tok.waiting = false;
        tok.ticket = tok.ticket.wrapping_add(1);
        let waited = self.now - tok.queued_at + tok.wait_acc;
        tok.wait_acc = 0.0;
        let case = &mut self.cases[tok.case];
        case.wait += waited;
        // The time a citizen who gave up spent waiting counts in the hall.
        case.hall += waited;
        case.leave_hall(self.now);
        self.record_queue(t, pool, QueueEvent::Renege);
        let StepKind::Serve { renege_retry, .. } = &self.step_of(t).kind else {
            unreachable!("only serve steps schedule reneging")
        };
        self.give_up(t, pool, renege_retry.as_deref());
    }

    /// A citizen gave up at a `serve` step (reneged or balked): with the
    /// step's `retry`, comes back to it later as a new visit, else the case
    /// is lost for good.
    fn give_up(&mut self, t: TokenId, pool: PoolId, retry: Option<&'m Retry>) {
        let tok = self.tokens[t];
        let c = tok.case;
        if self.cases[c].counted {
            self.result.gave_up += 1;
        }
        if let Some(retry) = retry {
            let mut rng = self.cases[c].retry_rng(self.step_of(t));
            let u = rng.uniform();
            let count = self.cases.counter(c, retry.counter);
            if u < retry.p && u32::from(*count) < retry.max {
                *count += 1;
                let case = &mut self.cases[c];
                case.passes += 1;
                if case.counted {
                    self.result.retries += 1;
                }
                self.record_queue(t, pool, QueueEvent::Retry);
                let d = retry.after.sample(&mut rng);
                let end = self.delay_end(d, retry.after.working_days());
                let at =
                    self.return_time(c, end, &retry.after, tok.route as usize, tok.pos as usize);
                self.schedule(at, Ev::Resume(t));
                return;
            }
        }
        self.abandon(c);
        self.end_token(t);
    }

    fn abandon(&mut self, c: CaseId) {
        let case = &mut self.cases[c];
        if case.abandoned {
            return;
        }
        case.abandoned = true;
        self.citizen_time(c);
        let case = &self.cases[c];
        if case.counted {
            self.result.abandoned += 1;
            self.result.hall_minutes += case.hall / MINUTE;
            self.result.hall_visits += u64::from(case.visits);
        }
        let rec = case.record(self.replication, self.now, Outcome::Abandoned);
        self.observer.case(&rec);
    }

    /// A token reached the end of its route (or its case was abandoned).
    fn end_token(&mut self, t: TokenId) {
        let tok = self.tokens[t];
        self.tokens.release(t);
        let c = tok.case;
        self.cases[c].live_tokens -= 1;
        if tok.parent != TokenId::NONE {
            let parent = &mut self.tokens[tok.parent];
            parent.pending -= 1;
            if parent.pending == 0 {
                parent.pos += 1;
                self.ready.push(tok.parent);
            }
            return;
        }
        if !self.cases[c].abandoned {
            self.complete(c);
        }
        if self.cases[c].live_tokens == 0 {
            self.cases.release(c);
        }
    }

    fn complete(&mut self, c: CaseId) {
        self.citizen_time(c);
        let model = self.model;
        let now = self.now;
        let case = &self.cases[c];
        let process = &model.processes[case.process as usize];
        let lead = now - case.arrival;
        if case.counted {
            let lead_min = lead / MINUTE;
            let lead_wd = model.calendar.working_days_between(case.arrival, now);
            // Scenario totals are the sums of the processes' (made in `finish`).
            let r = &mut self.result;
            r.lead_wd_quantiles.add(lead_wd);
            r.visit_counts[(case.visits as usize).min(20)] += 1;
            r.hall_minutes += case.hall / MINUTE;
            r.hall_visits += u64::from(case.visits);
            let pr = &mut r.processes[case.process as usize];
            pr.completed += 1;
            pr.lead_min.add(lead_min);
            pr.lead_wd.add(lead_wd);
            pr.visits.add(f64::from(case.visits));
            pr.zero_visits += u64::from(case.visits == 0);
            pr.one_visit += u64::from(case.visits == 1);
            if let Some(limit) = &process.time_limit {
                let from = if case.limit_start.is_nan() {
                    case.arrival
                } else {
                    case.limit_start
                };
                let ok = match limit.limit {
                    Duration::Clock(s) => now - from <= s + 1e-9,
                    Duration::WorkingDays(d) => {
                        model.calendar.working_days_between(from, now) <= d + 1e-9
                    }
                };
                pr.limited += 1;
                if ok {
                    pr.on_time += 1;
                }
            }
        }
        let rec = case.record(self.replication, self.now, Outcome::Completed);
        self.observer.case(&rec);
    }

    /// Capacity changes at the pool's breakpoints (openings, closings, schedule keys).
    fn pool_tick(&mut self, pool: usize, now: Seconds) {
        let model = self.model;
        let def = &model.pools[pool];
        self.integrate(pool, now);
        let day = crate::calendar::floor_i64(now / DAY) as f64;
        let tod = now - day * DAY;
        let open = def.calendar.is_open(now);
        let capacity = if open { def.servers.at(tod) } else { 0 };
        let ps = &mut self.pools[pool];
        let was_open = ps.open;
        let previous = ps.capacity;
        ps.open = open && capacity > 0;
        ps.capacity = capacity;
        if !was_open && ps.open {
            ps.opened_at = now;
        }
        if was_open && !ps.open {
            ps.closed_at = now;
            ps.overtime_end = now;
            match def.at_close {
                AtClose::Finish => {
                    ps.overtime_left = ps.waiting_serve;
                    ps.overtime_capacity = previous.max(1);
                }
                AtClose::SendHome => {
                    // At a break within the day (lunch) the queue waits for
                    // the reopening; at the day's last closing it goes home.
                    let reopens_today = def
                        .next_available(now)
                        .is_some_and(|next| (next / DAY).floor() == day);
                    if !reopens_today {
                        self.send_home(pool);
                    }
                }
            }
        }
        // (`was_open` is the pool's state, open with servers; `open` the
        // calendar's.)
        if was_open != open || capacity != previous {
            // New servers take waiting work.
            let _ = self.dispatch(pool);
        }
        // Next breakpoint.
        let next_tod = def.breakpoints.iter().copied().find(|&b| b > tod + 1e-9);
        let next = match next_tod {
            Some(b) => day * DAY + b,
            // No opening within the calendar's search: look again from
            // where the search ended, so that a make-up day years away
            // still opens the pool (the run's end stops the ticks).
            None => def
                .calendar
                .next_open((day + 1.0) * DAY)
                .unwrap_or((day + 1.0 + crate::calendar::SEARCH_DAYS as f64) * DAY),
        };
        self.schedule(next, Ev::PoolTick(pool as u32));
    }

    fn send_home(&mut self, pool: usize) {
        // Queued citizens (serve entries) go home; queued back-office work
        // (work entries) stays, with its place and priority.
        let mut home = Vec::new();
        let is_serve =
            |sim: &Self, t: TokenId| matches!(sim.step_of(t).kind, StepKind::Serve { .. });
        match self.model.pools[pool].discipline {
            Discipline::Fifo => {
                let entries = std::mem::take(&mut self.pools[pool].fifo);
                let mut keep = VecDeque::with_capacity(entries.len());
                for (t, ticket) in entries {
                    if !self.is_queued(t, ticket, pool) {
                        continue;
                    }
                    if is_serve(self, t) {
                        home.push(t)
                    } else {
                        keep.push_back((t, ticket))
                    }
                }
                self.pools[pool].fifo = keep;
            }
            Discipline::Priority => {
                let entries = std::mem::take(&mut self.pools[pool].priority).into_vec();
                let mut keep = Vec::with_capacity(entries.len());
                for e in entries {
                    if !self.is_queued(e.token, e.ticket, pool) {
                        continue;
                    }
                    if is_serve(self, e.token) {
                        home.push(e.token)
                    } else {
                        keep.push(e)
                    }
                }
                self.pools[pool].priority = BinaryHeap::from(keep);
            }
        }
        // In arrival order, so they return in the order they queued.
        home.sort_by(|a, b| {
            self.tokens[*a]
                .queued_at
                .total_cmp(&self.tokens[*b].queued_at)
                .then(a.cmp(b))
        });
        let model = self.model;
        let now = self.now;
        let next = model.pools[pool].next_available(now);
        for t in home {
            let ps = &mut self.pools[pool];
            ps.waiting -= 1;
            ps.waiting_serve -= 1;
            let tok = &mut self.tokens[t];
            tok.waiting = false;
            tok.ticket = tok.ticket.wrapping_add(1);
            tok.wait_acc += self.now - tok.queued_at;
            let c = tok.case;
            self.cases[c].leave_hall(now);
            let Some(next) = next else { continue };
            let at = match model.returns {
                Returns::AtOpening => next,
                Returns::Profile => {
                    let day = crate::calendar::floor_i64(next / DAY);
                    let calendar = &model.pools[pool].calendar;
                    self.draw_return(c, pool, calendar, day, now)
                        .unwrap_or(next)
                }
            };
            self.schedule(at, Ev::Resume(t));
        }
    }

    /// The step a token is at.
    fn step_of(&self, t: TokenId) -> &'m Step {
        let tok = self.tokens[t];
        &self.model.routes[tok.route as usize].steps[tok.pos as usize]
    }

    /// Integrates the pool's levels from its last change to now (the totals
    /// are the sums of the hours, made in [`Sim::finish`]).
    #[inline(always)]
    fn integrate(&mut self, pool: usize, now: Seconds) {
        let model = self.model;
        self.pools[pool].integrate(now, model.warmup, model.horizon);
    }
}
