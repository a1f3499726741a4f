//! The event loop: one replication of one model.
//!
//! Events are ordered by (time, sequence number), so simultaneous events run
//! in the order they were scheduled and every run is reproducible. Cases and
//! their tokens (a token is one thread of a case's route; `parallel` and
//! `choose` spawn child tokens) live in arenas with reused slots; events
//! carry indices, never pointers, and the hot path neither hashes nor
//! allocates in the steady state.
//!
//! A queue entry is (token, ticket); a token that reneges or is sent home
//! bumps its ticket, so stale entries are skipped when popped (lazy
//! deletion) and removal is O(1).

pub mod arrivals;

use crate::model::*;
use crate::rng::{StreamKey, StreamRng};
use crate::stats::{Mean, Quantiles};
use crate::time::{Duration, Seconds, DAY, HOUR, MINUTE};
use arrivals::StreamState;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

const NONE: u32 = u32::MAX;

/// Limits that keep a run safe.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A pool whose queue grows past this many waiting cases ends the run
    /// as overloaded (exit 3) before memory runs away.
    pub max_queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_queue: 250_000 }
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
    /// The run was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// The machine refused a resource (e.g. worker threads).
    #[error("could not start the simulation: {0}")]
    Resources(String),
}

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
}

/// An observer that keeps nothing.
pub struct NoObserver;
impl Observer for NoObserver {}

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
    /// Seconds served past closing (for closes in the window).
    pub overtime: f64,
}

impl PoolResult {
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
    /// Per pool.
    pub pools: Vec<PoolResult>,
    /// Per process.
    pub processes: Vec<ProcessResult>,
    /// Events processed (for speed reports).
    pub events: u64,
    /// All arrivals including warm-up (for speed reports).
    pub cases_total: u64,
}

/// What an event does; packed into 64 bits inside [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    /// The next arrival of an arrival stream.
    Arrive(u32),
    /// A token continues its route.
    Resume(u32),
    /// A token's service ends.
    Done(u32),
    /// A waiting token gives up, if it still waits on this ticket (the
    /// ticket's low [`TICKET_BITS`] bits).
    Renege(u32, u32),
    /// A pool's capacity changes.
    PoolTick(u32),
}

/// Bits of a queue ticket kept in a renege event. A stale event would need
/// 2^29 re-queues of one token slot within its patience to be mistaken for
/// a live one.
const TICKET_BITS: u32 = 29;
const TICKET_MASK: u32 = (1 << TICKET_BITS) - 1;

impl Ev {
    /// Kind (3 bits) | ticket (29 bits) | index (32 bits).
    #[inline]
    fn pack(self) -> u64 {
        let (kind, ticket, index) = match self {
            Ev::Arrive(i) => (0u64, 0, i),
            Ev::Resume(i) => (1, 0, i),
            Ev::Done(i) => (2, 0, i),
            Ev::Renege(i, ticket) => (3, ticket & TICKET_MASK, i),
            Ev::PoolTick(i) => (4, 0, i),
        };
        kind << 61 | u64::from(ticket) << 32 | u64::from(index)
    }

    #[inline]
    fn unpack(bits: u64) -> Ev {
        let index = bits as u32;
        match bits >> 61 {
            0 => Ev::Arrive(index),
            1 => Ev::Resume(index),
            2 => Ev::Done(index),
            3 => Ev::Renege(index, (bits >> 32) as u32 & TICKET_MASK),
            _ => Ev::PoolTick(index),
        }
    }
}

/// An entry of the agenda: 24 bytes, ordered by (time, sequence number).
#[derive(Debug, Clone, Copy)]
struct Event {
    /// The bits of the (non-negative) event time: they sort like the times.
    time_bits: u64,
    seq: u64,
    ev: u64,
}

impl PartialEq for Event {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Event {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        let key = |e: &Event| u128::from(e.time_bits) << 64 | u128::from(e.seq);
        key(o).cmp(&key(self))
    }
}

#[derive(Debug, Clone, Copy)]
struct Case {
    process: u32,
    /// The case's random stream: (arrival stream, number in it).
    key: StreamKey,
    id: u64,
    arrival: Seconds,
    counted: bool,
    visits: u32,
    in_hall: bool,
    passes: u32,
    live_tokens: u32,
    abandoned: bool,
    limit_start: Seconds,
    wait: Seconds,
    hall: Seconds,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    case: u32,
    route: u32,
    pos: u32,
    parent: u32,
    pending: u32,
    ticket: u32,
    pool: u32,
    waiting: bool,
    queued_at: Seconds,
    wait_acc: Seconds,
    started: Seconds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PriorityEntry {
    priority: i64,
    order: Reverse<u64>,
    token: u32,
    ticket: u32,
}

struct PoolState {
    capacity: u32,
    busy: u32,
    waiting: u32,
    waiting_serve: u32,
    fifo: VecDeque<(u32, u32)>,
    priority: BinaryHeap<PriorityEntry>,
    order: u64,
    open: bool,
    overtime_left: u32,
    overtime_capacity: u32,
    closed_at: Seconds,
    overtime_end: Seconds,
    /// When the levels were last integrated.
    last_change: Seconds,
    /// The hour being integrated: [hour_start, hour_end), its hour of day,
    /// and its areas so far, flushed to the result's hourly bins when the
    /// integration moves to another hour.
    hour_start: Seconds,
    hour_end: Seconds,
    hour_bin: usize,
    hour_areas: HourAreas,
    /// Largest queue seen inside [warmup, horizon].
    queue_max: u32,
}

impl PoolState {
    /// Adds the current hour's areas to `hourly` and starts the hour holding `t`.
    fn move_to_hour(&mut self, t: Seconds, hourly: &mut [HourAreas; 24]) {
        for (bin, area) in hourly[self.hour_bin].iter_mut().zip(&mut self.hour_areas) {
            *bin += *area;
            *area = 0.0;
        }
        let hour = crate::calendar::floor_i64(t / HOUR);
        self.hour_start = hour as f64 * HOUR;
        self.hour_end = (hour + 1) as f64 * HOUR;
        self.hour_bin = hour.rem_euclid(24) as usize;
    }
}

/// The simulation of one replication.
struct Sim<'m, O: Observer> {
    model: &'m Model,
    replication: u32,
    now: Seconds,
    seq: u64,
    /// Events other than arrivals.
    agenda: BinaryHeap<Event>,
    /// The next arrival of each open arrival stream. Kept apart from the
    /// agenda (whose events per case it would double) and merged with it by
    /// (time, seq) when popping, so the order is that of one agenda.
    arrivals_due: BinaryHeap<Event>,
    cases: Vec<Case>,
    free_cases: Vec<u32>,
    /// Reworks done per case and rework step: `rework_steps` counters per case slot.
    rework_counts: Vec<u8>,
    tokens: Vec<Token>,
    free_tokens: Vec<u32>,
    ready: Vec<u32>,
    pools: Vec<PoolState>,
    streams: Vec<StreamState>,
    stream_keys: Vec<StreamKey>,
    live_cases: u64,
    arrivals_open: usize,
    next_case_id: u64,
    result: ReplicationResult,
    observer: &'m mut O,
    limits: Limits,
    rework_steps: usize,
    /// Per pool, serve waits of counted cases (minutes); the zero waits
    /// (often most of them) are counted apart and added at the end.
    serve_waits: Vec<Quantiles>,
    zero_serve_waits: Vec<u64>,
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
        seq: 0,
        agenda: BinaryHeap::with_capacity(1024),
        arrivals_due: BinaryHeap::with_capacity(model.arrivals.len()),
        cases: Vec::new(),
        free_cases: Vec::new(),
        rework_counts: Vec::new(),
        tokens: Vec::new(),
        free_tokens: Vec::new(),
        ready: Vec::new(),
        pools: model
            .pools
            .iter()
            .map(|_| PoolState {
                capacity: 0,
                busy: 0,
                waiting: 0,
                waiting_serve: 0,
                fifo: VecDeque::new(),
                priority: BinaryHeap::new(),
                order: 0,
                open: false,
                overtime_left: 0,
                overtime_capacity: 0,
                closed_at: 0.0,
                overtime_end: 0.0,
                last_change: 0.0,
                hour_start: 0.0,
                hour_end: 0.0,
                hour_bin: 0,
                hour_areas: [0.0; area::COUNT],
                queue_max: 0,
            })
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
        live_cases: 0,
        arrivals_open: model.arrivals.len(),
        next_case_id: 0,
        result: ReplicationResult {
            replication,
            pools: vec![PoolResult::default(); model.pools.len()],
            processes: vec![ProcessResult::default(); model.processes.len()],
            ..Default::default()
        },
        observer,
        limits,
        rework_steps: model.rework_steps(),
        serve_waits: vec![Quantiles::new(); model.pools.len()],
        zero_serve_waits: vec![0; model.pools.len()],
    };
    sim.run(stop)?;
    Ok(sim.result)
}

impl<'m, O: Observer> Sim<'m, O> {
    /// The next event at `time`, numbered in scheduling order.
    #[inline]
    fn event(&mut self, time: Seconds, ev: Ev) -> Event {
        // Never schedule into the past (and keep times non-negative, which
        // the event ordering relies on; adding 0.0 turns -0.0, whose bits
        // would sort last, into 0.0).
        let time = if time >= self.now {
            time + 0.0
        } else {
            self.now
        };
        self.seq += 1;
        Event {
            time_bits: time.to_bits(),
            seq: self.seq,
            ev: ev.pack(),
        }
    }

    fn schedule(&mut self, time: Seconds, ev: Ev) {
        let event = self.event(time, ev);
        self.agenda.push(event);
    }

    /// Pops the earliest event of the agenda and the arrivals.
    #[inline]
    fn next_event(&mut self) -> Option<Event> {
        let arrival_first = match (self.agenda.peek(), self.arrivals_due.peek()) {
            // Reversed order: the greater event is the earlier one.
            (Some(other), Some(arrival)) => arrival > other,
            (None, Some(_)) => true,
            _ => false,
        };
        if arrival_first {
            self.arrivals_due.pop()
        } else {
            self.agenda.pop()
        }
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
        while let Some(event) = self.next_event() {
            let time = f64::from_bits(event.time_bits);
            if time > model.drain_limit {
                self.now = model.drain_limit;
                break;
            }
            self.now = time;
            count += 1;
            if count & 0xFFFF == 0 && stop.load(AtomicOrdering::Relaxed) {
                return Err(EngineError::Interrupted);
            }
            match Ev::unpack(event.ev) {
                Ev::Arrive(s) => self.arrive(s as usize)?,
                Ev::Resume(t) => self.ready.push(t),
                Ev::Done(t) => self.service_done(t)?,
                Ev::Renege(t, ticket) => self.renege(t, ticket),
                Ev::PoolTick(p) => self.pool_tick(p as usize, time),
            }
            self.drain_ready()?;
            // Stop when nothing is left to do, but not before the horizon:
            // the pools' opening and closing up to it count in utilization.
            if self.arrivals_open == 0 && self.live_cases == 0 && self.now >= model.horizon {
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
            ps.move_to_hour(end, &mut pr.hourly);
            pr.queue_max = ps.queue_max;
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
        // Cases still open at the drain limit.
        for i in 0..self.cases.len() {
            let case = &self.cases[i];
            if case.live_tokens > 0 && !case.abandoned {
                if case.counted {
                    self.result.unfinished += 1;
                }
                let rec = case_record(self.replication, case, self.now, Outcome::Unfinished);
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
    }

    fn schedule_arrival(&mut self, s: usize) {
        let model = self.model;
        match self.streams[s].next(&model.arrivals[s], &model.calendar, model.horizon) {
            Some(t) => {
                let event = self.event(t, Ev::Arrive(s as u32));
                self.arrivals_due.push(event);
            }
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
        let id = self.next_case_id;
        self.next_case_id += 1;
        self.result.cases_total += 1;
        if counted {
            self.result.processes[process].arrived += 1;
        }
        let fresh = Case {
            process: process as u32,
            key: self.stream_keys[s].child(number),
            id,
            arrival: self.now,
            counted,
            visits: 0,
            in_hall: false,
            passes: 0,
            live_tokens: 0,
            abandoned: false,
            limit_start: f64::NAN,
            wait: 0.0,
            hall: 0.0,
        };
        let steps = self.rework_steps;
        let case_index = match self.free_cases.pop() {
            Some(i) => {
                self.cases[i as usize] = fresh;
                // (Skipped when there is nothing to clear: an empty slice
                // of an unallocated Vec points at a dangling address, and
                // libc's AVX-512 memset of 0 bytes there took a slow
                // masked-store path: +40% wall time on M/M/10.)
                if steps > 0 {
                    let at = i as usize * steps;
                    self.rework_counts[at..at + steps].fill(0);
                }
                i
            }
            None => {
                self.cases.push(fresh);
                self.rework_counts.resize(self.cases.len() * steps, 0);
                (self.cases.len() - 1) as u32
            }
        };
        self.live_cases += 1;
        let route = model.processes[process].route;
        let token = self.new_token(case_index, route as u32, NONE);
        self.ready.push(token);
        self.schedule_arrival(s);
        Ok(())
    }

    fn new_token(&mut self, case: u32, route: u32, parent: u32) -> u32 {
        self.cases[case as usize].live_tokens += 1;
        let fresh = Token {
            case,
            route,
            pos: 0,
            parent,
            pending: 0,
            ticket: 0,
            pool: NONE,
            waiting: false,
            queued_at: 0.0,
            wait_acc: 0.0,
            started: 0.0,
        };
        match self.free_tokens.pop() {
            Some(i) => {
                let ticket = self.tokens[i as usize].ticket.wrapping_add(1);
                self.tokens[i as usize] = Token { ticket, ..fresh };
                i
            }
            None => {
                self.tokens.push(fresh);
                (self.tokens.len() - 1) as u32
            }
        }
    }

    fn drain_ready(&mut self) -> Result<(), EngineError> {
        while let Some(t) = self.ready.pop() {
            self.advance(t)?;
        }
        Ok(())
    }

    /// The random stream of a case at a step, on its current pass.
    fn step_rng(&self, case: &Case, step: &Step) -> StreamRng {
        case.key
            .child(step.stream ^ u64::from(case.passes).wrapping_mul(0x9E37_79B9))
            .rng()
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
    fn advance(&mut self, t: u32) -> Result<(), EngineError> {
        let model = self.model;
        loop {
            let tok = self.tokens[t as usize];
            let case_index = tok.case as usize;
            if self.cases[case_index].abandoned {
                self.end_token(t);
                return Ok(());
            }
            let route = &model.routes[tok.route as usize];
            let Some(step) = route.steps.get(tok.pos as usize) else {
                self.end_token(t);
                return Ok(());
            };
            let case = &mut self.cases[case_index];
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
                    ..
                } => {
                    let Some(pool) = self.choose_pool(pools) else {
                        // All closed: the citizen comes at the next opening.
                        let next = pools
                            .iter()
                            .filter_map(|&p| model.pools[p].next_available(self.now))
                            .fold(f64::INFINITY, f64::min);
                        let case = &mut self.cases[case_index];
                        case.in_hall = false;
                        if next.is_finite() {
                            self.schedule(next.max(self.now), Ev::Resume(t));
                        }
                        // A pool that never opens again leaves the case
                        // open; it is reported as unfinished.
                        return Ok(());
                    };
                    let case = &mut self.cases[case_index];
                    if !case.in_hall {
                        case.visits += 1;
                        case.in_hall = true;
                    }
                    if let Some(limit) = balk_at {
                        if self.pools[pool].waiting >= *limit {
                            self.abandon(case_index);
                            self.end_token(t);
                            return Ok(());
                        }
                    }
                    let patience = patience.as_ref().map(|d| {
                        let mut rng = self.step_rng(&self.cases[case_index], step);
                        let _service_draw = rng.next_u64();
                        d.sample(&mut rng)
                    });
                    self.join_queue(t, pool, true)?;
                    if let Some(p) = patience {
                        let tok = self.tokens[t as usize];
                        if tok.waiting {
                            self.schedule(self.now + p, Ev::Renege(t, tok.ticket));
                        }
                    }
                    return Ok(());
                }
                StepKind::Work { pool, .. } => {
                    case.in_hall = false;
                    self.join_queue(t, *pool, false)?;
                    return Ok(());
                }
                StepKind::Wait { time } => {
                    case.in_hall = false;
                    let mut rng = self.step_rng(&self.cases[case_index], step);
                    let d = time.sample(&mut rng);
                    let end = self.delay_end(d, time.working_days());
                    self.record_step(t, None, self.now, end);
                    self.tokens[t as usize].pos += 1;
                    self.schedule(end, Ev::Resume(t));
                    return Ok(());
                }
                StepKind::Rework {
                    p,
                    after,
                    to,
                    max_rework,
                    index,
                } => {
                    let mut rng = self.step_rng(&self.cases[case_index], step);
                    let u = rng.uniform();
                    let count = &mut self.rework_counts[case_index * self.rework_steps + index];
                    if u < *p && u32::from(*count) < *max_rework {
                        *count = count.saturating_add(1);
                        let case = &mut self.cases[case_index];
                        case.passes += 1;
                        case.in_hall = false;
                        let d = after.sample(&mut rng);
                        let end = self.delay_end(d, after.working_days());
                        self.record_step(t, None, self.now, end);
                        self.tokens[t as usize].pos = *to as u32;
                        self.schedule(end, Ev::Resume(t));
                        return Ok(());
                    }
                    self.tokens[t as usize].pos += 1;
                }
                StepKind::Parallel { branches } => {
                    self.tokens[t as usize].pending = branches.len() as u32;
                    for &b in branches {
                        let child = self.new_token(tok.case, b as u32, t);
                        self.ready.push(child);
                    }
                    return Ok(());
                }
                StepKind::Choose { branches } => {
                    let mut rng = self.step_rng(&self.cases[case_index], step);
                    let u = rng.uniform();
                    let b = branches
                        .iter()
                        .find(|(cum, _)| u < *cum)
                        .map_or(branches[branches.len() - 1].1, |x| x.1);
                    self.tokens[t as usize].pending = 1;
                    let child = self.new_token(tok.case, b as u32, t);
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

    fn record_step(&mut self, t: u32, pool: Option<PoolId>, start: Seconds, end: Seconds) {
        if self.observer.wants_steps() {
            let tok = self.tokens[t as usize];
            let case = &self.cases[tok.case as usize];
            if case.counted {
                let rec = StepRecord {
                    case: case.id,
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

    fn join_queue(&mut self, t: u32, pool: usize, serve: bool) -> Result<(), EngineError> {
        let now = self.now;
        self.integrate(pool, now);
        let priority = {
            let case = &self.cases[self.tokens[t as usize].case as usize];
            self.model.processes[case.process as usize].priority
        };
        let tok = &mut self.tokens[t as usize];
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
        match self.model.pools[pool].discipline {
            Discipline::Fifo => ps.fifo.push_back((t, ticket)),
            Discipline::Priority => {
                ps.order += 1;
                ps.priority.push(PriorityEntry {
                    priority,
                    order: Reverse(ps.order),
                    token: t,
                    ticket,
                });
            }
        }
        if ps.waiting as usize > self.limits.max_queue {
            return Err(self.overloaded(pool));
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

    /// Pops the next valid queue entry.
    fn pop_queue(&mut self, pool: usize) -> Option<u32> {
        loop {
            let ps = &mut self.pools[pool];
            let (t, ticket) = match self.model.pools[pool].discipline {
                Discipline::Fifo => ps.fifo.pop_front()?,
                Discipline::Priority => ps.priority.pop().map(|e| (e.token, e.ticket))?,
            };
            let tok = &self.tokens[t as usize];
            if tok.waiting && tok.ticket == ticket && tok.pool == pool as u32 {
                return Some(t);
            }
        }
    }

    fn dispatch(&mut self, pool: usize) -> Result<(), EngineError> {
        loop {
            let ps = &self.pools[pool];
            let capacity = if ps.open {
                ps.capacity
            } else if ps.overtime_left > 0 {
                ps.overtime_capacity
            } else {
                0
            };
            if ps.busy >= capacity || ps.waiting == 0 {
                return Ok(());
            }
            let Some(t) = self.pop_queue(pool) else {
                return Ok(());
            };
            self.start_service(t, pool);
        }
    }

    fn start_service(&mut self, t: u32, pool: usize) {
        let model = self.model;
        let now = self.now;
        self.integrate(pool, now);
        let tok = self.tokens[t as usize];
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
        let case_index = tok.case as usize;
        let mut rng = self.step_rng(&self.cases[case_index], step);
        let (duration, end) = match &step.kind {
            StepKind::Serve { time, .. } => {
                let d = time.sample(&mut rng);
                (d, now + d)
            }
            StepKind::Work { time, .. } => {
                let d = time.sample(&mut rng);
                (d, model.pools[pool].calendar.add_open_time(now, d))
            }
            _ => (0.0, now),
        };
        let case = &mut self.cases[case_index];
        if serve {
            case.wait += wait;
            case.hall += wait + duration;
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
        let tok = &mut self.tokens[t as usize];
        tok.waiting = false;
        tok.wait_acc = 0.0;
        tok.started = now;
        self.schedule(end, Ev::Done(t));
    }

    fn service_done(&mut self, t: u32) -> Result<(), EngineError> {
        let tok = self.tokens[t as usize];
        let pool = tok.pool as usize;
        let now = self.now;
        self.integrate(pool, now);
        let ps = &mut self.pools[pool];
        ps.busy -= 1;
        if !ps.open && now > ps.closed_at {
            let from = ps.closed_at.max(ps.overtime_end);
            if now > from && ps.closed_at >= self.model.warmup && ps.closed_at < self.model.horizon
            {
                self.result.pools[pool].overtime += now - from;
            }
            ps.overtime_end = ps.overtime_end.max(now);
        }
        self.record_step(t, Some(pool), tok.started, now);
        self.tokens[t as usize].pos += 1;
        self.tokens[t as usize].pool = NONE;
        self.dispatch(pool)?;
        self.ready.push(t);
        Ok(())
    }

    fn renege(&mut self, t: u32, ticket: u32) {
        let tok = self.tokens[t as usize];
        if !tok.waiting || tok.ticket & TICKET_MASK != ticket {
            return;
        }
        let pool = tok.pool as usize;
        self.integrate(pool, self.now);
        let ps = &mut self.pools[pool];
        ps.waiting -= 1;
        ps.waiting_serve -= 1;
        let tok = &mut self.tokens[t as usize];
        tok.waiting = false;
        tok.ticket = tok.ticket.wrapping_add(1);
        let case = tok.case as usize;
        self.cases[case].wait += self.now - tok.queued_at + tok.wait_acc;
        self.abandon(case);
        self.end_token(t);
    }

    fn abandon(&mut self, case_index: usize) {
        let case = &mut self.cases[case_index];
        if case.abandoned {
            return;
        }
        case.abandoned = true;
        if case.counted {
            self.result.abandoned += 1;
            self.result.hall_minutes += case.hall / MINUTE;
            self.result.hall_visits += u64::from(case.visits);
        }
        let rec = case_record(self.replication, case, self.now, Outcome::Abandoned);
        self.observer.case(&rec);
    }

    /// A token reached the end of its route (or its case was abandoned).
    fn end_token(&mut self, t: u32) {
        let tok = self.tokens[t as usize];
        self.free_tokens.push(t);
        let case_index = tok.case as usize;
        self.cases[case_index].live_tokens -= 1;
        if tok.parent != NONE {
            let parent = &mut self.tokens[tok.parent as usize];
            parent.pending -= 1;
            if parent.pending == 0 {
                parent.pos += 1;
                self.ready.push(tok.parent);
            }
            return;
        }
        if !self.cases[case_index].abandoned {
            self.complete(case_index);
        }
        if self.cases[case_index].live_tokens == 0 {
            self.free_cases.push(case_index as u32);
            self.live_cases -= 1;
        }
    }

    fn complete(&mut self, case_index: usize) {
        let model = self.model;
        let now = self.now;
        let case = &self.cases[case_index];
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
        let rec = case_record(self.replication, case, self.now, Outcome::Completed);
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
        if was_open && !ps.open {
            ps.closed_at = now;
            ps.overtime_end = now;
            match def.at_close {
                AtClose::Finish => {
                    ps.overtime_left = ps.waiting_serve;
                    ps.overtime_capacity = previous.max(1);
                }
                AtClose::SendHome => self.send_home(pool),
            }
        }
        if ps_open_changed(was_open, open) || capacity != previous {
            // New servers take waiting work.
            let _ = self.dispatch(pool);
        }
        // Next breakpoint.
        let next_tod = def.breakpoints.iter().copied().find(|&b| b > tod + 1e-9);
        let next = match next_tod {
            Some(b) => day * DAY + b,
            None => match def.calendar.next_open((day + 1.0) * DAY) {
                Some(t) => t,
                None => return,
            },
        };
        self.schedule(next, Ev::PoolTick(pool as u32));
    }

    fn send_home(&mut self, pool: usize) {
        // Queued citizens (serve entries) go home; queued back-office work
        // (work entries) stays, with its place and priority.
        let mut home = Vec::new();
        let valid = |tokens: &[Token], t: u32, ticket: u32| {
            let tok = &tokens[t as usize];
            tok.waiting && tok.ticket == ticket && tok.pool == pool as u32
        };
        let is_serve = |sim: &Self, t: u32| matches!(sim.steps_of(t).kind, StepKind::Serve { .. });
        match self.model.pools[pool].discipline {
            Discipline::Fifo => {
                let entries = std::mem::take(&mut self.pools[pool].fifo);
                let mut keep = VecDeque::with_capacity(entries.len());
                for (t, ticket) in entries {
                    if !valid(&self.tokens, t, ticket) {
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
                    if !valid(&self.tokens, e.token, e.ticket) {
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
            self.tokens[*a as usize]
                .queued_at
                .total_cmp(&self.tokens[*b as usize].queued_at)
                .then(a.cmp(b))
        });
        let next = self.model.pools[pool]
            .next_available(self.now)
            .unwrap_or(f64::INFINITY);
        for t in home {
            let tok = self.tokens[t as usize];
            let ps = &mut self.pools[pool];
            ps.waiting -= 1;
            ps.waiting_serve -= 1;
            let tk = &mut self.tokens[t as usize];
            tk.waiting = false;
            tk.ticket = tk.ticket.wrapping_add(1);
            tk.wait_acc += self.now - tok.queued_at;
            self.cases[tok.case as usize].in_hall = false;
            if next.is_finite() {
                self.schedule(next, Ev::Resume(t));
            }
        }
    }

    fn steps_of(&self, t: u32) -> &'m Step {
        let tok = self.tokens[t as usize];
        &self.model.routes[tok.route as usize].steps[tok.pos as usize]
    }

    /// Integrates the pool's levels from its last change to `now`, inside
    /// [warmup, horizon], by hour of day (the totals are the sums of the
    /// hours, made in [`Sim::finish`]).
    #[inline(always)]
    fn integrate(&mut self, pool: usize, now: Seconds) {
        let model = self.model;
        let ps = &mut self.pools[pool];
        if ps.last_change == now {
            return;
        }
        let from = ps.last_change.max(model.warmup);
        let to = now.min(model.horizon);
        ps.last_change = now;
        if to <= from {
            return;
        }
        // The level held over [from, to] lies inside the window.
        ps.queue_max = ps.queue_max.max(ps.waiting);
        let queue = f64::from(ps.waiting);
        let busy = f64::from(ps.busy.min(ps.capacity));
        let cap = f64::from(ps.capacity);
        let mut t = from;
        loop {
            // Most level changes fall in the same hour as the previous one:
            // only the hot per-pool areas are touched then.
            if t >= ps.hour_end || t < ps.hour_start {
                ps.move_to_hour(t, &mut self.result.pools[pool].hourly);
            }
            let end = ps.hour_end.min(to);
            let span = end - t;
            let open_span = if ps.open { span } else { 0.0 };
            let areas = &mut ps.hour_areas;
            areas[area::QUEUE] += queue * span;
            areas[area::BUSY] += busy * span;
            areas[area::CAPACITY] += cap * span;
            areas[area::TIME] += span;
            areas[area::QUEUE_OPEN] += queue * open_span;
            areas[area::TIME_OPEN] += open_span;
            if end >= to {
                return;
            }
            t = end;
        }
    }
}

/// The record of a case that ended (or is still open) at `now`.
fn case_record(replication: u32, case: &Case, now: Seconds, outcome: Outcome) -> CaseRecord {
    CaseRecord {
        replication,
        case: case.id,
        process: case.process as usize,
        arrival: case.arrival,
        visits: case.visits,
        wait: case.wait,
        lead_time: now - case.arrival,
        outcome,
        counted: case.counted,
    }
}

fn ps_open_changed(was: bool, now: bool) -> bool {
    was != now
}
