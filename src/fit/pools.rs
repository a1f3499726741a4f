//! Pools, their windows and the windows open by hour of day, inferred
//! from a log.
//!
//! With a window column the windows of a pool are the distinct windows
//! seen serving it, and the windows open in an hour of the day are the
//! most distinct windows that started a service in that hour on any one
//! day. Without one, both are the most services under way at once (at a
//! service start, for the hours). Either count is a lower bound that
//! equals the windows present whenever all of them were busy at some
//! moment, as in any hall with a queue; an exceptional day with an extra
//! window sets the hour's count too (the staffing plan allows it).
//! Counting starts, not services under way, keeps a window finishing past
//! a drop in the count (which the format lets it do) out of the next hour.

use super::calendar::{clock, Calendar};
use super::read::Ticket;
use jiff::civil::{Date, DateTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One inferred pool.
#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    /// Name.
    pub name: String,
    /// Windows (servers).
    pub windows: usize,
    /// How they were counted: `distinct windows` or `most services at once`.
    pub method: &'static str,
    /// Served tickets.
    pub served: usize,
    /// Windows open by hour of the day: `(HH:MM, count)` from the first
    /// open minute of each open hour, equal neighbours merged. One entry
    /// when the count never changes.
    pub schedule: Vec<(String, usize)>,
}

/// Infers the pools of `tickets`, by name, on `calendar`'s opening hours.
pub fn infer(tickets: &[Ticket], has_window: bool, calendar: &Calendar) -> Vec<Pool> {
    let mut by_pool: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        by_pool.entry(&t.pool).or_default().push(t);
    }
    by_pool
        .into_iter()
        .map(|(name, ts)| {
            let served: Vec<_> = ts
                .iter()
                .filter_map(|t| t.service.map(|s| (*t, s)))
                .collect();
            let (windows, by_hour, method) = if has_window {
                windows_seen(&served)
            } else {
                most_at_once(&served)
            };
            let windows = windows.max(1);
            Pool {
                name: name.to_string(),
                windows,
                method,
                served: served.len(),
                schedule: schedule(&by_hour, windows, calendar),
            }
        })
        .collect()
}

type Served<'a> = (&'a Ticket, (DateTime, DateTime));

/// Distinct windows, and per hour of day the most distinct windows
/// starting a service in it on one day.
fn windows_seen(served: &[Served]) -> (usize, [usize; 24], &'static str) {
    let mut all: BTreeSet<&str> = BTreeSet::new();
    let mut starting: BTreeMap<(Date, i8), BTreeSet<&str>> = BTreeMap::new();
    for (t, (a, _)) in served {
        if let Some(w) = t.window.as_deref() {
            all.insert(w);
            starting.entry((a.date(), a.hour())).or_default().insert(w);
        }
    }
    let mut by_hour = [0usize; 24];
    for ((_, h), ws) in starting {
        let slot = &mut by_hour[h as usize];
        *slot = (*slot).max(ws.len());
    }
    (all.len(), by_hour, "distinct windows")
}

/// The most services under way at once, overall and just after a start in
/// each hour of day.
fn most_at_once(served: &[Served]) -> (usize, [usize; 24], &'static str) {
    // Ends sort before starts at the same instant: a window freed and
    // taken again at once is one window.
    let mut edges: Vec<(DateTime, i32)> = served
        .iter()
        .flat_map(|(_, (a, b))| [(*a, 1), (*b, -1)])
        .collect();
    edges.sort();
    let (mut now, mut most) = (0i64, 0i64);
    let mut by_hour = [0usize; 24];
    for (at, d) in edges {
        now += i64::from(d);
        most = most.max(now);
        if d > 0 {
            let slot = &mut by_hour[at.hour() as usize];
            *slot = (*slot).max(now as usize);
        }
    }
    (most as usize, by_hour, "most services at once")
}

/// The schedule over the open hours: one entry per change of count. A
/// pool seen in no open hour keeps `windows` all day.
fn schedule(by_hour: &[usize; 24], windows: usize, calendar: &Calendar) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for h in 0..24u32 {
        let Some(from) = calendar.open_in_hour(h).1 else {
            continue;
        };
        let n = by_hour[h as usize];
        if out.last().is_none_or(|(_, m)| *m != n) {
            out.push((clock(from), n));
        }
    }
    if out.iter().all(|(_, n)| *n == 0) {
        return vec![(
            out.first().map_or_else(|| "00:00".into(), |e| e.0.clone()),
            windows,
        )];
    }
    out
}
