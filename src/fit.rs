//! `fit`: a baseline scenario calibrated on a hall's queue-ticket log.
//!
//! ```text
//! ticket log (CSV) -> read::read -> Log -> fit -> Fit -> write (scenario YAML, fit.json)
//! ```
//!
//! One concept per file: [`read`] parses and checks the log; [`calendar`]
//! infers open days and hours; [`arrivals`] the daily volume, hour-of-day
//! profile and process mix; [`pools`] the windows per pool; [`routes`] the
//! pools each process visits; [`service`] fits service times; [`mod@write`]
//! renders the outputs; [`patience`] estimates patience from `left`
//! tickets and [`returns`] the cases that come back another day;
//! [`validate`] simulates the fitted scenario and sets it beside the log.

pub mod arrivals;
pub mod calendar;
pub mod distance;
pub mod events;
pub mod patience;
pub mod pools;
pub mod read;
pub mod returns;
pub mod routes;
pub mod service;
pub mod validate;
pub mod write;

use serde::Serialize;
use std::collections::BTreeMap;

/// What was read.
#[derive(Debug, Clone, Serialize)]
pub struct LogSummary {
    /// The log's file name.
    pub file: String,
    /// Data rows.
    pub rows: usize,
    /// Tickets used.
    pub tickets: usize,
    /// Rows skipped, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// Everything a fit infers, with its evidence (`fit.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// What was read.
    pub log: LogSummary,
    /// Open days and hours.
    pub calendar: calendar::Calendar,
    /// Daily volume, profile and mix.
    pub arrivals: arrivals::Arrivals,
    /// Pools and windows.
    pub pools: Vec<pools::Pool>,
    /// Each process's route.
    pub routes: Vec<routes::Route>,
    /// Service times per process and pool.
    pub service: Vec<service::ServiceFit>,
    /// Patience per process and pool, where citizens left.
    pub patience: Vec<patience::Patience>,
    /// Returns per process.
    pub returns: Vec<returns::Returns>,
    /// The fitted scenario simulated beside the log (set by the caller
    /// that simulates it, see [`validate::validate`]).
    pub validation: Option<validate::Validation>,
}

/// Service times in seconds by (process, pool), in log order.
pub fn service_times(tickets: &[read::Ticket]) -> BTreeMap<(&str, &str), Vec<f64>> {
    let mut times: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for t in tickets {
        if let Some((a, b)) = t.service {
            let secs = b.duration_since(a).as_secs_f64();
            times.entry((&t.item, &t.pool)).or_default().push(secs);
        }
    }
    times
}

/// Fits `log` (read from the file named `file`).
pub fn fit(log: &read::Log, file: &str) -> Fit {
    let tickets = &log.tickets;
    let calendar = calendar::infer(tickets);
    let arrivals = arrivals::infer(tickets, &calendar);
    let pools = pools::infer(tickets, log.has_window, &calendar);
    let returns = returns::infer(tickets, &calendar);
    let times = service_times(tickets);
    Fit {
        log: LogSummary {
            file: file.to_string(),
            rows: log.rows,
            tickets: tickets.len(),
            skipped: log.skipped.clone(),
        },
        calendar,
        arrivals,
        pools,
        patience: patience::infer(tickets),
        returns,
        routes: routes::infer(tickets),
        service: times
            .iter()
            .filter_map(|((item, pool), x)| service::fit(item, pool, x))
            .collect(),
        validation: None,
    }
}
