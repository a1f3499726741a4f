//! The `calendar:` section (start date, opening hours, open weekdays,
//! holidays, extra working days), and the date and opening-hours values it
//! shares with pools.

use super::checker::{join, Checker};
use super::node::{Node, Value};
use crate::calendar::{Calendar, Hours, OpenDays};
use crate::time;
use std::sync::Arc;

/// Keys of `calendar:`.
pub(crate) const CALENDAR_KEYS: &[&str] = &["start", "hours", "days", "holidays", "extra_workdays"];

/// Weekday words of `calendar.days`, Monday first.
pub(crate) const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The same weekdays spelled in full, also accepted (in any case, as are
/// the short words).
pub(crate) const WEEKDAYS_FULL: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl Checker<'_> {
    /// A date, `YYYY-MM-DD`.
    pub(super) fn date(&mut self, node: &Node, path: &str) -> Option<jiff::civil::Date> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            other => {
                self.err(
                    node,
                    path,
                    format!("expected a date YYYY-MM-DD, found {}", other.describe()),
                );
                return None;
            }
        };
        match text.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.err(
                    node,
                    path,
                    format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2019-09-02"),
                );
                None
            }
        }
    }

    /// Opening periods; reports bad, overlapping or empty lists.
    pub(super) fn hours(&mut self, node: &Node, path: &str) -> Option<Hours> {
        let Value::Seq(items) = &node.value else {
            self.err(
                node,
                path,
                "expected a list of periods, e.g. [\"09:00-12:00\", \"13:30-17:00\"]",
            );
            return None;
        };
        let mut periods = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(text) = self.string(item, &p) else {
                continue;
            };
            match time::parse_period(text) {
                Ok(period) => periods.push((period, item, p)),
                Err(e) => self.err(item, &p, e),
            }
        }
        if periods.len() != items.len() {
            return None;
        }
        if periods.is_empty() {
            self.err(
                node,
                path,
                "no opening period; give at least one, e.g. [\"09:00-17:00\"]",
            );
            return None;
        }
        periods.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0));
        let mut ok = true;
        for pair in periods.windows(2) {
            if pair[1].0 .0 < pair[0].0 .1 {
                self.err(
                    pair[1].1,
                    &pair[1].2,
                    format!(
                        "overlaps the period ending at {}; opening periods must not overlap",
                        time::format_time_of_day(pair[0].0 .1)
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| Hours::new(periods.into_iter().map(|(p, _, _)| p).collect()))
    }
}

/// The hall's calendar, and its open days (shared with the pools that have
/// their own hours).
pub(super) fn calendar(c: &mut Checker, node: &Node) -> Option<(Calendar, Arc<OpenDays>)> {
    let path = "calendar";
    let f = c.map(node, path, CALENDAR_KEYS)?;
    let start = match f.get("start") {
        Some(n) => c.date(n, "calendar.start"),
        None => Some(jiff::civil::date(2019, 1, 7)),
    };
    let hours = match f.get("hours") {
        Some(n) => c.hours(n, "calendar.hours"),
        None => Some(Hours::all_day()),
    };
    let mut weekdays = [false; 7];
    match f.get("days") {
        Some(n) => match &n.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("calendar.days[{i}]");
                    let Some(d) = c.string(item, &p) else {
                        continue;
                    };
                    let lower = d.to_ascii_lowercase();
                    match WEEKDAYS
                        .iter()
                        .zip(WEEKDAYS_FULL)
                        .position(|(w, full)| *w == lower || full == lower)
                    {
                        Some(k) => weekdays[k] = true,
                        None => c.err(
                            item,
                            &p,
                            format!(
                                "`{d}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun"
                            ),
                        ),
                    }
                }
            }
            _ => c.err(
                n,
                "calendar.days",
                "expected a list of weekdays, e.g. [mon, tue, wed, thu, fri]",
            ),
        },
        None => weekdays = [true, true, true, true, true, false, false],
    }
    let start = start?;
    let mut day_list = |key: &str| -> Vec<i64> {
        let mut out = Vec::new();
        if let Some(n) = f.get(key) {
            let p = join(path, key);
            match &n.value {
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(d) = c.date(item, &format!("{p}[{i}]")) {
                            out.push((d - start).get_days() as i64);
                        }
                    }
                }
                _ => c.err(
                    n,
                    &p,
                    "expected a list of dates, e.g. [2019-10-01, 2019-10-02]",
                ),
            }
        }
        out
    };
    let holidays = day_list("holidays");
    let extra = day_list("extra_workdays");
    let hours = hours?;
    let days = Arc::new(OpenDays::new(start, weekdays, holidays, extra));
    let cal = Calendar::new(days.clone(), hours);
    if !cal.ever_open() {
        c.err(node, path, "the calendar has no open time: give at least one open weekday (`days`) and one period (`hours`)");
        return None;
    }
    Some((cal, days))
}
