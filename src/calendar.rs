//! Opening hours and working-day arithmetic.
//!
//! A [`Calendar`] answers: is the hall open at time t, when does it next open
//! or close, what time is it after `e` seconds of *open* time (work steps,
//! `wd` waits), and how much open time lies between two instants (lead times
//! in working days). Pools with their own hours share the days of the
//! scenario's calendar ([`OpenDays`]) and carry their own [`Hours`].
//!
//! Working days (`docs/format.md`): `n wd` is `n` times the open time of one
//! day, counted in open time. From Tuesday 10:00 with hours 09:00-17:00,
//! 2 wd (16 h of open time) end on Thursday 10:00.

use crate::time::{Seconds, DAY};
use std::sync::Arc;

/// Which calendar days are open: weekdays, holidays and make-up days.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenDays {
    /// Date of simulated time 0.
    pub start: jiff::civil::Date,
    /// Open by weekday, Monday first.
    pub weekdays: [bool; 7],
    /// Closed dates, as day numbers since `start`, sorted.
    pub holidays: Vec<i64>,
    /// Worked dates that would otherwise be closed, as day numbers, sorted.
    pub extra_workdays: Vec<i64>,
    /// Monday-first weekday index of day 0.
    start_weekday: usize,
    /// `open[d]` for the first days, precomputed for speed.
    open: Vec<bool>,
    /// `open_before[d]`: number of open days among days `0..d`.
    open_before: Vec<u32>,
    /// Open weekdays in one week.
    open_per_week: i64,
    /// The days (>= 0, sorted) where a holiday or make-up day changes the
    /// weekday rule, each with the running sum of those changes up to and
    /// including it: beyond the precomputed days, open days are counted by
    /// whole weeks plus these corrections, in constant time per call (a
    /// day-by-day count made every lead time past 30 years quadratic).
    corrections: Vec<(i64, i64)>,
}

/// How many days ahead [`OpenDays`] precomputes (about 30 years).
const PRECOMPUTED_DAYS: usize = 11_000;

impl OpenDays {
    /// Builds the day rule; `holidays` and `extra_workdays` are day numbers.
    pub fn new(
        start: jiff::civil::Date,
        weekdays: [bool; 7],
        mut holidays: Vec<i64>,
        mut extra_workdays: Vec<i64>,
    ) -> Self {
        holidays.sort_unstable();
        extra_workdays.sort_unstable();
        let start_weekday = start.weekday().to_monday_zero_offset() as usize;
        let mut days = OpenDays {
            start,
            weekdays,
            holidays,
            extra_workdays,
            start_weekday,
            open: Vec::new(),
            open_before: Vec::new(),
            open_per_week: weekdays.iter().map(|&w| i64::from(w)).sum(),
            corrections: Vec::new(),
        };
        let mut special: Vec<i64> = days
            .holidays
            .iter()
            .chain(&days.extra_workdays)
            .copied()
            .filter(|&d| d >= 0)
            .collect();
        special.sort_unstable();
        special.dedup();
        let mut sum = 0;
        for d in special {
            let change = i64::from(days.rule(d)) - i64::from(days.weekday_open(d));
            if change != 0 {
                sum += change;
                days.corrections.push((d, sum));
            }
        }
        let open: Vec<bool> = (0..PRECOMPUTED_DAYS as i64).map(|d| days.rule(d)).collect();
        let mut before = Vec::with_capacity(open.len() + 1);
        let mut count = 0u32;
        before.push(0);
        for &o in &open {
            count += u32::from(o);
            before.push(count);
        }
        days.open = open;
        days.open_before = before;
        days
    }

    /// Every day open (no calendar given).
    pub fn every_day() -> Self {
        let start = jiff::civil::date(2019, 1, 7);
        OpenDays::new(start, [true; 7], Vec::new(), Vec::new())
    }

    fn rule(&self, day: i64) -> bool {
        if self.extra_workdays.binary_search(&day).is_ok() {
            return true;
        }
        if self.holidays.binary_search(&day).is_ok() {
            return false;
        }
        self.weekday_open(day)
    }

    /// Whether day `day`'s weekday is open (holidays and make-up days aside).
    fn weekday_open(&self, day: i64) -> bool {
        self.weekdays[self.weekday(day)]
    }

    /// The weekday of day number `day` (since the start date), Monday 0.
    pub fn weekday(&self, day: i64) -> usize {
        (self.start_weekday as i64 + day).rem_euclid(7) as usize
    }

    /// Whether weekday `weekday` (Monday 0) is an open weekday.
    pub fn weekday_is_open(&self, weekday: usize) -> bool {
        self.weekdays[weekday]
    }

    /// Whether day number `day` (since the start date) is open.
    #[inline]
    pub fn is_open(&self, day: i64) -> bool {
        if day >= 0 && (day as usize) < self.open.len() {
            self.open[day as usize]
        } else {
            self.rule(day)
        }
    }

    /// Number of open days among days `0..day` (day >= 0).
    pub(crate) fn open_days_before(&self, day: i64) -> i64 {
        if day <= 0 {
            return 0;
        }
        if (day as usize) < self.open_before.len() {
            return i64::from(self.open_before[day as usize]);
        }
        // Whole weeks, the days of the last part week, and the holidays'
        // and make-up days' changes before `day`.
        let part_week = (0..day % 7).filter(|&d| self.weekday_open(d)).count() as i64;
        let before = self.corrections.partition_point(|&(d, _)| d < day);
        let corrected = before.checked_sub(1).map_or(0, |i| self.corrections[i].1);
        day / 7 * self.open_per_week + part_week + corrected
    }

    /// Whether any day at all is open (within a long look-ahead).
    pub(crate) fn has_open_day(&self) -> bool {
        self.weekdays.iter().any(|&w| w) || !self.extra_workdays.is_empty()
    }
}

/// Opening hours of one day: sorted, non-overlapping periods in seconds
/// since midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    periods: Vec<(Seconds, Seconds)>,
    open_per_day: Seconds,
}

impl Hours {
    /// Builds hours from periods; the caller has checked that they do not overlap.
    pub fn new(mut periods: Vec<(Seconds, Seconds)>) -> Self {
        periods.sort_by(|a, b| a.0.total_cmp(&b.0));
        let open_per_day = periods.iter().map(|(a, b)| b - a).sum();
        Hours {
            periods,
            open_per_day,
        }
    }

    /// Open around the clock.
    pub fn all_day() -> Self {
        Hours::new(vec![(0.0, DAY)])
    }

    /// The periods, sorted.
    pub fn periods(&self) -> &[(Seconds, Seconds)] {
        &self.periods
    }
}

/// Open days plus opening hours: when a hall, or one pool, is open.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    days: Arc<OpenDays>,
    hours: Hours,
    /// Open every day around the clock: working-day arithmetic is division.
    always: bool,
}

/// `x.floor() as i64`, without a libm call for the usual non-negative case
/// (truncation equals floor there).
#[inline]
pub(crate) fn floor_i64(x: f64) -> i64 {
    if x >= 0.0 {
        x as i64
    } else {
        x.floor() as i64
    }
}

/// How far ahead the calendar searches for an opening before giving up.
pub(crate) const SEARCH_DAYS: i64 = 3_700;

impl Calendar {
    /// A calendar from shared open days and its own hours.
    pub fn new(days: Arc<OpenDays>, hours: Hours) -> Self {
        let always = days.weekdays.iter().all(|&w| w)
            && days.holidays.is_empty()
            && hours.periods == [(0.0, DAY)];
        Calendar {
            days,
            hours,
            always,
        }
    }

    /// Open all the time: `wd` means 24 h.
    pub(crate) fn always_open() -> Self {
        Calendar::new(Arc::new(OpenDays::every_day()), Hours::all_day())
    }

    /// Open every day around the clock (no calendar given).
    pub(crate) fn is_always_open(&self) -> bool {
        self.always
    }

    /// The open days this calendar uses.
    pub fn days(&self) -> &Arc<OpenDays> {
        &self.days
    }

    /// The opening hours.
    pub fn hours(&self) -> &Hours {
        &self.hours
    }

    /// Open seconds in one open day: the length of one working day.
    pub fn working_day(&self) -> Seconds {
        self.hours.open_per_day
    }

    /// Whether the calendar is open at all (some day, some hour).
    pub(crate) fn ever_open(&self) -> bool {
        self.days.has_open_day() && self.hours.open_per_day > 0.0
    }

    #[inline]
    fn split(t: Seconds) -> (i64, Seconds) {
        let day = floor_i64(t / DAY);
        (day, t - day as f64 * DAY)
    }

    /// Whether the calendar is open at `t` (periods are half-open `[start, end)`).
    pub fn is_open(&self, t: Seconds) -> bool {
        let (day, tod) = Self::split(t);
        self.days.is_open(day) && self.hours.periods.iter().any(|&(a, b)| a <= tod && tod < b)
    }

    /// The first instant at or after `t` when the calendar is open, if any
    /// within ten years.
    pub(crate) fn next_open(&self, t: Seconds) -> Option<Seconds> {
        let (mut day, mut tod) = Self::split(t);
        for _ in 0..SEARCH_DAYS {
            if self.days.is_open(day) {
                for &(a, b) in &self.hours.periods {
                    if tod < b {
                        return Some(day as f64 * DAY + a.max(tod));
                    }
                }
            }
            day += 1;
            tod = 0.0;
        }
        None
    }

    /// The instant reached after `effort` seconds of open time from `t`
    /// (a work step's end, or a working-day wait's end).
    pub fn add_open_time(&self, t: Seconds, effort: Seconds) -> Seconds {
        if effort <= 0.0 {
            return t;
        }
        if self.always {
            return t + effort;
        }
        let per_day = self.hours.open_per_day;
        // More than about 300 years of open days is "never" for a simulation.
        if per_day <= 0.0 || effort / per_day > 110_000.0 {
            return f64::INFINITY;
        }
        let (mut day, mut tod) = Self::split(t);
        let mut left = effort;
        let mut closed_streak = 0;
        loop {
            if self.days.is_open(day) {
                closed_streak = 0;
                // Skip whole open days quickly when the rest of today is spent.
                for &(a, b) in &self.hours.periods {
                    if tod >= b {
                        continue;
                    }
                    let from = a.max(tod);
                    let available = b - from;
                    if left <= available {
                        return day as f64 * DAY + from + left;
                    }
                    left -= available;
                }
            } else {
                closed_streak += 1;
                if closed_streak > SEARCH_DAYS {
                    return f64::INFINITY;
                }
            }
            day += 1;
            tod = 0.0;
            // Jump over whole days while more than a day of effort remains.
            while left > per_day && self.days.is_open(day) && tod == 0.0 {
                left -= per_day;
                day += 1;
            }
        }
    }

    /// Open seconds between `from` and `to` (0 when `to <= from`).
    pub fn open_time_between(&self, from: Seconds, to: Seconds) -> Seconds {
        if to <= from {
            return 0.0;
        }
        self.open_time_before(to) - self.open_time_before(from)
    }

    /// Open seconds in `[0, t)`, counting from day 0 (t may be negative: 0).
    fn open_time_before(&self, t: Seconds) -> Seconds {
        if t <= 0.0 {
            return 0.0;
        }
        let (day, tod) = Self::split(t);
        let whole = self.days.open_days_before(day) as f64 * self.hours.open_per_day;
        let today = if self.days.is_open(day) {
            self.hours
                .periods
                .iter()
                .map(|&(a, b)| (tod.min(b) - a).max(0.0))
                .sum()
        } else {
            0.0
        };
        whole + today
    }

    /// A span in working days: open time inside it over one day's open time.
    pub fn working_days_between(&self, from: Seconds, to: Seconds) -> f64 {
        if self.always {
            return (to - from).max(0.0) / DAY;
        }
        self.open_time_between(from, to) / self.hours.open_per_day
    }

    /// Number of open days among days `[from_day, to_day)`.
    pub(crate) fn open_days_in(&self, from_day: i64, to_day: i64) -> i64 {
        self.days.open_days_before(to_day.max(0)) - self.days.open_days_before(from_day.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;

    fn weekdays_9_to_17() -> Calendar {
        // 2019-01-07 is a Monday.
        let days = OpenDays::new(
            jiff::civil::date(2019, 1, 7),
            [true, true, true, true, true, false, false],
            vec![],
            vec![],
        );
        Calendar::new(Arc::new(days), Hours::new(vec![(9.0 * HOUR, 17.0 * HOUR)]))
    }

    #[test]
    fn two_working_days_from_tuesday() {
        let cal = weekdays_9_to_17();
        let tuesday_10 = DAY + 10.0 * HOUR;
        let end = cal.add_open_time(tuesday_10, 2.0 * cal.working_day());
        assert_eq!(end, 3.0 * DAY + 10.0 * HOUR);
    }

    #[test]
    fn monday_evening_to_tuesday_morning_is_a_quarter_day() {
        let cal = weekdays_9_to_17();
        let wd = cal.working_days_between(16.0 * HOUR, DAY + 10.0 * HOUR);
        assert!((wd - 0.25).abs() < 1e-12);
    }

    #[test]
    fn friday_work_resumes_monday() {
        let cal = weekdays_9_to_17();
        let friday_16 = 4.0 * DAY + 16.0 * HOUR;
        // 3 h of effort: 1 h Friday, 2 h Monday.
        assert_eq!(
            cal.add_open_time(friday_16, 3.0 * HOUR),
            7.0 * DAY + 11.0 * HOUR
        );
        assert_eq!(cal.next_open(5.0 * DAY), Some(7.0 * DAY + 9.0 * HOUR));
        assert!(!cal.is_open(5.0 * DAY + 10.0 * HOUR));
    }

    #[test]
    fn open_days_are_counted_alike_inside_and_beyond_the_precomputed_days() {
        let table = PRECOMPUTED_DAYS as i64;
        // Holidays and make-up days on either side of the table's end, some
        // on days their weekday already closes or opens (no change).
        let holidays = vec![3, 40, table - 2, table + 3, table + 4, 3 * table + 1];
        let extra = vec![5, 6, table + 5, table + 6, 2 * table];
        let days = OpenDays::new(
            jiff::civil::date(2019, 1, 9),
            [true, true, false, true, true, false, false],
            holidays,
            extra,
        );
        let mut naive = 0;
        for d in 0..4 * table {
            assert_eq!(days.open_days_before(d), naive, "day {d}");
            naive += i64::from(days.rule(d));
        }
    }
}
