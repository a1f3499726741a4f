//! Returns: cases that come back another day for the same item (a rework
//! that sends the citizen home), and the delay in working days.
//!
//! A case's visits are the distinct dates of its tickets for its item (the
//! item of its first ticket). A later visit that starts at the pool where
//! the case started is a return (the route again); one that starts
//! elsewhere goes on with the route (a step reached after closing, served
//! the next day) and is not. A return's delay is the working days (open
//! days of the fitted calendar) from the previous visit's date to its own. The chance that a pass ends in a
//! return is fitted as a geometric probability: returns / (returns +
//! cases), the maximum-likelihood estimate when every pass returns with
//! the same chance (the format's `rework.p`); it equals the share of cases
//! that come back at least once when few come back twice.

use super::calendar::Calendar;
use super::read::{by_case, first_tickets, Ticket};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// The returns of one process.
#[derive(Debug, Clone, Serialize)]
pub struct Returns {
    /// Process (item) name.
    pub process: String,
    /// Cases of the process.
    pub cases: usize,
    /// Cases that came back at least once.
    pub returning: usize,
    /// Their share of the cases.
    pub share: f64,
    /// All returns (a case may come back more than once).
    pub returns: usize,
    /// The chance that a pass ends in a return (the scenario's `rework.p`).
    pub p: f64,
    /// Returns by delay in working days.
    pub delay_wd: BTreeMap<u32, usize>,
    /// Mean delay in working days.
    pub mean_delay_wd: f64,
}

/// Returns of every process with at least one case.
pub fn infer(tickets: &[Ticket], calendar: &Calendar) -> Vec<Returns> {
    let first = first_tickets(tickets);
    let mut acc: BTreeMap<&str, (usize, usize, BTreeMap<u32, usize>)> = BTreeMap::new();
    let mut dates: Vec<Date> = Vec::new();
    for ts in by_case(tickets).chunk_by(|a, b| a.case == b.case) {
        let start = &first[ts[0].case];
        // The case's visits: each date's first ticket for its item; those
        // starting at the pool where the case started.
        dates.clear();
        let mut last = None;
        for t in ts.iter().filter(|t| t.item == start.item) {
            let d = t.issued.date();
            if last != Some(d) {
                last = Some(d);
                if t.pool == start.pool {
                    dates.push(d);
                }
            }
        }
        let e = acc.entry(&start.item).or_default();
        e.0 += 1;
        e.1 += usize::from(dates.len() > 1);
        for w in dates.windows(2) {
            *e.2.entry(calendar.open_days_between(w[0], w[1]))
                .or_default() += 1;
        }
    }
    acc.into_iter()
        .map(|(process, (cases, returning, delay_wd))| {
            let returns: usize = delay_wd.values().sum();
            let total: usize = delay_wd.iter().map(|(d, n)| *d as usize * n).sum();
            Returns {
                process: process.to_string(),
                cases,
                returning,
                share: returning as f64 / cases.max(1) as f64,
                returns,
                p: returns as f64 / (returns + cases).max(1) as f64,
                mean_delay_wd: total as f64 / returns.max(1) as f64,
                delay_wd,
            }
        })
        .collect()
}
