//! Arrival streams: when the next citizen of a stream arrives.
//!
//! Poisson streams (`rate`, `daily` + `profile`) are non-homogeneous Poisson
//! processes with a rate that is piecewise constant over the day; they are
//! generated exactly by inverting the cumulative rate: draw E ~ Exp(1) and
//! walk forward until the integrated rate reaches E (Cinlar's method).

use crate::calendar::Calendar;
use crate::model::{Arrival, ArrivalPattern, Channel};
use crate::rng::StreamRng;
use crate::time::{Seconds, DAY};
use rand::RngExt;
use rand_distr::Exp1;

/// The state of one arrival stream in one replication.
pub(super) struct StreamState {
    rng: StreamRng,
    /// Arrivals generated so far (the next case's number).
    pub(super) next_number: u64,
    last: Seconds,
    day: i64,
    bookings: Vec<Seconds>,
    booking_index: usize,
}

impl StreamState {
    /// A fresh stream drawing from `rng`.
    pub(super) fn new(rng: StreamRng) -> Self {
        StreamState {
            rng,
            next_number: 0,
            last: 0.0,
            day: 0,
            bookings: Vec::new(),
            booking_index: 0,
        }
    }

    /// A uniform draw from the stream (for the mix).
    pub(super) fn uniform(&mut self) -> f64 {
        self.rng.uniform()
    }

    /// The next arrival time after the previous one, or `None` at or past `horizon`.
    pub(super) fn next(
        &mut self,
        arrival: &Arrival,
        hall: &Calendar,
        horizon: Seconds,
    ) -> Option<Seconds> {
        let online = arrival.channel == Channel::Online;
        let t = match &arrival.pattern {
            ArrivalPattern::Poisson {
                segments,
                weekday_factor: None,
            } if segments.len() == 1
                && segments[0].0 == 0.0
                && segments[0].1 == DAY
                && (online || hall.is_always_open()) =>
            {
                // Open around the clock at one rate: a homogeneous Poisson process.
                let e: f64 = self.rng.sample(Exp1);
                self.last + e / segments[0].2
            }
            ArrivalPattern::Poisson {
                segments,
                weekday_factor,
            } => {
                let e: f64 = self.rng.sample(Exp1);
                let days = hall.days();
                poisson_next(
                    self.last,
                    e,
                    segments,
                    |day| {
                        if online || days.is_open(day) {
                            weekday_factor.map_or(1.0, |f| f[days.weekday(day)])
                        } else {
                            0.0
                        }
                    },
                    horizon,
                )?
            }
            ArrivalPattern::Interarrival(dist) => {
                let gap = dist.sample(&mut self.rng);
                if online || self.last + gap >= horizon {
                    // Open time never runs faster than clock time, so a gap
                    // that reaches the horizon in clock time ends the stream.
                    self.last + gap
                } else {
                    let t = hall.add_open_time(self.last, gap.max(0.0));
                    // A gap ending exactly at closing (or a zero gap while
                    // closed) arrives at the next opening: hall streams
                    // arrive only while the hall is open.
                    if hall.is_open(t) {
                        t
                    } else {
                        hall.next_open(t).unwrap_or(f64::INFINITY)
                    }
                }
            }
            ArrivalPattern::Appointments {
                every,
                per_slot,
                no_show,
                punctuality,
            } => {
                while self.booking_index >= self.bookings.len() {
                    if self.day as f64 * DAY >= horizon {
                        return None;
                    }
                    self.bookings.clear();
                    self.booking_index = 0;
                    if online || hall.days().is_open(self.day) {
                        let periods: Vec<(Seconds, Seconds)> = if online {
                            vec![(0.0, DAY)]
                        } else {
                            hall.hours().periods().to_vec()
                        };
                        for (a, b) in periods {
                            let mut slot = a;
                            while slot < b {
                                let at = self.day as f64 * DAY + slot;
                                if at >= horizon {
                                    break;
                                }
                                for _ in 0..*per_slot {
                                    let shows = self.rng.uniform() >= *no_show;
                                    let offset = punctuality
                                        .as_ref()
                                        .map_or(0.0, |p| p.sample(&mut self.rng));
                                    if shows {
                                        self.bookings.push(at + offset);
                                    }
                                }
                                slot += every;
                            }
                        }
                        self.bookings.sort_by(f64::total_cmp);
                    }
                    self.day += 1;
                }
                let t = self.bookings[self.booking_index];
                self.booking_index += 1;
                t.max(self.last)
            }
        };
        if t >= horizon || !t.is_finite() {
            return None;
        }
        self.last = t;
        self.next_number += 1;
        Some(t)
    }
}

/// The time at which the integrated rate from `from` reaches `e`; the
/// rates of day `d` are `segments` times `day_factor(d)` (0 when closed).
fn poisson_next(
    from: Seconds,
    mut e: f64,
    segments: &[(Seconds, Seconds, f64)],
    day_factor: impl Fn(i64) -> f64,
    horizon: Seconds,
) -> Option<Seconds> {
    let mut day = crate::calendar::floor_i64(from / DAY);
    let mut tod = from - day as f64 * DAY;
    loop {
        if day as f64 * DAY >= horizon {
            return None;
        }
        let factor = day_factor(day);
        if factor > 0.0 {
            for &(a, b, rate) in segments {
                let rate = rate * factor;
                if tod >= b {
                    continue;
                }
                let start = a.max(tod);
                let mass = (b - start) * rate;
                if e <= mass {
                    return Some(day as f64 * DAY + start + e / rate);
                }
                e -= mass;
            }
        }
        day += 1;
        tod = 0.0;
    }
}
