//! Each process's route: the sequence of pools its cases visit on their
//! first day (later days are returns, see [`super::returns`]), taken as
//! the most common sequence among the cases of the process whose every
//! ticket of that day was served (ties go to the first in name order). Without case
//! ids every ticket is its own case, so a route is one visit.

use super::read::{by_case, first_tickets, Ticket, TicketOutcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// One process's route.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// Process (item) name.
    pub process: String,
    /// Pools visited, in order (a `serve` step each).
    pub pools: Vec<String>,
    /// Cases that followed it.
    pub cases: usize,
    /// Cases of the process with every ticket served.
    pub of: usize,
}

/// Infers the routes of `tickets`, by process name.
pub fn infer(tickets: &[Ticket]) -> Vec<Route> {
    let first = first_tickets(tickets);
    let mut counts: BTreeMap<&str, BTreeMap<Vec<&str>, usize>> = BTreeMap::new();
    for ts in by_case(tickets).chunk_by(|a, b| a.case == b.case) {
        let process = first[ts[0].case].item.as_str();
        let entry = counts.entry(process).or_default();
        // The tickets of the case's first day (they come first, by time).
        let day = ts[0].issued.date();
        let ts: Vec<&Ticket> = ts
            .iter()
            .copied()
            .take_while(|t| t.issued.date() == day)
            .collect();
        if ts.iter().any(|t| t.outcome != TicketOutcome::Served) {
            continue;
        }
        let seq: Vec<&str> = ts.iter().map(|t| t.pool.as_str()).collect();
        *entry.entry(seq).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(process, seqs)| {
            let of = seqs.values().sum();
            let best = seqs
                .iter()
                .fold(None::<(&Vec<&str>, usize)>, |best, (s, &n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((s, n)),
                });
            // A process none of whose cases was served in full: one visit
            // to the pool of its first ticket.
            let (pools, cases) = match best {
                Some((s, n)) => (s.iter().map(|p| p.to_string()).collect(), n),
                None => (
                    vec![first
                        .values()
                        .find(|t| t.item.as_str() == process)
                        .map_or_else(String::new, |t| t.pool.to_string())],
                    0,
                ),
            };
            Route {
                process: process.to_string(),
                pools,
                cases,
                of,
            }
        })
        .collect()
}
