//! The state a replication carries between events: cases and their tokens
//! in arenas with reused slots, and each pool's servers, queue and level
//! integration.
//!
//! A token is one thread of a case's route (`parallel` and `choose` spawn
//! child tokens). Events and queues name cases and tokens by slot
//! ([`CaseId`], [`TokenId`]), never by pointer, and a slot is reused once
//! its case or token ends, so the steady state allocates nothing.
//!
//! A queue entry is (token, ticket); a token that reneges or is sent home
//! bumps its ticket, so stale entries are skipped when popped (lazy
//! deletion) and removal is O(1).

use super::records::{CaseRecord, Outcome};
use super::result::{area, HourAreas, TREND_SEGMENTS};
use crate::model::{Discipline, Step};
use crate::rng::{StreamKey, StreamRng};
use crate::time::{Seconds, HOUR};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::{Index, IndexMut};

/// The slot of a live case in [`Cases`] (reused once the case ends; the
/// case's number in the replication is [`Case::number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CaseId(u32);

impl CaseId {
    #[inline]
    pub(super) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The slot of a live token in [`Tokens`] (reused once the token ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct TokenId(u32);

impl TokenId {
    /// No token: the parent of a case's first token. (A sentinel rather
    /// than an `Option`, which would grow every token by 8 bytes.)
    pub(super) const NONE: TokenId = TokenId(u32::MAX);

    /// The slot number, for packing into an event.
    #[inline]
    pub(super) fn raw(self) -> u32 {
        self.0
    }

    /// The token of a slot number unpacked from an event.
    #[inline]
    pub(super) fn from_raw(raw: u32) -> Self {
        TokenId(raw)
    }

    #[inline]
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// `Token::pool` of a token in no pool.
pub(super) const NO_POOL: u32 = u32::MAX;

/// A case in progress.
#[derive(Debug, Clone, Copy)]
pub(super) struct Case {
    /// Process index (u32 keeps the record small).
    pub(super) process: u32,
    /// The case's random stream: (arrival stream, number in it).
    pub(super) key: StreamKey,
    /// Case number in the replication (arrival order).
    pub(super) number: u64,
    pub(super) arrival: Seconds,
    /// Arrived after the warm-up.
    pub(super) counted: bool,
    /// The arrival stream it came by (its profile times the case's returns).
    pub(super) stream: u32,
    pub(super) visits: u32,
    /// Tokens of the case in the hall now: queueing or in service at a
    /// `serve` step. A visit begins when this rises from 0, unless the
    /// citizen left the hall at this same instant (one `serve` step
    /// straight after another is one visit).
    pub(super) present: u32,
    /// When the citizen last left the hall.
    pub(super) left_at: Seconds,
    /// Return times drawn so far (each draw has its own random stream).
    pub(super) return_draws: u32,
    /// Rework passes so far (a new pass draws new step times).
    pub(super) passes: u32,
    pub(super) live_tokens: u32,
    pub(super) abandoned: bool,
    /// When the process's time limit starts counting (NaN: at arrival).
    pub(super) limit_start: Seconds,
    /// Queue wait at serve steps.
    pub(super) wait: Seconds,
    /// Time in the hall: serve waits and services.
    pub(super) hall: Seconds,
    /// Service time at `serve` steps (a service started counts whole).
    pub(super) served: Seconds,
}

impl Case {
    /// A case of `process` arriving `now`, before any step.
    #[inline]
    pub(super) fn new(
        process: u32,
        stream: u32,
        key: StreamKey,
        number: u64,
        now: Seconds,
        counted: bool,
    ) -> Self {
        Case {
            process,
            key,
            number,
            arrival: now,
            counted,
            stream,
            visits: 0,
            present: 0,
            left_at: f64::NEG_INFINITY,
            return_draws: 0,
            passes: 0,
            live_tokens: 0,
            abandoned: false,
            limit_start: f64::NAN,
            wait: 0.0,
            hall: 0.0,
            served: 0.0,
        }
    }

    /// The case's random stream at a step, on its current pass.
    #[inline]
    pub(super) fn step_rng(&self, step: &Step) -> StreamRng {
        self.key
            .child(step.stream ^ u64::from(self.passes).wrapping_mul(0x9E37_79B9))
            .rng()
    }

    /// The case's random stream for deciding whether it comes back after
    /// giving up at a step, on its current pass (apart from the step's own
    /// draws, so adding a retry leaves service times unchanged).
    #[inline]
    pub(super) fn retry_rng(&self, step: &Step) -> StreamRng {
        self.key
            .child(
                step.stream.rotate_left(29)
                    ^ 0x5E7_2E7
                    ^ u64::from(self.passes).wrapping_mul(0x9E37_79B9),
            )
            .rng()
    }

    /// The random stream of the case's next drawn return time.
    #[inline]
    pub(super) fn return_rng(&mut self) -> StreamRng {
        self.return_draws += 1;
        self.key
            .child(0x2E7_0000_0000 ^ u64::from(self.return_draws))
            .rng()
    }

    /// The citizen walks into the hall (a token joins a `serve` queue);
    /// true when this begins a new visit.
    #[inline]
    pub(super) fn enter_hall(&mut self, now: Seconds) -> bool {
        let new_visit = self.present == 0 && self.left_at != now;
        if new_visit {
            self.visits += 1;
        }
        self.present += 1;
        new_visit
    }

    /// A token of the citizen leaves the hall (served, gave up, sent home).
    #[inline]
    pub(super) fn leave_hall(&mut self, now: Seconds) {
        self.present -= 1;
        self.left_at = now;
    }

    /// Whether the citizen is in the hall, or has just left it at `now`.
    #[inline]
    pub(super) fn is_in_hall(&self, now: Seconds) -> bool {
        self.present > 0 || self.left_at == now
    }

    /// The record of the case, ended (or still open) at `now`.
    pub(super) fn record(&self, replication: u32, now: Seconds, outcome: Outcome) -> CaseRecord {
        CaseRecord {
            replication,
            case: self.number,
            process: self.process as usize,
            arrival: self.arrival,
            visits: self.visits,
            wait: self.wait,
            lead_time: now - self.arrival,
            outcome,
            counted: self.counted,
        }
    }
}

/// The cases of a replication, by slot.
pub(super) struct Cases {
    slots: Vec<Case>,
    free: Vec<CaseId>,
    /// Cases in progress.
    live: u64,
    /// Per case, its step counters (reworks done at each rework step,
    /// retries at each retry): `counters` per slot, in one flat array so
    /// that a case stays a plain `Copy` record.
    counts: Vec<u16>,
    counters: usize,
}

impl Cases {
    /// No cases, for a model with `counters` per-case step counters.
    pub(super) fn new(counters: usize) -> Self {
        Cases {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            counts: Vec::new(),
            counters,
        }
    }

    /// Stores a new case, in a free slot if there is one.
    // (`always`: called once per arrival, and left out of line it costs
    // about 2% of M/M/10's instructions.)
    #[inline(always)]
    pub(super) fn insert(&mut self, fresh: Case) -> CaseId {
        self.live += 1;
        let steps = self.counters;
        match self.free.pop() {
            Some(c) => {
                self.slots[c.index()] = fresh;
                // (Skipped when there is nothing to clear: an empty slice
                // of an unallocated Vec points at a dangling address, and
                // libc's AVX-512 memset of 0 bytes there took a slow
                // masked-store path: +40% wall time on M/M/10.)
                if steps > 0 {
                    let at = c.index() * steps;
                    self.counts[at..at + steps].fill(0);
                }
                c
            }
            None => {
                self.slots.push(fresh);
                self.counts.resize(self.slots.len() * steps, 0);
                CaseId((self.slots.len() - 1) as u32)
            }
        }
    }

    /// Frees the slot of a case that ended.
    #[inline]
    pub(super) fn release(&mut self, c: CaseId) {
        self.free.push(c);
        self.live -= 1;
    }

    /// Cases in progress.
    #[inline]
    pub(super) fn live(&self) -> u64 {
        self.live
    }

    /// Counter `index` of case `c` (reworks at a rework step, retries at a retry).
    #[inline]
    pub(super) fn counter(&mut self, c: CaseId, index: usize) -> &mut u16 {
        &mut self.counts[c.index() * self.counters + index]
    }

    /// Every slot, ended cases included (their `live_tokens` is 0).
    pub(super) fn slots(&self) -> &[Case] {
        &self.slots
    }
}

impl Index<CaseId> for Cases {
    type Output = Case;
    #[inline]
    fn index(&self, c: CaseId) -> &Case {
        &self.slots[c.index()]
    }
}

impl IndexMut<CaseId> for Cases {
    #[inline]
    fn index_mut(&mut self, c: CaseId) -> &mut Case {
        &mut self.slots[c.index()]
    }
}

/// One thread of a case's route.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub(super) case: CaseId,
    /// The route and the position in it of the next step.
    pub(super) route: u32,
    pub(super) pos: u32,
    /// The token that spawned this one ([`TokenId::NONE`] for a case's first).
    pub(super) parent: TokenId,
    /// Children still running.
    pub(super) pending: u32,
    /// Bumped at each queue join and removal, so stale entries are skipped.
    pub(super) ticket: u32,
    /// The pool it waits in or is served by ([`NO_POOL`] if none).
    pub(super) pool: u32,
    pub(super) waiting: bool,
    pub(super) queued_at: Seconds,
    /// Wait before being sent home, carried to the next queue.
    pub(super) wait_acc: Seconds,
    /// Service start.
    pub(super) started: Seconds,
}

impl Token {
    /// A token of `case` at the start of `route`.
    #[inline]
    pub(super) fn new(case: CaseId, route: u32, parent: TokenId) -> Self {
        Token {
            case,
            route,
            pos: 0,
            parent,
            pending: 0,
            ticket: 0,
            pool: NO_POOL,
            waiting: false,
            queued_at: 0.0,
            wait_acc: 0.0,
            started: 0.0,
        }
    }
}

/// The tokens of a replication, by slot.
#[derive(Default)]
pub(super) struct Tokens {
    slots: Vec<Token>,
    free: Vec<TokenId>,
}

impl Tokens {
    /// Stores a new token, in a free slot if there is one. A reused slot
    /// keeps counting its tickets, so queue entries of the slot's previous
    /// token stay stale.
    #[inline]
    pub(super) fn insert(&mut self, fresh: Token) -> TokenId {
        match self.free.pop() {
            Some(t) => {
                let ticket = self[t].ticket.wrapping_add(1);
                self[t] = Token { ticket, ..fresh };
                t
            }
            None => {
                self.slots.push(fresh);
                TokenId((self.slots.len() - 1) as u32)
            }
        }
    }

    /// Frees the slot of a token that ended.
    #[inline]
    pub(super) fn release(&mut self, t: TokenId) {
        self.free.push(t);
    }

    /// The tokens not ended, in slot order (for the end of a run).
    pub(super) fn live(&self) -> Vec<Token> {
        let mut free = vec![false; self.slots.len()];
        for t in &self.free {
            free[t.index()] = true;
        }
        self.slots
            .iter()
            .zip(free)
            .filter(|(_, f)| !f)
            .map(|(t, _)| *t)
            .collect()
    }
}

impl Index<TokenId> for Tokens {
    type Output = Token;
    #[inline]
    fn index(&self, t: TokenId) -> &Token {
        &self.slots[t.index()]
    }
}

impl IndexMut<TokenId> for Tokens {
    #[inline]
    fn index_mut(&mut self, t: TokenId) -> &mut Token {
        &mut self.slots[t.index()]
    }
}

/// An entry of a priority queue: highest priority first, then first come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct PriorityEntry {
    priority: i64,
    order: Reverse<u64>,
    pub(super) token: TokenId,
    pub(super) ticket: u32,
}

/// A pool's servers, queue and level integration.
pub(super) struct PoolState {
    /// Servers present by the schedule (0 while closed).
    pub(super) capacity: u32,
    pub(super) busy: u32,
    /// Queue entries still valid: serve and work.
    pub(super) waiting: u32,
    /// Of those, serve entries.
    pub(super) waiting_serve: u32,
    pub(super) fifo: VecDeque<(TokenId, u32)>,
    pub(super) priority: BinaryHeap<PriorityEntry>,
    /// Entries pushed to the priority queue so far (first come, first served
    /// among equals).
    order: u64,
    /// Open with at least one server.
    pub(super) open: bool,
    /// Serve entries still to serve after a `finish` close, and the servers
    /// serving them.
    pub(super) overtime_left: u32,
    pub(super) overtime_capacity: u32,
    pub(super) closed_at: Seconds,
    /// Its last opening (with servers).
    pub(super) opened_at: Seconds,
    /// The end of the overtime counted so far.
    pub(super) overtime_end: Seconds,
    /// When the levels were last integrated.
    last_change: Seconds,
    /// The hour being integrated: [hour_start, hour_end), its hour of day,
    /// and its areas so far, flushed to `hourly` when the integration moves
    /// to another hour.
    hour_start: Seconds,
    hour_end: Seconds,
    hour_bin: usize,
    hour_areas: HourAreas,
    /// The areas by hour of day, for [`PoolResult::hourly`] at the end of the
    /// run. (Kept here rather than in the result, so the hot path does not
    /// look the pool up there on every level change.)
    ///
    /// [`PoolResult::hourly`]: super::result::PoolResult::hourly
    pub(super) hourly: [HourAreas; 24],
    /// Largest queue seen inside [warmup, horizon].
    pub(super) queue_max: u32,
    /// The queue's area in each of [`TREND_SEGMENTS`] equal parts of
    /// [warmup, horizon] (by the hour each area was integrated in), for
    /// telling a queue that grows without bound from one that settles.
    pub(super) trend: [f64; TREND_SEGMENTS],
    trend_start: Seconds,
    trend_segment: Seconds,
}

impl PoolState {
    /// A closed pool with an empty queue, integrated up to time 0, whose
    /// levels count inside [warmup, horizon].
    pub(super) fn new(warmup: Seconds, horizon: Seconds) -> Self {
        PoolState {
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
            opened_at: 0.0,
            overtime_end: 0.0,
            last_change: 0.0,
            hour_start: 0.0,
            hour_end: 0.0,
            hour_bin: 0,
            hour_areas: [0.0; area::COUNT],
            hourly: [[0.0; area::COUNT]; 24],
            queue_max: 0,
            trend: [0.0; TREND_SEGMENTS],
            trend_start: warmup,
            trend_segment: (horizon - warmup) / TREND_SEGMENTS as f64,
        }
    }

    /// Queues a token's entry (the caller counts it in `waiting`).
    #[inline]
    pub(super) fn push(&mut self, discipline: Discipline, t: TokenId, ticket: u32, priority: i64) {
        match discipline {
            Discipline::Fifo => self.fifo.push_back((t, ticket)),
            Discipline::Priority => {
                self.order += 1;
                self.priority.push(PriorityEntry {
                    priority,
                    order: Reverse(self.order),
                    token: t,
                    ticket,
                });
            }
        }
    }

    /// Pops the first entry (valid or stale) for which `take` holds,
    /// leaving the others where they were (same places, same order).
    pub(super) fn pop_where(
        &mut self,
        discipline: Discipline,
        mut take: impl FnMut(TokenId, u32) -> bool,
    ) -> Option<(TokenId, u32)> {
        match discipline {
            Discipline::Fifo => {
                let i = self.fifo.iter().position(|&(t, k)| take(t, k))?;
                self.fifo.remove(i)
            }
            Discipline::Priority => {
                let mut skipped = Vec::new();
                let mut found = None;
                while let Some(e) = self.priority.pop() {
                    if take(e.token, e.ticket) {
                        found = Some((e.token, e.ticket));
                        break;
                    }
                    skipped.push(e);
                }
                // Entries keep their priority and order, so they pop as before.
                self.priority.extend(skipped);
                found
            }
        }
    }

    /// Pops the next entry, valid or stale.
    #[inline]
    pub(super) fn pop(&mut self, discipline: Discipline) -> Option<(TokenId, u32)> {
        match discipline {
            Discipline::Fifo => self.fifo.pop_front(),
            Discipline::Priority => self.priority.pop().map(|e| (e.token, e.ticket)),
        }
    }

    /// Servers that may start a service now: the schedule's while open,
    /// the overtime servers while a `finish` close is working off its
    /// queue, else none.
    #[inline]
    pub(super) fn serving_capacity(&self) -> u32 {
        if self.open {
            self.capacity
        } else if self.overtime_left > 0 {
            self.overtime_capacity
        } else {
            0
        }
    }

    /// Adds the current hour's areas to `hourly` and starts the hour holding `t`.
    pub(super) fn move_to_hour(&mut self, t: Seconds) {
        if self.trend_segment > 0.0 {
            let segment = ((self.hour_start - self.trend_start) / self.trend_segment).max(0.0);
            self.trend[(segment as usize).min(TREND_SEGMENTS - 1)] += self.hour_areas[area::QUEUE];
        }
        for (bin, area) in self.hourly[self.hour_bin]
            .iter_mut()
            .zip(&mut self.hour_areas)
        {
            *bin += *area;
            *area = 0.0;
        }
        let hour = crate::calendar::floor_i64(t / HOUR);
        self.hour_start = hour as f64 * HOUR;
        self.hour_end = (hour + 1) as f64 * HOUR;
        self.hour_bin = hour.rem_euclid(24) as usize;
    }

    /// Integrates the levels from their last change to `now`, inside
    /// [warmup, horizon], by hour of day (the hour in progress is flushed
    /// to `hourly` by [`PoolState::move_to_hour`]).
    #[inline(always)]
    pub(super) fn integrate(&mut self, now: Seconds, warmup: Seconds, horizon: Seconds) {
        if self.last_change == now {
            return;
        }
        let from = self.last_change.max(warmup);
        let to = now.min(horizon);
        self.last_change = now;
        if to <= from {
            return;
        }
        // The level held over [from, to] lies inside the window.
        self.queue_max = self.queue_max.max(self.waiting);
        let queue = f64::from(self.waiting);
        let busy = f64::from(self.busy.min(self.capacity));
        let cap = f64::from(self.capacity);
        let mut t = from;
        loop {
            // Most level changes fall in the same hour as the previous one:
            // only the hot per-pool areas are touched then.
            if t >= self.hour_end || t < self.hour_start {
                self.move_to_hour(t);
            }
            let end = self.hour_end.min(to);
            let span = end - t;
            let open_span = if self.open { span } else { 0.0 };
            let areas = &mut self.hour_areas;
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
