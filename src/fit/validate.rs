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
//!
//! Beside the figures, the field's log distances ([`super::distance`]):
//! each replication's distance from the log, against the distances
//! between replications (how far two histories of the fitted scenario lie
//! from each other). A measure whose every replication lies farther from
//! the log than any two consecutive replications from each other is
//! flagged.

use super::calendar::Calendar;
use super::distance::{distances, Profile};
use super::pools::Pool;
use super::read::{by_case, first_tickets, Case, Name, Names, Ticket, TicketOutcome};
use crate::engine::EngineError;
use crate::model::Model;
use crate::simulate::{simulate_observed, RunSettings};
use crate::stats::{t975, Quantiles};
use crate::tickets::{self, End, TicketObserver};
use jiff::civil::{Date, DateTime, Time};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    /// The log distances, in [`super::distance::MEASURES`] order (empty
    /// without a profile of the log).
    pub distances: Vec<LogDistance>,
}

/// One log distance measure, in hours.
#[derive(Debug, Clone, Serialize)]
pub struct LogDistance {
    /// The measure's key, e.g. `case_arrivals`.
    pub measure: &'static str,
    /// What it compares.
    pub what: &'static str,
    /// Mean distance of a replication from the log.
    pub to_log: f64,
    /// Smallest and largest of them.
    pub to_log_range: (f64, f64),
    /// Mean distance between consecutive replications.
    pub between_replications: f64,
    /// The largest of them.
    pub between_max: f64,
    /// Whether every replication lies farther from the log than any two
    /// consecutive replications from each other.
    pub farther: bool,
}

/// Sets the distances of each replication from the log beside those
/// between consecutive replications.
fn log_distances(
    to_log: &[Vec<(&'static str, f64)>],
    between: &[Vec<(&'static str, f64)>],
) -> Vec<LogDistance> {
    let values = |rows: &[Vec<(&'static str, f64)>], key: &str| -> Vec<f64> {
        rows.iter()
            .filter_map(|r| r.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .collect()
    };
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    super::distance::MEASURES
        .iter()
        .filter_map(|&(measure, what)| {
            let (d, b) = (values(to_log, measure), values(between, measure));
            if d.is_empty() || b.is_empty() {
                return None;
            }
            let lo = d.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = d.iter().copied().fold(0.0, f64::max);
            let between_max = b.iter().copied().fold(0.0, f64::max);
            Some(LogDistance {
                measure,
                what,
                to_log: mean(&d),
                to_log_range: (lo, hi),
                between_replications: mean(&b),
                between_max,
                farther: lo > between_max,
            })
        })
        .collect()
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
        let until = match (t.service, t.left_at) {
            (Some((c, _)), _) => c,
            // A no-show left at an unknown time before the call: counted
            // as waiting half of it (the simulation's citizens who give up
            // wait to their leaving).
            (None, Some(c)) if t.outcome == TicketOutcome::NoShow => t
                .issued
                .checked_add(t.issued.duration_until(c) / 2)
                .unwrap_or(c),
            (None, Some(l)) => l,
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
            .filter(|t| *t.pool == *p.name)
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
    // New cases per open date of each open weekday, the calendar's open
    // dates counted (the same for the log and every replication).
    if calendar.days.len() > 1 {
        let mut dates = [0usize; 7];
        let mut d = calendar.start;
        while d <= calendar.end {
            if calendar.is_open(d) {
                dates[d.weekday().to_monday_zero_offset() as usize] += 1;
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        let mut cases = [0usize; 7];
        for t in first.values() {
            cases[t.issued.date().weekday().to_monday_zero_offset() as usize] += 1;
        }
        for (w, (_, name)) in super::calendar::WEEKDAYS.iter().enumerate() {
            if calendar.days.contains(name) && dates[w] > 0 {
                out.push((format!("daily {name}"), cases[w] as f64 / dates[w] as f64));
            }
        }
    }
    // Cases with a ticket left unserved, and the dates of each case's
    // tickets (in order of issue: a new date is a new visit).
    let (mut abandoned, mut visits) = (0usize, 0usize);
    for ts in by_case(tickets).chunk_by(|a, b| a.case == b.case) {
        abandoned += usize::from(
            ts.iter()
                .any(|t| matches!(t.outcome, TicketOutcome::Left | TicketOutcome::NoShow)),
        );
        visits += ts
            .chunk_by(|a, b| a.issued.date() == b.issued.date())
            .count();
    }
    let cases = first.len().max(1) as f64;
    out.push(("abandonment".into(), abandoned as f64 / cases));
    out.push(("visits_per_case".into(), visits as f64 / cases));
    out
}

fn minutes(a: DateTime, b: DateTime) -> f64 {
    b.duration_since(a).as_secs_f64() / 60.0
}

/// Simulated tickets as the log would show them, sharing their names.
struct Logged {
    start: DateTime,
    processes: Vec<Name>,
    pools: Vec<Name>,
    windows: HashMap<(usize, u32), Name>,
    names: Names,
}

impl Logged {
    fn new(model: &Model) -> Self {
        let mut names = Names::default();
        Logged {
            start: model.calendar.days().start.to_datetime(Time::midnight()),
            processes: model.processes.iter().map(|p| names.get(&p.name)).collect(),
            pools: model.pools.iter().map(|p| names.get(&p.name)).collect(),
            windows: HashMap::new(),
            names,
        }
    }

    /// Ticket `row` of a replication.
    fn ticket(&mut self, row: usize, t: &tickets::Ticket) -> Ticket {
        let at = |s: f64| {
            self.start
                .checked_add(jiff::SignedDuration::from_secs_f64(s))
                .unwrap_or(DateTime::MAX)
        };
        let pool = &self.pools[t.pool];
        let (service, left_at, outcome, window) = match t.end {
            End::Served(s, e) => {
                let window = match self.windows.get(&(t.pool, t.window)) {
                    Some(w) => w.clone(),
                    None => {
                        let w = self.names.get(&format!("{pool}-{}", t.window));
                        self.windows.insert((t.pool, t.window), w.clone());
                        w
                    }
                };
                (
                    Some((at(s), at(e))),
                    None,
                    TicketOutcome::Served,
                    Some(window),
                )
            }
            End::Left(l) => (None, Some(at(l)), TicketOutcome::Left, None),
        };
        Ticket {
            row,
            // A replication numbers its cases from 0, each one held in
            // memory: far fewer than 2^32.
            case: Case(t.case as u32),
            item: self.processes[t.process].clone(),
            pool: self.pools[t.pool].clone(),
            window,
            issued: at(t.issued),
            service,
            left_at,
            outcome,
        }
    }
}

/// Simulates `model` (the fitted scenario) and compares its replications'
/// figures with `observed` (the log's, from [`measures`]).
pub fn validate(
    model: &Model,
    observed: &[(String, f64)],
    log_profile: Option<&Profile>,
    pools: &[Pool],
    calendar: &Calendar,
    stop: &AtomicBool,
) -> Result<Validation, EngineError> {
    let mut logged = Logged::new(model);
    let mut reps: Vec<BTreeMap<String, f64>> = Vec::new();
    let mut to_log = Vec::new();
    let mut between = Vec::new();
    let mut previous: Option<Profile> = None;
    let settings = RunSettings::from_model(model);
    // As many replications at once as there are threads to run them (each
    // holds its year of tickets until measured), in order.
    let all = settings.range();
    let step = settings.worker_threads().max(1) as u32;
    for from in all.clone().step_by(step as usize) {
        let batch = RunSettings {
            only: Some(from..(from + step).min(all.end)),
            ..settings.clone()
        };
        simulate_observed(
            model,
            &batch,
            |_| TicketObserver {
                model,
                log: Default::default(),
            },
            |_, mut obs| {
                let simulated = obs.log.take(model);
                drop(obs);
                let tickets: Vec<Ticket> = simulated
                    .iter()
                    .enumerate()
                    .map(|(i, t)| logged.ticket(i + 1, t))
                    .collect();
                drop(simulated);
                reps.push(measures(&tickets, pools, calendar).into_iter().collect());
                if let Some(log) = log_profile {
                    let profile = Profile::of(&tickets, calendar.start);
                    to_log.push(distances(log, &profile));
                    if let Some(p) = &previous {
                        between.push(distances(p, &profile));
                    }
                    previous = Some(profile);
                }
                Ok(())
            },
            &|_| {},
            stop,
        )?;
    }
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
        distances: log_distances(&to_log, &between),
    })
}
