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
    /// New cases per open day by weekday.
    pub by_weekday: Vec<WeekdayVolume>,
    /// Whether the open weekdays' volumes differ beyond day-to-day noise;
    /// `None` when the log cannot tell (fewer than two open weekdays, or
    /// no weekday seen twice).
    pub weekday_test: Option<WeekdayTest>,
}

/// One-way analysis of variance of the daily new cases, grouped by open
/// weekday: do the weekdays differ more than days of one weekday do?
/// When they do (p below [`WEEKDAY_ALPHA`]) the fitted scenario gives
/// `daily` per weekday, else one number.
#[derive(Debug, Clone, Serialize)]
pub struct WeekdayTest {
    /// The F statistic: variance between weekdays over variance within.
    pub f: f64,
    /// Its degrees of freedom (weekdays − 1, dates − weekdays).
    pub df: (usize, usize),
    /// The chance of an F this large if every weekday had the same volume.
    pub p_value: f64,
    /// Whether `daily` is given per weekday.
    pub by_weekday: bool,
}

/// The level below which weekday volumes are taken to differ.
pub const WEEKDAY_ALPHA: f64 = 0.01;

/// The test of [`WeekdayTest`] on the daily counts of each group.
pub fn weekday_test(groups: &[Vec<f64>]) -> Option<WeekdayTest> {
    let k = groups.len();
    let n: usize = groups.iter().map(Vec::len).sum();
    if k < 2 || n <= k {
        return None;
    }
    let grand = groups.iter().flatten().sum::<f64>() / n as f64;
    let mut between = 0.0;
    let mut within = 0.0;
    for g in groups {
        let mean = g.iter().sum::<f64>() / g.len() as f64;
        between += g.len() as f64 * (mean - grand).powi(2);
        within += g.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    }
    let df = (k - 1, n - k);
    let f = (between / df.0 as f64) / (within / df.1 as f64);
    let p_value = if within == 0.0 {
        if between > 0.0 {
            0.0
        } else {
            1.0
        }
    } else {
        use statrs::distribution::{ContinuousCDF, FisherSnedecor};
        FisherSnedecor::new(df.0 as f64, df.1 as f64)
            .map(|d| d.sf(f))
            .unwrap_or(1.0)
    };
    Some(WeekdayTest {
        f: if f.is_finite() { f } else { f64::MAX },
        df,
        p_value,
        by_weekday: p_value < WEEKDAY_ALPHA,
    })
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
    let mut open_groups: Vec<Vec<f64>> = Vec::new();
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
            let day = weekday_name(d.weekday());
            if calendar.days.contains(&day) {
                open_groups.push(on.iter().map(|&x| x as f64).collect());
            }
            by_weekday.push(WeekdayVolume {
                day,
                dates: on.len(),
                cases: n,
                daily: n as f64 / on.len() as f64,
            });
        }
    }
    Arrivals {
        by_weekday,
        weekday_test: weekday_test(&open_groups),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weekday_test_is_a_one_way_anova() {
        // By hand: groups {10, 12}, {20, 22}: means 11 and 21, grand mean
        // 16; between 2·25 + 2·25 = 100 on 1 df; within 2 + 2 = 4 on 2 df;
        // F = 100 / (4/2) = 50. F(1, 2) is the square of a t with 2 df,
        // whose two-sided tail beyond sqrt(F) is 1 − sqrt(F / (F + 2)):
        // 1 − sqrt(50/52) = 0.0194.
        let t = weekday_test(&[vec![10.0, 12.0], vec![20.0, 22.0]]).unwrap();
        assert!((t.f - 50.0).abs() < 1e-9, "{t:?}");
        assert_eq!(t.df, (1, 2));
        assert!(
            (t.p_value - (1.0 - (50.0f64 / 52.0).sqrt())).abs() < 1e-9,
            "{t:?}"
        );
        assert!(!t.by_weekday, "p 0.0194 is above 0.01");
        // One date per weekday cannot tell.
        assert!(weekday_test(&[vec![10.0], vec![20.0]]).is_none());
        assert!(weekday_test(&[vec![10.0, 11.0]]).is_none());
    }
}
