//! Distances between two ticket logs in the measures the business-process
//! simulation field uses to judge a model discovered from a log
//! (Chapela-Campa, Benchekroun, Baron, Dumas et al., "Can I trust my
//! simulation model? Measuring the quality of business process simulation
//! models", BPM 2023).
//!
//! Each measure bins timestamps or durations by the hour and takes the
//! earth mover's (1-D Wasserstein) distance between the two logs'
//! normalized histograms, in hours: how far, on average, the mass of one
//! must move to become the other. [`Profile`] holds one log's histograms,
//! so a log is binned once and compared with many simulated ones.
//!
//! The events of a ticket are its issue, the start and end of its service
//! and, for a citizen who left, the leaving (or, for a no-show, the call
//! that found them gone).

use super::read::Ticket;
use jiff::civil::{Date, DateTime, Time};
use std::collections::HashSet;

/// The measures, in order: key and what it compares.
pub const MEASURES: [(&str, &str); 6] = [
    (
        "case_arrivals",
        "cases' first tickets by hour since the log's first date",
    ),
    ("events", "all events by hour since the log's first date"),
    (
        "circadian_events",
        "events by hour of the day, per weekday (23 where a weekday is in one log only)",
    ),
    (
        "relative_events",
        "events by hours since their case's first ticket",
    ),
    (
        "cycle_time",
        "cases' time from first ticket to last event, in hours",
    ),
    (
        "circadian_workforce",
        "windows serving by hour of the day, per weekday (logs with windows only)",
    ),
];

/// The distance a weekday present in one log only counts for, in
/// hours: the farthest two hours of a day can be.
const MISSING_WEEKDAY: f64 = 23.0;

/// One log's histograms (counts by hour bin).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    case_arrivals: Vec<f64>,
    events: Vec<f64>,
    circadian: [Vec<f64>; 7],
    relative: Vec<f64>,
    cycle: Vec<f64>,
    workforce: Option<[Vec<f64>; 7]>,
}

impl Profile {
    /// Bins `tickets`; absolute hours count from midnight of `origin`
    /// (the log's first date, for both logs compared).
    pub fn of(tickets: &[Ticket], origin: Date) -> Profile {
        let zero = origin.to_datetime(Time::midnight());
        let hours = |t: DateTime| (t.duration_since(zero).as_secs_f64() / 3600.0).max(0.0);
        let mut p = Profile::default();
        // Each case's first ticket and last event, by case number.
        let mut cases: Vec<Option<(DateTime, DateTime)>> = Vec::new();
        for t in tickets {
            let i = t.case.index();
            if cases.len() <= i {
                cases.resize(i + 1, None);
            }
            let e = cases[i].get_or_insert((t.issued, t.issued));
            e.0 = e.0.min(t.issued);
            for at in events(t) {
                e.1 = e.1.max(at);
            }
        }
        for (first, last) in cases.iter().flatten() {
            add(&mut p.case_arrivals, hours(*first));
            add(
                &mut p.cycle,
                last.duration_since(*first).as_secs_f64() / 3600.0,
            );
        }
        let has_windows = tickets.iter().any(|t| t.window.is_some());
        // Only counted by weekday and hour: the order does not matter.
        let mut busy: HashSet<(Date, i8, &str)> = HashSet::new();
        for t in tickets {
            let first = cases[t.case.index()].map_or(t.issued, |c| c.0);
            for at in events(t) {
                add(&mut p.events, hours(at));
                add(
                    &mut p.relative,
                    at.duration_since(first).as_secs_f64() / 3600.0,
                );
                let day = &mut p.circadian[weekday(at.date())];
                day.resize(24, 0.0);
                day[at.hour() as usize] += 1.0;
            }
            if let (Some(w), Some((a, b))) = (&t.window, t.service) {
                // Every hour the service touches, on its date.
                let mut at = a;
                while at <= b {
                    busy.insert((at.date(), at.hour(), w.as_str()));
                    let next = at
                        .date()
                        .to_datetime(Time::constant(at.hour(), 0, 0, 0))
                        .checked_add(jiff::SignedDuration::from_hours(1));
                    match next {
                        Ok(n) if n <= b => at = n,
                        _ => break,
                    }
                }
            }
        }
        if has_windows {
            let mut workforce: [Vec<f64>; 7] = Default::default();
            for (date, hour, _) in busy {
                let day = &mut workforce[weekday(date)];
                day.resize(24, 0.0);
                day[hour as usize] += 1.0;
            }
            p.workforce = Some(workforce);
        }
        p
    }
}

/// The events of a ticket.
fn events(t: &Ticket) -> impl Iterator<Item = DateTime> {
    let (start, end) = t.service.unzip();
    [Some(t.issued), start, end, t.left_at]
        .into_iter()
        .flatten()
}

fn weekday(d: Date) -> usize {
    d.weekday().to_monday_zero_offset() as usize
}

/// Counts one value in its whole-hour bin.
fn add(hist: &mut Vec<f64>, hours: f64) {
    let bin = hours.max(0.0).floor() as usize;
    if hist.len() <= bin {
        hist.resize(bin + 1, 0.0);
    }
    hist[bin] += 1.0;
}

/// The earth mover's distance between two histograms on the same bins (in
/// bins), each normalized to one; `None` when either is empty.
pub fn emd(a: &[f64], b: &[f64]) -> Option<f64> {
    let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    if sa <= 0.0 || sb <= 0.0 {
        return None;
    }
    let (mut ca, mut cb, mut d) = (0.0, 0.0, 0.0);
    for i in 0..a.len().max(b.len()) {
        ca += a.get(i).copied().unwrap_or(0.0) / sa;
        cb += b.get(i).copied().unwrap_or(0.0) / sb;
        d += (ca - cb).abs();
    }
    Some(d)
}

/// The mean over weekdays of the distance between two logs' hour-of-day
/// histograms, [`MISSING_WEEKDAY`] for a weekday in one log only.
fn circadian(a: &[Vec<f64>; 7], b: &[Vec<f64>; 7]) -> Option<f64> {
    let per_day: Vec<f64> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| match (emd(x, y), x.is_empty(), y.is_empty()) {
            (Some(d), ..) => Some(d),
            (None, true, true) => None,
            (None, ..) => Some(MISSING_WEEKDAY),
        })
        .collect();
    (!per_day.is_empty()).then(|| per_day.iter().sum::<f64>() / per_day.len() as f64)
}

/// The distances between two logs, by [`MEASURES`] key, in hours; a
/// measure neither log can give is left out.
pub fn distances(a: &Profile, b: &Profile) -> Vec<(&'static str, f64)> {
    let workforce = match (&a.workforce, &b.workforce) {
        (Some(x), Some(y)) => circadian(x, y),
        _ => None,
    };
    let values = [
        emd(&a.case_arrivals, &b.case_arrivals),
        emd(&a.events, &b.events),
        circadian(&a.circadian, &b.circadian),
        emd(&a.relative, &b.relative),
        emd(&a.cycle, &b.cycle),
        workforce,
    ];
    MEASURES
        .iter()
        .zip(values)
        .filter_map(|((key, _), v)| v.map(|v| (*key, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::read::{Case, TicketOutcome};
    use std::collections::BTreeMap;

    fn ticket(case: u32, window: Option<&str>, issued: &str, called: &str, ended: &str) -> Ticket {
        let t = |s: &str| s.parse::<DateTime>().unwrap();
        Ticket {
            row: 1,
            case: Case(case),
            item: std::sync::Arc::new("p".into()),
            pool: std::sync::Arc::new("hall".into()),
            window: window.map(|w| std::sync::Arc::new(w.into())),
            issued: t(issued),
            service: Some((t(called), t(ended))),
            left_at: None,
            outcome: TicketOutcome::Served,
        }
    }

    #[test]
    fn emd_moves_mass_between_bins() {
        // All mass in bin 0 against all in bin 3: it moves 3 bins.
        assert_eq!(emd(&[1.0], &[0.0, 0.0, 0.0, 5.0]), Some(3.0));
        // Half of it moves 2 bins: 1.
        assert_eq!(emd(&[2.0, 0.0, 0.0], &[1.0, 0.0, 1.0]), Some(1.0));
        assert_eq!(emd(&[1.0, 2.0], &[2.0, 4.0]), Some(0.0));
        assert_eq!(emd(&[], &[1.0]), None);
    }

    #[test]
    fn a_log_is_at_no_distance_from_itself_and_a_shifted_one_is_moved() {
        let origin = Date::constant(2019, 1, 7);
        let log = [
            ticket(
                0,
                Some("w1"),
                "2019-01-07T09:10:00",
                "2019-01-07T09:20:00",
                "2019-01-07T09:30:00",
            ),
            ticket(
                1,
                Some("w1"),
                "2019-01-07T10:10:00",
                "2019-01-07T10:20:00",
                "2019-01-07T11:30:00",
            ),
        ];
        let p = Profile::of(&log, origin);
        for (key, d) in distances(&p, &p) {
            assert_eq!(d, 0.0, "{key}");
        }
        // The same two tickets two hours later: every absolute and
        // hour-of-day event moves 2 h; relative times and cycle times do
        // not move; case b's service now spans 12:20-13:30.
        let later = [
            ticket(
                0,
                Some("w1"),
                "2019-01-07T11:10:00",
                "2019-01-07T11:20:00",
                "2019-01-07T11:30:00",
            ),
            ticket(
                1,
                Some("w1"),
                "2019-01-07T12:10:00",
                "2019-01-07T12:20:00",
                "2019-01-07T13:30:00",
            ),
        ];
        let q = Profile::of(&later, origin);
        let d: BTreeMap<&str, f64> = distances(&p, &q).into_iter().collect();
        assert!(
            (d["case_arrivals"] - 2.0).abs() < 1e-12,
            "case_arrivals {}",
            d["case_arrivals"]
        );
        assert!((d["events"] - 2.0).abs() < 1e-12, "events {}", d["events"]);
        // Monday only: both logs have it, the rest in neither.
        assert!(
            (d["circadian_events"] - 2.0).abs() < 1e-12,
            "circadian_events {}",
            d["circadian_events"]
        );
        assert!(
            (d["relative_events"] - 0.0).abs() < 1e-12,
            "relative_events {}",
            d["relative_events"]
        );
        assert!(
            (d["cycle_time"] - 0.0).abs() < 1e-12,
            "cycle_time {}",
            d["cycle_time"]
        );
        // Window w1 serves in hours 9, 10, 11 against 11, 12, 13.
        assert!(
            (d["circadian_workforce"] - 2.0).abs() < 1e-12,
            "circadian_workforce {}",
            d["circadian_workforce"]
        );
        // A log on Tuesday instead: Monday in one log, Tuesday in the other.
        let tuesday = [ticket(
            0,
            None,
            "2019-01-08T09:10:00",
            "2019-01-08T09:20:00",
            "2019-01-08T09:30:00",
        )];
        let r = Profile::of(&tuesday, origin);
        let d: BTreeMap<&str, f64> = distances(&p, &r).into_iter().collect();
        assert!(
            (d["circadian_events"] - 23.0).abs() < 1e-12,
            "circadian_events {}",
            d["circadian_events"]
        );
        assert!(
            !d.contains_key("circadian_workforce"),
            "no windows in one log"
        );
    }

    #[test]
    fn cycle_time_runs_from_the_first_ticket_to_the_last_event() {
        // One case, two visits: 09:00 issued, last event 11:45 the next day
        // is 26.75 h: bin 26.
        let origin = Date::constant(2019, 1, 7);
        let log = [
            ticket(
                0,
                None,
                "2019-01-07T09:00:00",
                "2019-01-07T09:05:00",
                "2019-01-07T09:10:00",
            ),
            ticket(
                0,
                None,
                "2019-01-08T11:00:00",
                "2019-01-08T11:30:00",
                "2019-01-08T11:45:00",
            ),
        ];
        let p = Profile::of(&log, origin);
        assert_eq!(p.cycle.len(), 27);
        assert_eq!(p.cycle[26], 1.0);
        // Its arrival is 09:00 of the first day: bin 9.
        let mut arrivals = vec![0.0; 10];
        arrivals[9] = 1.0;
        assert_eq!(p.case_arrivals, arrivals);
    }
}
