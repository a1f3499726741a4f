//! Patience from `left` tickets, per process and pool (the `serve` step).
//!
//! Waits are censored data: a citizen who left waited exactly their
//! patience; one who was called waited at least their wait without leaving.
//! For exponential patience the maximum-likelihood mean is then the total
//! time at risk (every ticket's time in the queue, to the call or to
//! leaving) divided by the number who left (the exponential hazard
//! estimate for right-censored data; e.g. Lawless, *Statistical Models and
//! Methods for Lifetime Data*, 2nd ed., section 2.2). Tickets whose log
//! gives no leaving time cannot say how long they waited: they are counted
//! but left out of the estimate.

use super::read::{Ticket, TicketOutcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// The patience of one process at one pool.
#[derive(Debug, Clone, Serialize)]
pub struct Patience {
    /// Process (item) name.
    pub process: String,
    /// Pool.
    pub pool: String,
    /// Citizens who left, with a leaving time.
    pub left: usize,
    /// `left` tickets without a leaving time (not used).
    pub left_untimed: usize,
    /// Citizens called (censored waits).
    pub served: usize,
    /// Total time in the queue of both, in minutes.
    pub at_risk_min: f64,
    /// The exponential mean patience, in minutes.
    pub mean_min: f64,
    /// Its approximate 95% interval (the mean times exp(±1.96/√left)).
    pub ci95_min: (f64, f64),
}

/// Patience of every (process, pool) with at least one citizen who left.
pub fn infer(tickets: &[Ticket]) -> Vec<Patience> {
    let mut acc: BTreeMap<(&str, &str), (usize, usize, usize, f64)> = BTreeMap::new();
    for t in tickets {
        let e = acc.entry((&t.item, &t.pool)).or_default();
        let until = match (t.outcome, t.service, t.left_at) {
            (TicketOutcome::Served, Some((c, _)), _) => {
                e.2 += 1;
                c
            }
            (TicketOutcome::Left, _, Some(l)) => {
                e.0 += 1;
                l
            }
            (TicketOutcome::Left, _, None) => {
                e.1 += 1;
                continue;
            }
            _ => continue,
        };
        e.3 += until.duration_since(t.issued).as_secs_f64() / 60.0;
    }
    acc.into_iter()
        .filter(|(_, (left, ..))| *left > 0)
        .map(|((process, pool), (left, untimed, served, risk))| {
            let mean = risk / left as f64;
            let k = (1.96 / (left as f64).sqrt()).exp();
            Patience {
                process: process.to_string(),
                pool: pool.to_string(),
                left,
                left_untimed: untimed,
                served,
                at_risk_min: risk,
                mean_min: mean,
                ci95_min: (mean / k, mean * k),
            }
        })
        .collect()
}
