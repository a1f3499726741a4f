//! Validation by simulation: the fitted scenario is simulated (its
//! replications, common random numbers as every run) and each figure of
//! the log is set beside the same figure of every replication's own ticket
//! log, measured by the same code ([`measures`]): mean and 90th-percentile
//! wait by hour of issue, queue length by hour, utilization per pool,
//! daily volume, abandonment and visits per case. A no-show is an
//! arrival and an abandonment, and counts in the queue for half its time
//! to the call (when it left is unknown).
//!
//! The log is one history, so it is compared with the spread of single
//! replications, not with the interval of their mean: the 95% prediction
//! interval mean ± t(0.975, n−1)·sd·√(1 + 1/n) (a new draw from the
//! replications' normal distribution). A figure outside it is flagged.

use super::calendar::Calendar;
use super::pools::Pool;
use super::read::{first_tickets, Ticket, TicketOutcome};
use crate::engine::EngineError;
use crate::model::Model;
use crate::simulate::{simulate_observed, RunSettings};
use crate::stats::{t975, Quantiles};
use crate::tickets::{self, End, TicketObserver};
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;

/// One figure, observed and simulated.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// What it is, e.g. `wait_min 09h` or `utilization desk`.
    pub name: String,
    /// In the log.
    pub observed: f64,
    /// Mean over the replications.
    pub simulated: f64,
    /// The 95% prediction interval of one replication.
    pub interval: (f64, f64),
    /// Whether the observed figure lies outside it.
    pub outside: bool,
}

/// The validation of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// Replications simulated.
    pub replications: usize,
    /// Every figure, in a fixed order.
    pub figures: Vec<Figure>,
}

/// The figures of one ticket log, by name, in a fixed order. `pools`
/// gives the windows open by hour, the denominator of utilization.
pub fn measures(tickets: &[Ticket], pools: &[Pool], calendar: &Calendar) -> Vec<(String, f64)> {
    let first = first_tickets(tickets);
    let days: BTreeSet<Date> = first.values().map(|t| t.issued.date()).collect();
    let open_days = days.len().max(1) as f64;
    let mut out = Vec::new();
    // Waits of served tickets by hour of issue.
    let mut waits: Vec<Quantiles> = (0..24).map(|_| Quantiles::new()).collect();
    let mut sums = [(0.0f64, 0usize); 24];
    let mut queue_min = [0.0f64; 24];
    for t in tickets {
        let until = match (t.service, t.left_at, t.no_show_at) {
            (Some((c, _)), ..) => c,
            (None, Some(l), _) => l,
            // A no-show left at an unknown time before the call: counted
            // as waiting half of it (the simulation's citizens who give up
            // wait to their leaving).
            (None, None, Some(c)) => t
                .issued
                .checked_add(t.issued.duration_until(c) / 2)
                .unwrap_or(c),
            _ => continue,
        };
        let wait = minutes(t.issued, until);
        if t.service.is_some() {
            let h = t.issued.hour() as usize;
            waits[h].add(wait);
            sums[h].0 += wait;
            sums[h].1 += 1;
        }
        // Spread the time in the queue over the hours of the day it covers.
        let (mut at, end) = (t.issued, until);
        while at < end {
            let next_hour = at
                .date()
                .to_datetime(Time::constant(at.hour(), 0, 0, 0))
                .checked_add(jiff::SignedDuration::from_hours(1))
                .unwrap_or(end);
            let to = next_hour.min(end);
            queue_min[at.hour() as usize] += minutes(at, to);
            at = to;
        }
    }
    for h in 0..24u32 {
        let (open, _) = calendar.open_in_hour(h);
        let (sum, n) = sums[h as usize];
        if open == 0 {
            continue;
        }
        if n > 0 {
            out.push((format!("wait_min {h:02}h"), sum / n as f64));
            if let Some(p) = waits[h as usize].quantile(0.9) {
                out.push((format!("wait_p90_min {h:02}h"), p));
            }
        }
        out.push((
            format!("queue {h:02}h"),
            queue_min[h as usize] / (open_days * f64::from(open)),
        ));
    }
    for p in pools {
        let busy: f64 = tickets
            .iter()
            .filter(|t| t.pool == p.name)
            .filter_map(|t| t.service.map(|(a, b)| minutes(a, b)))
            .sum();
        let capacity: f64 = (0..24u32)
            .map(|h| {
                let (open, from) = calendar.open_in_hour(h);
                let at = from.map(super::calendar::clock).unwrap_or_default();
                let n = p
                    .schedule
                    .iter()
                    .rev()
                    .find(|(from, _)| *from <= at)
                    .or(p.schedule.first())
                    .map_or(0, |e| e.1);
                f64::from(open) * n as f64
            })
            .sum();
        out.push((
            format!("utilization {}", p.name),
            busy / (capacity * open_days).max(1.0),
        ));
    }
    out.push(("daily".into(), first.len() as f64 / open_days));
    let mut abandoned: BTreeSet<&str> = BTreeSet::new();
    let mut visits: BTreeMap<&str, BTreeSet<Date>> = BTreeMap::new();
    for t in tickets {
        if matches!(t.outcome, TicketOutcome::Left | TicketOutcome::NoShow) {
            abandoned.insert(&t.case);
        }
        visits.entry(&t.case).or_default().insert(t.issued.date());
    }
    let cases = first.len().max(1) as f64;
    out.push(("abandonment".into(), abandoned.len() as f64 / cases));
    out.push((
        "visits_per_case".into(),
        visits.values().map(BTreeSet::len).sum::<usize>() as f64 / cases,
    ));
    out
}

fn minutes(a: DateTime, b: DateTime) -> f64 {
    b.duration_since(a).as_secs_f64() / 60.0
}

/// A simulated ticket as the log would show it.
fn as_logged(model: &Model, start: Date, row: usize, t: &tickets::Ticket) -> Ticket {
    let at = |s: f64| {
        start
            .to_datetime(Time::midnight())
            .checked_add(jiff::SignedDuration::from_secs_f64(s))
            .unwrap_or(DateTime::MAX)
    };
    let pool = model.pools[t.pool].name.clone();
    let (service, left_at, outcome, window) = match t.end {
        End::Served(s, e) => (
            Some((at(s), at(e))),
            None,
            TicketOutcome::Served,
            Some(format!("{pool}-{}", t.window)),
        ),
        End::Left(l) => (None, Some(at(l)), TicketOutcome::Left, None),
    };
    Ticket {
        row,
        case: t.case.to_string(),
        item: model.processes[t.process].name.clone(),
        pool,
        window,
        issued: at(t.issued),
        service,
        left_at,
        outcome,
        no_show_at: None,
    }
}

/// Simulates `model` (the fitted scenario) and compares its replications'
/// figures with `observed` (the log's, from [`measures`]).
pub fn validate(
    model: &Model,
    observed: &[(String, f64)],
    pools: &[Pool],
    calendar: &Calendar,
    stop: &AtomicBool,
) -> Result<Validation, EngineError> {
    let start = model.calendar.days().start;
    let mut reps: Vec<BTreeMap<String, f64>> = Vec::new();
    simulate_observed(
        model,
        &RunSettings::from_model(model),
        |_| TicketObserver {
            model,
            log: Default::default(),
        },
        |_, mut obs| {
            let logged: Vec<Ticket> = obs
                .log
                .take(model)
                .iter()
                .enumerate()
                .map(|(i, t)| as_logged(model, start, i + 1, t))
                .collect();
            reps.push(measures(&logged, pools, calendar).into_iter().collect());
            Ok(())
        },
        &|_| {},
        stop,
    )?;
    let n = reps.len();
    let figures = observed
        .iter()
        .filter_map(|(name, obs)| {
            let xs: Vec<f64> = reps.iter().filter_map(|r| r.get(name).copied()).collect();
            if xs.len() < 2 {
                return None;
            }
            let k = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / k;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
            let half = t975(xs.len() as u64 - 1) * sd * (1.0 + 1.0 / k).sqrt();
            let interval = (mean - half, mean + half);
            Some(Figure {
                name: name.clone(),
                observed: *obs,
                simulated: mean,
                interval,
                outside: *obs < interval.0 || *obs > interval.1,
            })
        })
        .collect();
    Ok(Validation {
        replications: n,
        figures,
    })
}
