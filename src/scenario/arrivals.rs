//! The `arrivals:` section: streams of citizens, each with one pattern
//! (`rate`, `daily` with an optional `profile`, `interarrival` or
//! `appointments`), a `process` or a `mix` of processes, and a channel.
//! Also estimates each stream's mean rate, for load warnings.

use super::calendar::{WEEKDAYS, WEEKDAYS_FULL};
use super::checker::{did_you_mean_hint, join, round6, Checker};
use super::node::{Node, Value};
use crate::calendar::{Calendar, OpenDays};
use crate::model::{Arrival, ArrivalPattern, Channel, ProcessId};
use crate::rng::name_hash;
use crate::time::{self, Seconds, DAY};
use std::collections::BTreeSet;

/// Arrival rates above this (per second, i.e. 100/s) are refused: a run
/// could not finish in reasonable time.
const MAX_RATE_PER_SECOND: f64 = 100.0;

/// Keys of one arrival stream.
pub(crate) const ARRIVAL_KEYS: &[&str] = &[
    "name",
    "rate",
    "daily",
    "profile",
    "interarrival",
    "appointments",
    "process",
    "mix",
    "channel",
];

/// The pattern keys, of which a stream has exactly one.
pub(crate) const ARRIVAL_KINDS: &[&str] = &["rate", "daily", "interarrival", "appointments"];

/// Keys of `appointments:`.
pub(crate) const APPOINTMENT_KEYS: &[&str] = &["every", "per_slot", "no_show", "punctuality"];

/// Words of `channel`, the default first.
pub(crate) const CHANNELS: &[(&str, Channel)] =
    &[("hall", Channel::Hall), ("online", Channel::Online)];

/// The arrival streams, in file order; `processes` are the defined
/// process names, `hall` the hall's calendar.
pub(super) fn arrivals(
    c: &mut Checker,
    node: &Node,
    processes: &[&str],
    hall: &Calendar,
    horizon: Seconds,
) -> Vec<Arrival> {
    let Value::Seq(items) = &node.value else {
        c.err(node, "arrivals", "expected a list of arrival streams");
        return Vec::new();
    };
    if items.is_empty() {
        c.err(node, "arrivals", "define at least one arrival stream");
    }
    let horizon_days = (horizon / DAY).ceil() as i64;
    let open_day_share =
        (hall.open_days_in(0, horizon_days.max(1)) as f64 / horizon_days.max(1) as f64).max(1e-9);
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("arrivals[{i}]");
        let Some(f) = c.map(item, &path, ARRIVAL_KEYS) else {
            continue;
        };
        let name = match f.get("name") {
            Some(n) => c.string(n, &join(&path, "name")).map(str::to_string),
            None => Some(format!("arrivals.{i}")),
        };
        if let (Some(n), Some(nm)) = (f.get("name"), &name) {
            if !names.insert(nm.clone()) {
                c.err(n, &join(&path, "name"), format!("duplicate stream name `{nm}`; every stream needs its own name (it names the random stream)"));
            }
        }
        let channel = c.choice(f.get("channel"), &join(&path, "channel"), CHANNELS);
        let kinds: Vec<&str> = ARRIVAL_KINDS.iter().copied().filter(|k| f.has(k)).collect();
        if kinds.len() != 1 {
            c.err(
                item,
                &path,
                format!(
                    "an arrival stream needs exactly one of {}; found {}",
                    ARRIVAL_KINDS.join(", "),
                    if kinds.is_empty() {
                        "none".to_string()
                    } else {
                        kinds.join(" and ")
                    }
                ),
            );
            continue;
        }
        if f.has("profile") && kinds[0] != "daily" {
            c.err(
                f.get("profile").unwrap_or(item),
                &join(&path, "profile"),
                "`profile` goes with `daily` only",
            );
        }
        let mix = match (f.get("process"), f.get("mix")) {
            (Some(n), None) => {
                let p = join(&path, "process");
                c.string(n, &p)
                    .and_then(|name| match processes.iter().position(|x| *x == name) {
                        Some(id) => Some(vec![(1.0, id)]),
                        None => {
                            let hint = did_you_mean_hint(name, processes);
                            c.err(
                                n,
                                &p,
                                format!(
                                    "process `{name}` is not defined{hint}; defined processes: {}",
                                    processes.join(", ")
                                ),
                            );
                            None
                        }
                    })
            }
            (None, Some(n)) => mix(c, n, &join(&path, "mix"), processes),
            _ => {
                c.err(
                    item,
                    &path,
                    "an arrival stream needs exactly one of `process` or `mix`",
                );
                None
            }
        };
        let hours: Vec<(Seconds, Seconds)> = match channel {
            Some(Channel::Online) => vec![(0.0, DAY)],
            _ => hall.hours().periods().to_vec(),
        };
        let open_per_day: Seconds = hours.iter().map(|(a, b)| b - a).sum();
        let day_share = if channel == Some(Channel::Online) {
            1.0
        } else {
            open_day_share
        };
        let kind = kinds[0];
        let kn = f.get(kind).unwrap_or(item);
        let kp = join(&path, kind);
        let pattern = match kind {
            "rate" => match &kn.value {
                Value::Str(s) => match time::parse_rate(s) {
                    Ok(r) if r > MAX_RATE_PER_SECOND => {
                        c.err(kn, &kp, format!("rate {s} is over the limit of {MAX_RATE_PER_SECOND}/s; a run could never finish"));
                        None
                    }
                    Ok(r) => Some((
                        ArrivalPattern::Poisson {
                            segments: hours.iter().map(|&(a, b)| (a, b, r)).collect(),
                            weekday_factor: None,
                        },
                        r * open_per_day / DAY * day_share,
                    )),
                    Err(e) => {
                        c.err(kn, &kp, e);
                        None
                    }
                },
                v => {
                    c.err(
                        kn,
                        &kp,
                        format!("expected a rate such as `9/min`, found {}", v.describe()),
                    );
                    None
                }
            },
            "daily" => {
                let online = channel == Some(Channel::Online);
                let volume = daily_volume(
                    c,
                    kn,
                    &kp,
                    (hall.days(), online, horizon_days),
                    day_share,
                );
                let profile = match f.get("profile") {
                    Some(pn) => profile(c, pn, &join(&path, "profile")),
                    None => Some(vec![(0.0, 1.0)]),
                };
                match (volume, profile) {
                    (Some(volume), Some(profile)) => {
                        let daily = volume.reference;
                        let segments = daily_segments(&hours, &profile, daily);
                        let max_rate = segments.iter().map(|s| s.2).fold(0.0, f64::max);
                        if segments.is_empty() {
                            c.err(
                                f.get("profile").unwrap_or(kn),
                                &join(&path, "profile"),
                                "the profile gives no weight inside the opening hours",
                            );
                            None
                        } else if max_rate * volume.max_factor() > MAX_RATE_PER_SECOND {
                            c.err(kn, &kp, format!("{daily} a day gives a peak rate of {max_rate:.0}/s, over the limit of {MAX_RATE_PER_SECOND}/s"));
                            None
                        } else {
                            Some((
                                ArrivalPattern::Poisson {
                                    segments,
                                    weekday_factor: volume.weekday_factor,
                                },
                                volume.mean_rate,
                            ))
                        }
                    }
                    _ => None,
                }
            }
            "interarrival" => c.dist(kn, &kp, false).and_then(|d| {
                if d.working_days() {
                    c.err(
                        kn,
                        &kp,
                        "use a clock unit here (s, min, h, d), not working days (wd): the gap between arrivals is clock time (for the hall, counted in its open hours already)",
                    );
                    return None;
                }
                if d.mean() <= 0.0 {
                    c.err(
                        kn,
                        &kp,
                        "the gap between arrivals needs a positive mean in clock units",
                    );
                    return None;
                }
                if 1.0 / d.mean() > MAX_RATE_PER_SECOND {
                    c.err(
                        kn,
                        &kp,
                        format!(
                            "a mean gap of {}s is a rate over the limit of {MAX_RATE_PER_SECOND}/s",
                            d.mean()
                        ),
                    );
                    return None;
                }
                let rate = if channel == Some(Channel::Online) {
                    1.0 / d.mean()
                } else {
                    open_per_day / DAY * day_share / d.mean()
                };
                Some((ArrivalPattern::Interarrival(d), rate))
            }),
            "appointments" => appointments(c, kn, &kp, &hours)
                .map(|(pat, per_day)| (pat, per_day / DAY * day_share)),
            // `kind` is one of ARRIVAL_KINDS.
            _ => None,
        };
        let (Some(name), Some(channel), Some(mix), Some((pattern, mean_rate))) =
            (name, channel, mix, pattern)
        else {
            continue;
        };
        out.push(Arrival {
            stream: name_hash(&format!("arrivals:{name}")),
            name,
            pattern,
            mix,
            channel,
            mean_rate,
        });
    }
    out
}

/// `mix:`, process names with shares summing to 1, as (cumulative share,
/// process).
fn mix(
    c: &mut Checker,
    node: &Node,
    path: &str,
    processes: &[&str],
) -> Option<Vec<(f64, ProcessId)>> {
    let f = c.map(node, path, &[])?;
    if f.entries.is_empty() {
        c.err(
            node,
            path,
            "the mix is empty; give process names with their shares",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut total = 0.0;
    let mut ok = true;
    for (name, v) in &f.entries {
        let p = join(path, name);
        let share = c.probability(v, &p);
        let id = processes.iter().position(|x| x == name);
        if id.is_none() {
            let hint = did_you_mean_hint(name, processes);
            c.err(
                v,
                &p,
                format!(
                    "process `{name}` is not defined{hint}; defined processes: {}",
                    processes.join(", ")
                ),
            );
        }
        match (share, id) {
            (Some(s), Some(id)) => {
                total += s;
                out.push((total, id));
            }
            _ => ok = false,
        }
    }
    if ok && (total - 1.0).abs() > 1e-9 {
        c.err(
            node,
            path,
            format!("the shares sum to {}; they must sum to 1", round6(total)),
        );
        return None;
    }
    if let Some(last) = out.last_mut() {
        last.0 = 1.0;
    }
    ok.then_some(out)
}

/// A stream's `daily`: one number for every day, or one per weekday.
struct DailyVolume {
    /// The volume the day's rates are scaled to: the number, or the mean
    /// over the open weekdays (all seven online).
    reference: f64,
    /// Each weekday's volume over `reference`, when given per weekday.
    weekday_factor: Option<[f64; 7]>,
    /// The long-run arrival rate per second over the horizon.
    mean_rate: f64,
}

impl DailyVolume {
    fn max_factor(&self) -> f64 {
        self.weekday_factor
            .map_or(1.0, |f| f.iter().copied().fold(0.0, f64::max))
    }
}

/// `daily:` a number above 0, or a mapping of weekdays to numbers of 0 or
/// more naming every weekday the stream arrives on (every open weekday of
/// the hall; all seven online). A make-up working day whose weekday is not
/// named gets the mean. `day_share` is the share of the horizon's days the
/// stream arrives on.
fn daily_volume(
    c: &mut Checker,
    node: &Node,
    path: &str,
    (days, online, horizon_days): (&OpenDays, bool, i64),
    day_share: f64,
) -> Option<DailyVolume> {
    let horizon_days = horizon_days.max(1);
    let arrives = |day: i64| online || days.is_open(day);
    if !matches!(node.value, Value::Map(_)) {
        let daily = c.number(node, path)?;
        if daily <= 0.0 {
            c.err(
                node,
                path,
                "expected arrivals per open day must be greater than 0",
            );
            return None;
        }
        return Some(DailyVolume {
            reference: daily,
            weekday_factor: None,
            mean_rate: daily / DAY * day_share,
        });
    }
    let f = c.map(node, path, &[])?;
    let mut given: [Option<f64>; 7] = [None; 7];
    let mut ok = true;
    for (k, v) in &f.entries {
        let p = join(path, k);
        let lower = k.to_ascii_lowercase();
        let Some(w) = WEEKDAYS
            .iter()
            .zip(WEEKDAYS_FULL)
            .position(|(s, full)| *s == lower || full == lower)
        else {
            c.err(
                v,
                &p,
                format!("`{k}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun"),
            );
            ok = false;
            continue;
        };
        match c.number(v, &p) {
            Some(x) if x < 0.0 => {
                c.err(v, &p, "a weekday's volume must be 0 or more");
                ok = false;
            }
            Some(_) if given[w].is_some() => {
                c.err(v, &p, format!("{} is named twice", WEEKDAYS[w]));
                ok = false;
            }
            Some(x) => given[w] = Some(x),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let needed: Vec<usize> = (0..7)
        .filter(|&w| online || days.weekday_is_open(w))
        .collect();
    let missing: Vec<&str> = needed
        .iter()
        .filter(|&&w| given[w].is_none())
        .map(|&w| WEEKDAYS[w])
        .collect();
    if !missing.is_empty() {
        c.err(
            node,
            path,
            format!(
                "no volume for {}; name every weekday the stream arrives on ({})",
                missing.join(", "),
                if online {
                    "all seven online"
                } else {
                    "the calendar's open days"
                }
            ),
        );
        return None;
    }
    let named: Vec<f64> = if needed.is_empty() {
        given.iter().flatten().copied().collect()
    } else {
        needed.iter().filter_map(|&w| given[w]).collect()
    };
    let reference = named.iter().sum::<f64>() / named.len().max(1) as f64;
    if reference <= 0.0 {
        c.err(
            node,
            path,
            "every weekday's volume is 0; give at least one above 0",
        );
        return None;
    }
    let factor: [f64; 7] = std::array::from_fn(|w| given[w].map_or(1.0, |x| x / reference));
    let total: f64 = (0..horizon_days)
        .filter(|&d| arrives(d))
        .map(|d| reference * factor[days.weekday(d)])
        .sum();
    Some(DailyVolume {
        reference,
        weekday_factor: Some(factor),
        mean_rate: total / horizon_days as f64 / DAY,
    })
}

/// `profile:`, weights by time of day `{"09:00": 1.4, ...}`, sorted by time.
fn profile(c: &mut Checker, node: &Node, path: &str) -> Option<Vec<(Seconds, f64)>> {
    let f = c.map(node, path, &[])?;
    let mut out = Vec::new();
    let mut ok = true;
    for (k, v) in &f.entries {
        let p = format!("{path}.\"{k}\"");
        let t = time::parse_time_of_day(k).map_err(|e| c.err(v, &p, e)).ok();
        let w = c.number(v, &p).filter(|&w| {
            if w < 0.0 {
                c.err(v, &p, "a profile weight must be 0 or more");
            }
            w >= 0.0
        });
        match (t, w) {
            (Some(t), Some(w)) => out.push((t, w)),
            _ => ok = false,
        }
    }
    if out.is_empty() && ok {
        c.err(
            node,
            path,
            "the profile is empty; give times of day with weights, e.g. {\"09:00\": 1.4}",
        );
        return None;
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    ok.then_some(out)
}

/// Splits the opening hours by the profile's keys into segments of constant
/// rate, scaled so that one open day expects `daily` arrivals. Before the
/// first key the first weight holds.
fn daily_segments(
    hours: &[(Seconds, Seconds)],
    profile: &[(Seconds, f64)],
    daily: f64,
) -> Vec<(Seconds, Seconds, f64)> {
    let weight_at = |t: Seconds| {
        profile
            .iter()
            .rev()
            .find(|(k, _)| *k <= t)
            .or(profile.first())
            .map_or(0.0, |p| p.1)
    };
    let mut segments = Vec::new();
    for &(a, b) in hours {
        let mut cuts = vec![a];
        cuts.extend(profile.iter().map(|p| p.0).filter(|&t| t > a && t < b));
        cuts.push(b);
        for w in cuts.windows(2) {
            segments.push((w[0], w[1], weight_at(w[0])));
        }
    }
    let mass: f64 = segments.iter().map(|(a, b, w)| (b - a) * w).sum();
    if mass <= 0.0 {
        return Vec::new();
    }
    segments
        .into_iter()
        .filter(|s| s.2 > 0.0)
        .map(|(a, b, w)| (a, b, daily * w / mass))
        .collect()
}

/// `appointments:`, booked slots while open: the pattern and the expected
/// arrivals per open day.
fn appointments(
    c: &mut Checker,
    node: &Node,
    path: &str,
    hours: &[(Seconds, Seconds)],
) -> Option<(ArrivalPattern, f64)> {
    let f = c.map(node, path, APPOINTMENT_KEYS)?;
    let every = c
        .require(&f, path, "every", "the slot spacing, e.g. `15min`")
        .and_then(|n| {
            c.positive_clock(
                n,
                &join(path, "every"),
                "slots are spaced in clock time within the opening hours",
            )
        });
    let per_slot = c
        .require(&f, path, "per_slot", "citizens booked per slot")
        .and_then(|n| c.integer(n, &join(path, "per_slot"), 1, 100_000));
    let no_show = match f.get("no_show") {
        Some(n) => c.probability(n, &join(path, "no_show")),
        None => Some(0.0),
    };
    let punctuality = match f.get("punctuality") {
        Some(n) => Some(c.clock_dist_signed(
            n,
            &join(path, "punctuality"),
            true,
            "it is how early or late a citizen comes to a booked slot, in clock time",
        )?),
        None => None,
    };
    let (every, per_slot, no_show) = (every?, per_slot? as u32, no_show?);
    let slots: f64 = hours.iter().map(|&(a, b)| ((b - a) / every).ceil()).sum();
    if slots * f64::from(per_slot) / DAY > MAX_RATE_PER_SECOND {
        c.err(
            node,
            path,
            format!("this many bookings exceed the rate limit of {MAX_RATE_PER_SECOND}/s"),
        );
        return None;
    }
    Some((
        ArrivalPattern::Appointments {
            every,
            per_slot,
            no_show,
            punctuality,
        },
        slots * f64::from(per_slot) * (1.0 - no_show),
    ))
}

#[cfg(test)]
mod tests {
    use crate::scenario::load_str;

    /// The message listing the arrival kinds, in full.
    #[test]
    fn a_stream_without_a_kind_is_refused_with_the_kinds_listed() {
        let yaml = "name: x\nhorizon: 1d\npools: {desk: {servers: 1}}\n\
                    processes: {p: {steps: [{serve: desk, time: 5min}]}}\n\
                    arrivals: [{process: p}]\n";
        let text = load_str(yaml, "x.yaml").unwrap_err().to_string();
        assert_eq!(
            text,
            "error: x.yaml:5:12: arrivals[0]: an arrival stream needs exactly one of rate, daily, interarrival, appointments; found none"
        );
    }
}
