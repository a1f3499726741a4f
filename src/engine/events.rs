//! The agenda: what happens next, in (time, sequence number) order.
//!
//! An event is 24 bytes: its time's bits, a sequence number and the
//! [`Ev`] packed into 64 bits. Non-negative `f64` bits sort like the times,
//! so an event's order is one 128-bit integer comparison. Arrivals wait in a
//! heap of their own (one entry per open stream, where the agenda would hold
//! one per case) and the two heaps are merged when popping, so events come
//! out exactly as from a single agenda: simultaneous events in the order
//! they were scheduled, which makes every run reproducible.

use super::state::TokenId;
use crate::time::Seconds;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What an event does; packed into 64 bits inside [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ev {
    /// The next arrival of an arrival stream (its index in the model).
    Arrive(u32),
    /// A token continues its route.
    Resume(TokenId),
    /// A token's service ends.
    Done(TokenId),
    /// A waiting token gives up, if it still waits on this ticket (the
    /// ticket's low [`TICKET_BITS`] bits).
    Renege(TokenId, u32),
    /// A pool's capacity changes (the pool's index in the model).
    PoolTick(u32),
}

/// Bits of a queue ticket kept in a renege event. A stale event would need
/// 2^29 re-queues of one token slot within its patience to be mistaken for
/// a live one.
const TICKET_BITS: u32 = 29;
/// The bits of a ticket that a renege event carries.
pub(super) const TICKET_MASK: u32 = (1 << TICKET_BITS) - 1;

impl Ev {
    /// Kind (3 bits) | ticket (29 bits) | index (32 bits).
    #[inline]
    fn pack(self) -> u64 {
        let (kind, ticket, index) = match self {
            Ev::Arrive(i) => (0u64, 0, i),
            Ev::Resume(t) => (1, 0, t.raw()),
            Ev::Done(t) => (2, 0, t.raw()),
            Ev::Renege(t, ticket) => (3, ticket & TICKET_MASK, t.raw()),
            Ev::PoolTick(i) => (4, 0, i),
        };
        kind << 61 | u64::from(ticket) << 32 | u64::from(index)
    }

    #[inline]
    fn unpack(bits: u64) -> Ev {
        let index = bits as u32;
        match bits >> 61 {
            0 => Ev::Arrive(index),
            1 => Ev::Resume(TokenId::from_raw(index)),
            2 => Ev::Done(TokenId::from_raw(index)),
            3 => Ev::Renege(TokenId::from_raw(index), (bits >> 32) as u32 & TICKET_MASK),
            _ => Ev::PoolTick(index),
        }
    }
}

/// The size of an agenda entry.
pub(super) const EVENT_BYTES: usize = size_of::<Event>();

/// An entry of the agenda: 24 bytes, ordered by (time, sequence number).
#[derive(Debug, Clone, Copy)]
struct Event {
    /// The bits of the (non-negative) event time: they sort like the times.
    time_bits: u64,
    seq: u64,
    ev: u64,
}

// The comparisons are `#[inline]`: the heaps that call them are
// instantiated in the engine's module, and a call per comparison would cost
// more than the comparison.
impl PartialEq for Event {
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    #[inline]
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

/// The pending events of one replication.
pub(super) struct Agenda {
    /// The last sequence number given.
    seq: u64,
    /// Events other than arrivals.
    events: BinaryHeap<Event>,
    /// The next arrival of each open arrival stream. Kept apart from the
    /// events (whose number per case it would double) and merged with them
    /// by (time, seq) when popping, so the order is that of one agenda.
    arrivals: BinaryHeap<Event>,
}

impl Agenda {
    /// An empty agenda for a model with `streams` arrival streams.
    pub(super) fn new(streams: usize) -> Self {
        Agenda {
            seq: 0,
            events: BinaryHeap::with_capacity(1024),
            arrivals: BinaryHeap::with_capacity(streams),
        }
    }

    /// The next event at `time`, numbered in scheduling order.
    #[inline]
    fn entry(&mut self, now: Seconds, time: Seconds, ev: Ev) -> Event {
        // Never schedule into the past (and keep times non-negative, which
        // the event ordering relies on; adding 0.0 turns -0.0, whose bits
        // would sort last, into 0.0).
        let time = if time >= now { time + 0.0 } else { now };
        self.seq += 1;
        Event {
            time_bits: time.to_bits(),
            seq: self.seq,
            ev: ev.pack(),
        }
    }

    /// Schedules `ev` at `time` (or at `now`, if `time` is earlier).
    #[inline]
    pub(super) fn schedule(&mut self, now: Seconds, time: Seconds, ev: Ev) {
        let event = self.entry(now, time, ev);
        self.events.push(event);
    }

    /// Schedules the next arrival of stream `stream` at `time`.
    #[inline]
    pub(super) fn schedule_arrival(&mut self, now: Seconds, time: Seconds, stream: u32) {
        let event = self.entry(now, time, Ev::Arrive(stream));
        self.arrivals.push(event);
    }

    /// Removes and returns the earliest event of the agenda and the
    /// arrivals, with its time.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<(Seconds, Ev)> {
        let arrival_first = match (self.events.peek(), self.arrivals.peek()) {
            // Reversed order: the greater event is the earlier one.
            (Some(other), Some(arrival)) => arrival > other,
            (None, Some(_)) => true,
            _ => false,
        };
        let event = if arrival_first {
            self.arrivals.pop()
        } else {
            self.events.pop()
        }?;
        Some((f64::from_bits(event.time_bits), Ev::unpack(event.ev)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pack_and_unpack() {
        let t = TokenId::from_raw(u32::MAX - 1);
        for ev in [
            Ev::Arrive(7),
            Ev::Resume(t),
            Ev::Done(TokenId::from_raw(0)),
            Ev::Renege(t, TICKET_MASK),
            Ev::PoolTick(u32::MAX),
        ] {
            assert_eq!(Ev::unpack(ev.pack()), ev);
        }
        // A renege event keeps only the ticket's low bits.
        assert_eq!(
            Ev::unpack(Ev::Renege(t, TICKET_MASK + 2).pack()),
            Ev::Renege(t, 1)
        );
    }

    #[test]
    fn pops_by_time_then_scheduling_order_across_both_heaps() {
        let mut agenda = Agenda::new(1);
        agenda.schedule(0.0, 5.0, Ev::PoolTick(0));
        agenda.schedule_arrival(0.0, 5.0, 0);
        agenda.schedule(0.0, 1.0, Ev::PoolTick(1));
        // In the past: at now.
        agenda.schedule(2.0, 0.5, Ev::PoolTick(2));
        let order: Vec<_> = std::iter::from_fn(|| agenda.pop()).collect();
        assert_eq!(
            order,
            [
                (1.0, Ev::PoolTick(1)),
                (2.0, Ev::PoolTick(2)),
                (5.0, Ev::PoolTick(0)),
                (5.0, Ev::Arrive(0)),
            ]
        );
    }
}
