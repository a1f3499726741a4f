//! Pools and their windows inferred from a log. With a window column the
//! windows of a pool are the distinct windows seen serving it; without
//! one, the largest number of services under way at once (a lower bound
//! that equals the windows whenever all were busy at some moment, as in
//! any hall with a queue).

use super::read::Ticket;
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
}

/// Infers the pools of `tickets`, by name.
pub fn infer(tickets: &[Ticket], has_window: bool) -> Vec<Pool> {
    let mut by_pool: BTreeMap<&str, Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        by_pool.entry(&t.pool).or_default().push(t);
    }
    by_pool
        .into_iter()
        .map(|(name, ts)| {
            let served: Vec<_> = ts
                .iter()
                .filter_map(|t| t.service.map(|s| (t, s)))
                .collect();
            let (windows, method) = if has_window {
                let seen: BTreeSet<&str> = served
                    .iter()
                    .filter_map(|(t, _)| t.window.as_deref())
                    .collect();
                (seen.len(), "distinct windows")
            } else {
                // Ends sort before starts at the same instant: a window
                // freed and taken again at once is one window.
                let mut edges: Vec<(jiff::civil::DateTime, i32)> = served
                    .iter()
                    .flat_map(|(_, (a, b))| [(*a, 1), (*b, -1)])
                    .collect();
                edges.sort();
                let (mut now, mut most) = (0i64, 0i64);
                for (_, d) in edges {
                    now += i64::from(d);
                    most = most.max(now);
                }
                (most as usize, "most services at once")
            };
            Pool {
                name: name.to_string(),
                windows: windows.max(1),
                method,
                served: served.len(),
            }
        })
        .collect()
}
