//! Arrivals inferred from a log: new cases per open day, their hour-of-day
//! profile and the mix of processes. A case's first ticket is its arrival
//! (later tickets of the same case are further visits, not new work); its
//! item is the case's process.

use super::calendar::{clock, minute_of_day, weekday_name, Calendar};
use super::read::{first_tickets, Ticket};
use serde::Serialize;
use std::collections::BTreeMap;

/// The inferred arrivals.
#[derive(Debug, Clone, Serialize)]
pub struct Arrivals {
    /// New cases in the log.
    pub cases: usize,
    /// New cases per open day.
    pub daily: f64,
    /// The hour-of-day profile, one entry per hour with open time.
    pub profile: Vec<ProfileEntry>,
    /// The process mix, by name.
    pub mix: Vec<MixEntry>,
    /// New cases per open day by weekday (the format has one `daily` for
    /// all days: this is evidence, written as a comment).
    pub by_weekday: Vec<WeekdayVolume>,
}

/// New cases on one weekday.
#[derive(Debug, Clone, Serialize)]
pub struct WeekdayVolume {
    /// `mon` ... `sun`.
    pub day: &'static str,
    /// Dates of it with arrivals.
    pub dates: usize,
    /// New cases on them.
    pub cases: usize,
    /// New cases per such date.
    pub daily: f64,
}

/// One hour of the profile.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileEntry {
    /// Where the weight starts (`HH:MM`: the hour, or the opening inside it).
    pub from: String,
    /// Open minutes in the hour.
    pub open_min: u32,
    /// New cases issued in the hour.
    pub cases: usize,
    /// Their share of all new cases.
    pub share: f64,
    /// Arrival rate relative to the day's mean rate (the scenario's weight).
    pub weight: f64,
}

/// One process of the mix.
#[derive(Debug, Clone, Serialize)]
pub struct MixEntry {
    /// Process (item) name.
    pub process: String,
    /// New cases of it.
    pub cases: usize,
    /// Their share.
    pub share: f64,
}

/// Infers the arrivals of `tickets` on `calendar`.
pub fn infer(tickets: &[Ticket], calendar: &Calendar) -> Arrivals {
    let first = first_tickets(tickets);
    let cases = first.len();
    let mut by_hour = [0usize; 24];
    let mut by_item: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_date: BTreeMap<jiff::civil::Date, usize> = BTreeMap::new();
    for t in first.values() {
        *by_date.entry(t.issued.date()).or_default() += 1;
        by_hour[(minute_of_day(t.issued) / 60) as usize] += 1;
        *by_item.entry(&t.item).or_default() += 1;
    }
    let open_total: u32 = calendar.periods.iter().map(|(a, b)| b - a).sum();
    let mean_rate = cases as f64 / f64::from(open_total.max(1));
    let profile = (0..24u32)
        .filter_map(|h| {
            let (open_min, from) = calendar.open_in_hour(h);
            let from = from?;
            let n = by_hour[h as usize];
            Some(ProfileEntry {
                from: clock(from),
                open_min,
                cases: n,
                share: n as f64 / cases.max(1) as f64,
                weight: n as f64 / f64::from(open_min) / mean_rate,
            })
        })
        .collect();
    let mut by_weekday: Vec<WeekdayVolume> = Vec::new();
    for w in 0..7 {
        let on: Vec<usize> = by_date
            .iter()
            .filter(|(d, _)| d.weekday().to_monday_zero_offset() == w)
            .map(|(_, n)| *n)
            .collect();
        if let Some(d) = by_date
            .keys()
            .find(|d| d.weekday().to_monday_zero_offset() == w)
        {
            let n: usize = on.iter().sum();
            by_weekday.push(WeekdayVolume {
                day: weekday_name(d.weekday()),
                dates: on.len(),
                cases: n,
                daily: n as f64 / on.len() as f64,
            });
        }
    }
    Arrivals {
        by_weekday,
        cases,
        daily: cases as f64 / calendar.open_days.max(1) as f64,
        profile,
        mix: by_item
            .into_iter()
            .map(|(p, n)| MixEntry {
                process: p.to_string(),
                cases: n,
                share: n as f64 / cases.max(1) as f64,
            })
            .collect(),
    }
}
