//! The hall's calendar inferred from when tickets were issued: open days,
//! holidays, make-up working days and opening hours.
//!
//! Days come from the cases' first tickets (their arrivals), so that later
//! visits of cases that arrived before the log's end (a second step the
//! next morning) do not add a day. A weekday is open when cases arrived on
//! more than half of its dates in the log's span; a date of an open
//! weekday without arrivals is a holiday, a date of a closed weekday with
//! arrivals a make-up working day.
//! Hours are the runs of [`SLOT`]-minute slots of the day in which any
//! ticket was ever issued (so a lunch break shows as a gap); this is exact
//! when every open slot sees a ticket somewhere in the log, which a log of
//! weeks of a busy hall does.

use super::read::{first_tickets, Ticket};
use jiff::civil::{Date, Weekday};
use serde::Serialize;
use std::collections::BTreeSet;

/// The resolution of opening hours, in minutes.
pub const SLOT: u32 = 15;

/// The inferred calendar.
#[derive(Debug, Clone, Serialize)]
pub struct Calendar {
    /// First date of the log (the scenario's `calendar.start`).
    #[serde(serialize_with = "date")]
    pub start: Date,
    /// Last date of the log.
    #[serde(serialize_with = "date")]
    pub end: Date,
    /// Open weekdays, Monday first (`mon` ... `sun`).
    pub days: Vec<&'static str>,
    /// Opening hours, `HH:MM-HH:MM`.
    pub hours: Vec<String>,
    /// The same as minutes of the day, `[from, to)`.
    #[serde(skip)]
    pub periods: Vec<(u32, u32)>,
    /// Dates of open weekdays without arrivals.
    #[serde(serialize_with = "dates")]
    pub holidays: Vec<Date>,
    /// Dates of closed weekdays with arrivals.
    #[serde(serialize_with = "dates")]
    pub extra_workdays: Vec<Date>,
    /// Dates with arrivals.
    pub open_days: usize,
    /// Open weekdays whose tickets cover much less of the day than
    /// `hours` (under [`SHORT_DAY`] of its open time, e.g. a Saturday
    /// morning): the format gives every open day the same hours, so these
    /// are simulated open all day; their own hours are evidence.
    pub short_weekdays: Vec<WeekdayHours>,
}

/// The hours of one weekday, from its own tickets.
#[derive(Debug, Clone, Serialize)]
pub struct WeekdayHours {
    /// `mon` ... `sun`.
    pub day: &'static str,
    /// Its opening hours, `HH:MM-HH:MM`.
    pub hours: Vec<String>,
    /// Their open minutes over those of the calendar's hours.
    pub share: f64,
}

/// A weekday whose own hours hold less than this share of the calendar's
/// open time is reported as short.
pub const SHORT_DAY: f64 = 0.8;

fn date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn dates<S: serde::Serializer>(d: &[Date], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(d.iter().map(ToString::to_string))
}

/// The weekdays and their three-letter names, Monday first.
pub(super) const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "mon"),
    (Weekday::Tuesday, "tue"),
    (Weekday::Wednesday, "wed"),
    (Weekday::Thursday, "thu"),
    (Weekday::Friday, "fri"),
    (Weekday::Saturday, "sat"),
    (Weekday::Sunday, "sun"),
];

impl Calendar {
    /// Open minutes in hour `h` of the day and the first of them.
    pub fn open_in_hour(&self, h: u32) -> (u32, Option<u32>) {
        let (a, b) = (h * 60, h * 60 + 60);
        let mut minutes = 0;
        let mut from = None;
        for &(p, q) in &self.periods {
            let (s, e) = (p.max(a), q.min(b));
            if s < e {
                minutes += e - s;
                from = from.or(Some(s));
            }
        }
        (minutes, from)
    }

    /// Whether the hall is open on `d`.
    pub fn is_open(&self, d: Date) -> bool {
        let name = weekday_name(d.weekday());
        (self.days.contains(&name) && !self.holidays.contains(&d))
            || self.extra_workdays.contains(&d)
    }

    /// Open days after `a` up to and including `b` (working days from `a` to `b`).
    pub fn open_days_between(&self, a: Date, b: Date) -> u32 {
        let mut n = 0;
        let mut d = a;
        while d < b {
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
            n += u32::from(self.is_open(d));
        }
        n
    }
}

/// The three-letter name of a weekday (`mon` ... `sun`).
pub fn weekday_name(w: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(x, _)| *x == w)
        .map_or("", |(_, n)| *n)
}

/// Minute of the day of a time.
pub fn minute_of_day(t: jiff::civil::DateTime) -> u32 {
    t.hour() as u32 * 60 + t.minute() as u32
}

/// `HH:MM` of a minute of the day.
pub fn clock(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Infers the calendar of `tickets` (not empty).
pub fn infer(tickets: &[Ticket]) -> Calendar {
    let active: BTreeSet<Date> = first_tickets(tickets)
        .values()
        .map(|t| t.issued.date())
        .collect();
    let start = *active.first().unwrap_or(&Date::constant(2019, 1, 7));
    let end = *active.last().unwrap_or(&start);
    let mut dates = Vec::new();
    let mut d = start;
    while d <= end {
        dates.push(d);
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    let open_weekday = |w: Weekday| {
        let all = dates.iter().filter(|d| d.weekday() == w).count();
        let with = active.iter().filter(|d| d.weekday() == w).count();
        2 * with > all
    };
    let days: Vec<&'static str> = WEEKDAYS
        .iter()
        .filter(|(w, _)| open_weekday(*w))
        .map(|(_, n)| *n)
        .collect();
    let holidays = dates
        .iter()
        .filter(|d| open_weekday(d.weekday()) && !active.contains(d))
        .copied()
        .collect();
    let extra_workdays = active
        .iter()
        .filter(|d| !open_weekday(d.weekday()))
        .copied()
        .collect();

    let periods = slot_runs(tickets.iter().map(|t| t.issued));
    let open_min = |p: &[(u32, u32)]| p.iter().map(|(a, b)| b - a).sum::<u32>();
    let short_weekdays = WEEKDAYS
        .iter()
        .filter(|(_, name)| days.contains(name))
        .filter_map(|&(w, day)| {
            let own = slot_runs(
                tickets
                    .iter()
                    .map(|t| t.issued)
                    .filter(|at| at.date().weekday() == w),
            );
            let share = f64::from(open_min(&own)) / f64::from(open_min(&periods).max(1));
            (share < SHORT_DAY).then(|| WeekdayHours {
                day,
                hours: own
                    .iter()
                    .map(|&(a, b)| format!("{}-{}", clock(a), clock(b)))
                    .collect(),
                share,
            })
        })
        .collect();
    Calendar {
        start,
        end,
        days,
        hours: periods
            .iter()
            .map(|&(a, b)| format!("{}-{}", clock(a), clock(b)))
            .collect(),
        periods,
        holidays,
        extra_workdays,
        open_days: active.len(),
        short_weekdays,
    }
}

/// The runs of [`SLOT`]-minute slots of the day in which any of `times`
/// falls, as `[from, to)` minutes of the day.
fn slot_runs(times: impl Iterator<Item = jiff::civil::DateTime>) -> Vec<(u32, u32)> {
    let slots = (24 * 60 / SLOT) as usize;
    let mut used = vec![false; slots];
    for t in times {
        used[(minute_of_day(t) / SLOT) as usize] = true;
    }
    let mut periods = Vec::new();
    let mut i = 0;
    while i < slots {
        if used[i] {
            let from = i;
            while i < slots && used[i] {
                i += 1;
            }
            periods.push((from as u32 * SLOT, i as u32 * SLOT));
        } else {
            i += 1;
        }
    }
    periods
}
