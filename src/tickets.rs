//! The queue-ticket log of one replication, as a hall's ticket system
//! would record it: a ticket per visit to a `serve` step, issued when the
//! citizen joins the queue, with the window that served it. Kept from the
//! engine's records; written as `tickets.csv` by [`crate::report`] and
//! measured by [`crate::fit::validate`].
//!
//! The engine keeps no server identities, so windows are assigned here,
//! once the replication's services are known: per pool, in order of
//! service start, each service goes to the lowest-numbered free window
//! (greedy interval colouring). A service then takes window `n` only when
//! windows `1..n` are all busy, so no more windows are busy at once than
//! the pool's servers, and the highest window starting a service in an
//! hour is the servers present whenever all of them were busy in it (what
//! `fit` reads back as the pool's schedule).

use crate::engine::{Observer, QueueEvent, QueueRecord, StepRecord};
use crate::model::{Model, StepKind};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// One ticket, kept until the replication ends.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Case number in the replication.
    pub case: u64,
    /// Process index.
    pub process: usize,
    /// Pool index.
    pub pool: usize,
    /// When the citizen joined the queue (seconds).
    pub issued: f64,
    /// Service start and end if served, else the time the citizen left.
    pub end: End,
    /// The window that served it (1-based, 0 until assigned or when not served).
    pub window: u32,
}

/// How a ticket ended.
#[derive(Debug, Clone, Copy)]
pub enum End {
    /// Served from `.0` to `.1` (seconds).
    Served(f64, f64),
    /// Left at this time (seconds).
    Left(f64),
}

/// The tickets of one replication, kept from the engine's step and queue
/// records (an [`Observer`] alone with [`TicketObserver`]).
#[derive(Default)]
pub struct TicketLog {
    /// Queue joins not yet served or left, by (case, route, position).
    issued: HashMap<(u64, usize, usize), f64>,
    tickets: Vec<Ticket>,
}

/// An observer keeping only the ticket log (for `fit`'s validation).
pub struct TicketObserver<'m> {
    /// The model simulated.
    pub model: &'m Model,
    /// Its tickets.
    pub log: TicketLog,
}

impl Observer for TicketObserver<'_> {
    fn wants_steps(&self) -> bool {
        true
    }
    fn step(&mut self, r: &StepRecord) {
        self.log.step(self.model, r);
    }
    fn queue(&mut self, r: &QueueRecord) {
        self.log.queue(r);
    }
}

/// A time as an orderable key (times are finite and not negative).
fn key(t: f64) -> u64 {
    t.to_bits()
}

/// Windows (1-based) of services `(start, end)` in the given order, which
/// must be by start: each goes to the lowest-numbered window free at its
/// start (a window freed at the instant another service starts is free).
pub(crate) fn assign_windows(spans: &[(f64, f64)]) -> Vec<u32> {
    let mut busy: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    let mut free: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut opened = 0u32;
    spans
        .iter()
        .map(|&(start, end)| {
            while let Some(&Reverse((e, w))) = busy.peek() {
                if e > key(start) {
                    break;
                }
                busy.pop();
                free.push(Reverse(w));
            }
            let w = match free.pop() {
                Some(Reverse(w)) => w,
                None => {
                    opened += 1;
                    opened
                }
            };
            busy.push(Reverse((key(end), w)));
            w
        })
        .collect()
}

impl TicketLog {
    /// A step ended: a `serve` step's service is a served ticket.
    pub fn step(&mut self, model: &Model, r: &StepRecord) {
        let serve = matches!(
            model.routes[r.route].steps[r.position].kind,
            StepKind::Serve { .. }
        );
        if let (Some(pool), true) = (r.pool, serve) {
            let issued = self
                .issued
                .remove(&(r.case, r.route, r.position))
                .unwrap_or(r.start);
            self.push(r.case, r.process, pool, issued, End::Served(r.start, r.end));
        }
    }

    /// A citizen joined or left a queue.
    pub fn queue(&mut self, r: &QueueRecord) {
        let key = (r.case, r.route, r.position);
        match r.event {
            // A citizen queued again (after a service cut short) keeps the
            // ticket of the first join.
            QueueEvent::Join => {
                self.issued.entry(key).or_insert(r.time);
            }
            QueueEvent::Renege | QueueEvent::Balk => {
                let issued = self.issued.remove(&key).unwrap_or(r.time);
                self.push(r.case, r.process, r.pool, issued, End::Left(r.time));
            }
            QueueEvent::Retry => {}
        }
    }

    fn push(&mut self, case: u64, process: usize, pool: usize, issued: f64, end: End) {
        self.tickets.push(Ticket {
            case,
            process,
            pool,
            issued,
            end,
            window: 0,
        });
    }

    /// The tickets, in the order they ended, with their windows, leaving
    /// the log empty (ready for the next replication).
    pub fn take(&mut self, model: &Model) -> Vec<Ticket> {
        for pool in 0..model.pools.len() {
            let mut served: Vec<(usize, (f64, f64))> = self
                .tickets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| match t.end {
                    End::Served(s, e) if t.pool == pool => Some((i, (s, e))),
                    _ => None,
                })
                .collect();
            // Stable: services starting at once keep the order they ended in.
            served.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
            let spans: Vec<(f64, f64)> = served.iter().map(|s| s.1).collect();
            for ((i, _), w) in served.iter().zip(assign_windows(&spans)) {
                self.tickets[*i].window = w;
            }
        }
        self.issued.clear();
        std::mem::take(&mut self.tickets)
    }
}

#[cfg(test)]
mod tests {
    use super::assign_windows;

    #[test]
    fn each_service_takes_the_lowest_free_window() {
        // By hand: A 0-10 takes 1; B 2-5 takes 2; C 5-8 takes 2 again (B
        // freed it at 5); D 6-7 takes 3 (1 and 2 busy); E 10-12 takes 1
        // (freed at 10), F 10-11 takes 2 (freed at 8, lower than 3).
        let spans = [
            (0.0, 10.0),
            (2.0, 5.0),
            (5.0, 8.0),
            (6.0, 7.0),
            (10.0, 12.0),
            (10.0, 11.0),
        ];
        assert_eq!(assign_windows(&spans), [1, 2, 2, 3, 1, 2]);
    }

    #[test]
    fn no_more_windows_than_services_at_once() {
        // Pseudo-random spans: the highest window equals the most
        // services under way at once (computed independently by a sweep).
        let mut x = 12345u64;
        let mut rnd = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut spans: Vec<(f64, f64)> = (0..2000)
            .map(|_| {
                let s = rnd() * 1000.0;
                (s, s + rnd() * 20.0)
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut edges: Vec<(f64, i32)> =
            spans.iter().flat_map(|&(a, b)| [(a, 1), (b, -1)]).collect();
        edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut most) = (0, 0);
        for (_, d) in edges {
            now += d;
            most = most.max(now);
        }
        let w = assign_windows(&spans);
        assert_eq!(*w.iter().max().unwrap(), most as u32);
    }
}
