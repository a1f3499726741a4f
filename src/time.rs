//! Units of the scenario format: durations (`5min`, `2wd`), rates (`9/min`),
//! times of day (`09:30`) and periods (`09:00-12:00`).
//!
//! Simulated time is a number of seconds since the calendar's start date
//! ([`Seconds`]). A [`Duration`] keeps its unit family until the engine turns
//! it into seconds, because working days depend on the calendar.

use std::fmt;

/// Simulated time or a clock span, in seconds.
pub type Seconds = f64;

/// Seconds in a minute.
pub(crate) const MINUTE: Seconds = 60.0;
/// Seconds in an hour.
pub(crate) const HOUR: Seconds = 3600.0;
/// Seconds in a calendar day.
pub const DAY: Seconds = 86_400.0;

/// A span of time as written in a scenario: clock time, or working days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Duration {
    /// Clock seconds (`s`, `min`, `h`, `d`).
    Clock(Seconds),
    /// Working days (`wd`): whole open days of the calendar.
    WorkingDays(f64),
}

impl Duration {
    /// The unit family: true for working days.
    pub(crate) fn is_working_days(&self) -> bool {
        matches!(self, Duration::WorkingDays(_))
    }

    /// The number as written, in seconds or in working days.
    pub fn amount(&self) -> f64 {
        match *self {
            Duration::Clock(s) => s,
            Duration::WorkingDays(d) => d,
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Duration::Clock(s) if s % DAY == 0.0 && s != 0.0 => write!(f, "{}d", s / DAY),
            Duration::Clock(s) if s % HOUR == 0.0 && s != 0.0 => write!(f, "{}h", s / HOUR),
            Duration::Clock(s) if s % MINUTE == 0.0 && s != 0.0 => write!(f, "{}min", s / MINUTE),
            Duration::Clock(s) => write!(f, "{s}s"),
            Duration::WorkingDays(d) => write!(f, "{d}wd"),
        }
    }
}

/// Seconds per clock unit, or `None` for an unknown unit.
fn clock_unit(unit: &str) -> Option<Seconds> {
    match unit {
        "s" => Some(1.0),
        "min" => Some(MINUTE),
        "h" => Some(HOUR),
        "d" => Some(DAY),
        _ => None,
    }
}

/// Splits `12.5min` into its number and its unit.
fn split_number(text: &str) -> Result<(f64, &str), String> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == 'e' || c == 'E')
                    && i > 0
                    && text[i + 1..]
                        .starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+'))
                || ((c == '-' || c == '+') && (i == 0 || text[..i].ends_with(['e', 'E']))))
        })
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(end);
    if number.is_empty() {
        return Err(format!("`{text}` does not start with a number"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{number}` is not a number"))?;
    Ok((value, unit.trim()))
}

/// Parses a duration such as `5min`, `1.5h`, `2wd`. Negative values are allowed
/// here (punctuality may be negative); callers check the sign they need.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let (value, unit) = split_number(text)?;
    if !value.is_finite() {
        return Err(format!("`{text}` is not a finite duration"));
    }
    if unit.is_empty() {
        return Err(format!(
            "`{text}` has no unit; add one, e.g. `{text}min` (units: s, min, h, d, wd)"
        ));
    }
    if unit == "wd" {
        return Ok(Duration::WorkingDays(value));
    }
    match clock_unit(unit) {
        Some(factor) => Ok(Duration::Clock(value * factor)),
        None => Err(format!(
            "unknown unit `{unit}` in `{text}`; use s, min, h, d or wd"
        )),
    }
}

/// Whether a duration is written in calendar days (`3d`, `1.5d`).
pub(crate) fn is_in_calendar_days(text: &str) -> bool {
    matches!(split_number(text), Ok((_, "d")))
}

/// Parses a rate such as `9/min` into events per second.
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    let Some((number, unit)) = text.split_once('/') else {
        return Err(format!(
            "`{text}` is not a rate; write NUMBER/UNIT, e.g. `9/min` or `120/h`"
        ));
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{}` in rate `{text}` is not a number", number.trim()))?;
    let unit = unit.trim();
    let factor = clock_unit(unit)
        .ok_or_else(|| format!("unknown rate unit `{unit}` in `{text}`; use /s, /min, /h or /d"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("rate `{text}` must be a positive, finite number"));
    }
    Ok(value / factor)
}

/// Parses a time of day `HH:MM` (or `24:00` for the end of the day) into
/// seconds since midnight.
pub(crate) fn parse_time_of_day(text: &str) -> Result<Seconds, String> {
    let bad = || format!("`{text}` is not a time of day; write HH:MM between 00:00 and 24:00");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(f64::from(h * 3600 + m * 60))
}

/// Parses a period `HH:MM-HH:MM` into (start, end) seconds since midnight.
pub(crate) fn parse_period(text: &str) -> Result<(Seconds, Seconds), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not a period; write HH:MM-HH:MM, e.g. 09:00-12:00"))?;
    let start = parse_time_of_day(a)?;
    let end = parse_time_of_day(b)?;
    if end <= start {
        return Err(format!(
            "period `{text}` ends before it starts; the end must be later than the start"
        ));
    }
    Ok((start, end))
}

/// Formats a time of day in seconds as `HH:MM`.
pub(crate) fn format_time_of_day(seconds: Seconds) -> String {
    let minutes = (seconds / MINUTE).round() as i64;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("5min"), Ok(Duration::Clock(300.0)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::Clock(5400.0)));
        assert_eq!(parse_duration("2wd"), Ok(Duration::WorkingDays(2.0)));
        assert_eq!(parse_duration("90s"), Ok(Duration::Clock(90.0)));
        assert_eq!(parse_duration("-3min"), Ok(Duration::Clock(-180.0)));
        assert_eq!(parse_duration("1e1s"), Ok(Duration::Clock(10.0)));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5 weeks")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_duration("min").is_err());
    }

    #[test]
    fn rates_and_times_parse() {
        assert_eq!(parse_rate("9/min"), Ok(0.15));
        assert_eq!(parse_rate("120/h"), Ok(120.0 / 3600.0));
        assert!(parse_rate("9").is_err());
        assert!(parse_rate("0/h").is_err());
        assert_eq!(parse_time_of_day("09:30"), Ok(34_200.0));
        assert!(parse_time_of_day("25:00").is_err());
        assert!(parse_time_of_day("9:61").is_err());
        assert_eq!(parse_period("09:00-12:00"), Ok((32_400.0, 43_200.0)));
        assert!(parse_period("12:00-09:00")
            .unwrap_err()
            .contains("ends before"));
        assert_eq!(format_time_of_day(34_200.0), "09:30");
    }
}
