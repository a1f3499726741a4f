//! When a citizen who comes back walks in (format 1.1's `returns: profile`).
//!
//! A return's day is chosen by its delay (or is the next open day when the
//! citizen finds the hall closed for the day); its time of day is drawn from
//! the arrival profile of the stream the case came by, restricted to the
//! hours the pool (or the hall) is open with servers. A stream without a
//! profile (a constant rate, interarrival gaps, appointments), or whose
//! profile puts no weight in those hours, is flat over them.

use crate::model::{ArrivalPattern, Model, Pool};
use crate::rng::StreamRng;
use crate::time::{Seconds, DAY};

/// Daily windows of a return: (start, end, weight per second), as times of
/// day, sorted and disjoint.
pub(super) type Windows = Vec<(Seconds, Seconds, f64)>;

/// How far ahead a return looks for an open day before giving up.
const SEARCH_DAYS: i64 = 3_700;

/// The return windows of every (stream, place): place `p < pools` is pool
/// `p`, place `pools` is the hall calendar.
pub(super) fn return_windows(model: &Model) -> Vec<Vec<Windows>> {
    let hall: Vec<(Seconds, Seconds)> = model.calendar.hours().periods().to_vec();
    model
        .arrivals
        .iter()
        .map(|arrival| {
            let profile = match &arrival.pattern {
                ArrivalPattern::Poisson { segments, .. } => Some(segments.as_slice()),
                ArrivalPattern::Interarrival(_) | ArrivalPattern::Appointments { .. } => None,
            };
            model
                .pools
                .iter()
                .map(available_hours)
                .chain(std::iter::once(hall.clone()))
                .map(|hours| windows(profile, &hours))
                .collect()
        })
        .collect()
}

/// The hours of a day when a pool is open with at least one server.
fn available_hours(pool: &Pool) -> Vec<(Seconds, Seconds)> {
    let mut out: Vec<(Seconds, Seconds)> = Vec::new();
    for &(a, b) in pool.calendar.hours().periods() {
        let mut cuts = vec![a];
        cuts.extend(pool.breakpoints.iter().copied().filter(|&t| t > a && t < b));
        cuts.push(b);
        for w in cuts.windows(2) {
            if pool.servers.at(w[0]) == 0 {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 == w[0] => last.1 = w[1],
                _ => out.push((w[0], w[1])),
            }
        }
    }
    out
}

/// The profile cut to `hours`; flat over `hours` when there is no profile
/// or it has no weight there.
fn windows(profile: Option<&[(Seconds, Seconds, f64)]>, hours: &[(Seconds, Seconds)]) -> Windows {
    let mut out = Windows::new();
    if let Some(segments) = profile {
        for &(h0, h1) in hours {
            for &(a, b, rate) in segments {
                let (lo, hi) = (a.max(h0), b.min(h1));
                if hi > lo && rate > 0.0 {
                    out.push((lo, hi, rate));
                }
            }
        }
        out.sort_by(|x, y| x.0.total_cmp(&y.0));
    }
    if out.is_empty() {
        out = hours.iter().map(|&(a, b)| (a, b, 1.0)).collect();
    }
    out
}

/// A return time on the first day from `day` on that `is_open_day` admits
/// and that has window time left at or after `not_before`, drawn with the
/// windows' weights; `None` if no such day comes within about ten years.
pub(super) fn draw_return(
    windows: &Windows,
    day: i64,
    not_before: Seconds,
    is_open_day: impl Fn(i64) -> bool,
    rng: &mut StreamRng,
) -> Option<Seconds> {
    for d in day..day + SEARCH_DAYS {
        if !is_open_day(d) {
            continue;
        }
        let start = d as f64 * DAY;
        let from = not_before - start;
        let part = |&(a, b, w): &(Seconds, Seconds, f64)| {
            let a = a.max(from);
            (b > a).then_some((a, b, w))
        };
        let mass: f64 = windows
            .iter()
            .filter_map(part)
            .map(|(a, b, w)| (b - a) * w)
            .sum();
        if mass <= 0.0 {
            continue;
        }
        let mut u = rng.uniform() * mass;
        let mut last = None;
        for (a, b, w) in windows.iter().filter_map(part) {
            let m = (b - a) * w;
            if u < m {
                return Some(start + a + u / w);
            }
            u -= m;
            last = Some((a, b));
        }
        // Rounding left `u` past the last window: its end, just inside.
        return last.map(|(a, b)| start + a + (b - a) * (1.0 - f64::EPSILON));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    #[test]
    fn draws_follow_the_weights_and_skip_closed_days_and_the_past() {
        // Two windows: 09-12 at weight 2, 13-17 at weight 1 (masses 6 and 4 hours).
        let h = 3600.0;
        let w: Windows = vec![(9.0 * h, 12.0 * h, 2.0), (13.0 * h, 17.0 * h, 1.0)];
        let mut rng = StreamKey::replication(1, 0).rng();
        let n = 20_000;
        let mut morning = 0;
        for _ in 0..n {
            let t = draw_return(&w, 0, 0.0, |_| true, &mut rng).unwrap();
            let tod = t % DAY;
            assert!((9.0 * h..12.0 * h).contains(&tod) || (13.0 * h..17.0 * h).contains(&tod));
            morning += usize::from(tod < 12.0 * h);
        }
        // Expected share 0.6; sd of the share sqrt(0.24/n) = 0.0035: 5 sd.
        let share = morning as f64 / n as f64;
        assert!((share - 0.6).abs() < 0.0175, "{share}");
        // Day 0 closed: day 1. From 16:00 on day 1: within 16-17 that day.
        let t = draw_return(&w, 0, 0.0, |d| d > 0, &mut rng).unwrap();
        assert_eq!((t / DAY).floor(), 1.0);
        let t = draw_return(&w, 1, DAY + 16.0 * h, |_| true, &mut rng).unwrap();
        assert!(t >= DAY + 16.0 * h && t < DAY + 17.0 * h, "{t}");
        // Past the last window: the next day.
        let t = draw_return(&w, 1, DAY + 17.5 * h, |_| true, &mut rng).unwrap();
        assert_eq!((t / DAY).floor(), 2.0);
        assert!(draw_return(&w, 0, 0.0, |_| false, &mut rng).is_none());
    }

    #[test]
    fn a_profile_without_weight_in_the_hours_is_flat() {
        let h = 3600.0;
        let night = [(0.0, 6.0 * h, 5.0)];
        let w = windows(Some(&night), &[(9.0 * h, 17.0 * h)]);
        assert_eq!(w, vec![(9.0 * h, 17.0 * h, 1.0)]);
        let day = [(0.0, 10.0 * h, 1.0), (10.0 * h, DAY, 3.0)];
        let w = windows(Some(&day), &[(9.0 * h, 12.0 * h), (13.0 * h, 17.0 * h)]);
        assert_eq!(
            w,
            vec![
                (9.0 * h, 10.0 * h, 1.0),
                (10.0 * h, 12.0 * h, 3.0),
                (13.0 * h, 17.0 * h, 3.0)
            ]
        );
    }
}
