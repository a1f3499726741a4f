//! The validator: walks the located node tree, resolves names to ids,
//! applies defaults, checks every rule of the format, and collects every
//! problem of the file before giving up.

use super::error::{Problem, ScenarioErrors};
use super::node::{Node, Value};
use crate::calendar::{Calendar, Hours, OpenDays};
use crate::dist::{Dist, Family};
use crate::model::*;
use crate::rng::name_hash;
use crate::suggest::did_you_mean;
use crate::time::{self, Duration, Seconds, DAY};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Arrival rates above this (per second, i.e. 100/s) are refused: a run
/// could not finish in reasonable time.
pub const MAX_RATE_PER_SECOND: f64 = 100.0;

/// Limits on sizes that keep a run finite.
const MAX_SERVERS: i64 = 100_000;
const MAX_REPLICATIONS: i64 = 100_000;
const MAX_HORIZON: Seconds = 100.0 * 365.0 * DAY;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "replications",
    "horizon",
    "warmup",
    "drain_limit",
    "calendar",
    "pools",
    "processes",
    "arrivals",
    "targets",
];
const CALENDAR_KEYS: &[&str] = &["start", "hours", "days", "holidays", "extra_workdays"];
const POOL_KEYS: &[&str] = &["servers", "hours", "discipline", "at_close"];
const PROCESS_KEYS: &[&str] = &["time_limit", "priority", "steps"];
const STEP_KINDS: &[&str] = &["serve", "work", "wait", "rework", "parallel", "choose"];
const ARRIVAL_KEYS: &[&str] = &[
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
const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

/// A mapping's entries, after unknown keys were reported.
struct Fields<'n> {
    node: &'n Node,
    entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

impl<'a> Checker<'a> {
    fn err(&mut self, node: &Node, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            line: (node.line > 0).then_some(node.line),
            column: (node.column > 0).then_some(node.column),
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// A mapping with only `allowed` keys (unknown ones are reported with a hint).
    fn map<'n>(&mut self, node: &'n Node, path: &str, allowed: &[&str]) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.err(
                node,
                path,
                format!(
                    "expected a mapping of keys, found {}",
                    node.value.describe()
                ),
            );
            return None;
        };
        let mut fields = Fields {
            node,
            entries: Vec::new(),
        };
        for (key, value) in entries {
            let Value::Str(k) = &key.value else {
                self.err(
                    key,
                    path,
                    format!("keys must be names, found {}", key.value.describe()),
                );
                continue;
            };
            if !allowed.is_empty() && !allowed.contains(&k.as_str()) {
                let hint = match did_you_mean(k, allowed) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", allowed.join(", ")),
                };
                self.err(key, &join(path, k), format!("unknown key `{k}`; {hint}"));
                continue;
            }
            fields.entries.push((k.as_str(), value));
        }
        Some(fields)
    }

    fn require<'n>(
        &mut self,
        fields: &Fields<'n>,
        path: &str,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = fields.get(key);
        if found.is_none() {
            self.err(
                fields.node,
                path,
                format!("missing required key `{key}` ({what})"),
            );
        }
        found
    }

    fn string<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n str> {
        match &node.value {
            Value::Str(s) => Some(s.as_str()),
            other => {
                self.err(
                    node,
                    path,
                    format!("expected text, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// One of a fixed set of words (the first is the default when absent).
    fn choice<T: Copy>(
        &mut self,
        node: Option<&Node>,
        path: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let Some(node) = node else {
            return options.first().map(|o| o.1);
        };
        let word = self.string(node, path)?;
        match options.iter().find(|o| o.0 == word) {
            Some(o) => Some(o.1),
            None => {
                let names: Vec<&str> = options.iter().map(|o| o.0).collect();
                let key = path.rsplit('.').next().unwrap_or(path);
                self.err(
                    node,
                    path,
                    format!("unknown {key} `{word}`; use {}", names.join(" or ")),
                );
                None
            }
        }
    }

    fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        let v = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            ref other => {
                self.err(
                    node,
                    path,
                    format!("expected a number, found {}", other.describe()),
                );
                return None;
            }
        };
        if !v.is_finite() {
            self.err(node, path, "expected a finite number");
            return None;
        }
        Some(v)
    }

    fn probability(&mut self, node: &Node, path: &str) -> Option<f64> {
        let p = self.number(node, path)?;
        if !(0.0..=1.0).contains(&p) {
            self.err(
                node,
                path,
                format!("a probability must be between 0 and 1, found {p}"),
            );
            return None;
        }
        Some(p)
    }

    fn integer(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        let Value::Int(i) = node.value else {
            if is_number(&node.value) {
                self.err(
                    node,
                    path,
                    format!("expected a whole number between {min} and {max}"),
                );
            } else {
                self.err(
                    node,
                    path,
                    format!("expected a whole number, found {}", node.value.describe()),
                );
            }
            return None;
        };
        if i < min || i > max {
            self.err(
                node,
                path,
                format!("must be between {min} and {max}, found {i}"),
            );
            return None;
        }
        Some(i)
    }

    fn duration(&mut self, node: &Node, path: &str) -> Option<Duration> {
        match &node.value {
            Value::Str(s) => match time::parse_duration(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(node, path, e);
                    None
                }
            },
            v if is_number(v) => {
                self.err(
                    node,
                    path,
                    "a bare number needs a unit; write e.g. `5min`, `2h`, `3d` or `2wd`",
                );
                None
            }
            other => {
                self.err(
                    node,
                    path,
                    format!(
                        "expected a duration such as `5min`, found {}",
                        other.describe()
                    ),
                );
                None
            }
        }
    }

    /// A clock duration that must be positive (horizon, slot spacing...).
    fn positive_clock(&mut self, node: &Node, path: &str) -> Option<Seconds> {
        match self.duration(node, path)? {
            Duration::Clock(s) if s > 0.0 => Some(s),
            Duration::Clock(_) => {
                self.err(node, path, "must be greater than 0");
                None
            }
            Duration::WorkingDays(_) => {
                self.err(
                    node,
                    path,
                    "use a clock unit here (s, min, h, d), not working days",
                );
                None
            }
        }
    }

    /// A distribution of durations (a plain duration is a constant).
    fn dist(&mut self, node: &Node, path: &str, allow_negative: bool) -> Option<Dist> {
        let mut wd_seen = BTreeSet::new();
        let family = self.family(node, path, &mut wd_seen)?;
        if wd_seen.len() > 1 {
            self.err(node, path, "mixes clock units and working days; use one family (s/min/h/d, or wd) inside one distribution");
            return None;
        }
        let working_days = wd_seen.contains(&true);
        match Dist::new(family, working_days, allow_negative) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(node, path, e);
                None
            }
        }
    }

    fn amount(&mut self, node: &Node, path: &str, wd: &mut BTreeSet<bool>) -> Option<f64> {
        let d = self.duration(node, path)?;
        wd.insert(d.is_working_days());
        Some(d.amount())
    }

    fn family(&mut self, node: &Node, path: &str, wd: &mut BTreeSet<bool>) -> Option<Family> {
        const FAMILIES: &[&str] = &[
            "exp",
            "lognormal",
            "normal",
            "gamma",
            "erlang",
            "triangular",
            "uniform",
            "weibull",
            "empirical",
        ];
        if !matches!(node.value, Value::Map(_)) {
            return Some(Family::Constant(self.amount(node, path, wd)?));
        }
        let fields = self.map(node, path, FAMILIES)?;
        if fields.entries.len() != 1 {
            self.err(
                node,
                path,
                format!(
                    "a distribution is a one-key mapping naming its family ({}), found {} keys",
                    FAMILIES.join(", "),
                    fields.entries.len()
                ),
            );
            return None;
        }
        let (name, body) = fields.entries[0];
        let p = join(path, name);
        let mut params = |c: &mut Self, keys: &[&str]| -> Option<Vec<f64>> {
            let f = c.map(body, &p, keys)?;
            let mut out = Vec::new();
            let mut ok = true;
            for k in keys {
                match c.require(&f, &p, k, "a parameter of this family") {
                    Some(n) => {
                        let kp = join(&p, k);
                        let v = if *k == "k" || *k == "shape" {
                            c.number(n, &kp)
                        } else {
                            c.amount(n, &kp, wd)
                        };
                        match v {
                            Some(v) => out.push(v),
                            None => ok = false,
                        }
                    }
                    None => ok = false,
                }
            }
            ok.then_some(out)
        };
        Some(match name {
            "exp" => Family::Exponential {
                mean: self.amount(body, &p, wd)?,
            },
            "lognormal" => {
                let v = params(self, &["mean", "sd"])?;
                Family::Lognormal {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "normal" => {
                let v = params(self, &["mean", "sd"])?;
                Family::Normal {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "gamma" => {
                let v = params(self, &["mean", "sd"])?;
                Family::Gamma {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "erlang" => {
                let v = params(self, &["k", "mean"])?;
                if v[0].fract() != 0.0 || v[0] < 1.0 || v[0] > 1000.0 {
                    self.err(
                        body,
                        &join(&p, "k"),
                        "k must be a whole number from 1 to 1000",
                    );
                    return None;
                }
                Family::Erlang {
                    k: v[0] as u32,
                    mean: v[1],
                }
            }
            "triangular" => {
                let v = params(self, &["min", "mode", "max"])?;
                Family::Triangular {
                    min: v[0],
                    mode: v[1],
                    max: v[2],
                }
            }
            "uniform" => {
                let v = params(self, &["min", "max"])?;
                Family::Uniform {
                    min: v[0],
                    max: v[1],
                }
            }
            "weibull" => {
                let v = params(self, &["shape", "scale"])?;
                Family::Weibull {
                    shape: v[0],
                    scale: v[1],
                }
            }
            "empirical" => {
                let Value::Seq(items) = &body.value else {
                    self.err(
                        body,
                        &p,
                        "expected a list of durations, e.g. [3min, 4min, 7min]",
                    );
                    return None;
                };
                let mut values = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    values.push(self.amount(item, &format!("{p}[{i}]"), wd)?);
                }
                Family::Empirical(values)
            }
            _ => return None,
        })
    }

    fn date(&mut self, node: &Node, path: &str) -> Option<jiff::civil::Date> {
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
    fn hours(&mut self, node: &Node, path: &str) -> Option<Hours> {
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

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Names defined under a mapping key, in file order, with their nodes.
fn named_entries<'n>(
    c: &mut Checker,
    node: &'n Node,
    path: &str,
    what: &str,
) -> Vec<(&'n str, &'n Node, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        c.err(
            node,
            path,
            format!(
                "expected a mapping of {what} by name, found {}",
                node.value.describe()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match &k.value {
            Value::Str(s) if !s.is_empty() => out.push((s.as_str(), k, v)),
            _ => c.err(k, path, format!("{what} names must be non-empty text")),
        }
    }
    if out.is_empty() {
        c.err(node, path, format!("define at least one of the {what}"));
    }
    out
}

/// Builds the model, or returns every problem found.
pub fn model(root: &Node, file: &str) -> Result<Model, ScenarioErrors> {
    let mut c = Checker {
        file,
        problems: Vec::new(),
    };
    let built = build(&mut c, root);
    match built {
        Some(m) if c.problems.is_empty() => Ok(m),
        _ => {
            if c.problems.is_empty() {
                c.err(root, "", "the scenario is incomplete");
            }
            let mut problems = c.problems;
            problems.sort_by_key(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)));
            Err(ScenarioErrors {
                file: c.file.to_string(),
                problems,
            })
        }
    }
}

fn build(c: &mut Checker, root: &Node) -> Option<Model> {
    let top = c.map(root, "", TOP_KEYS)?;
    let name = c
        .require(&top, "", "name", "the scenario's name, shown in reports")
        .and_then(|n| c.string(n, "name"))
        .map(str::to_string);
    let description = top
        .get("description")
        .and_then(|n| c.string(n, "description"))
        .unwrap_or("")
        .to_string();
    let seed = match top.get("seed") {
        Some(n) => c.integer(n, "seed", 0, i64::MAX).map(|s| s as u64),
        None => Some(1),
    };
    let replications = match top.get("replications") {
        Some(n) => c
            .integer(n, "replications", 1, MAX_REPLICATIONS)
            .map(|r| r as u32),
        None => Some(10),
    };
    let horizon = c
        .require(
            &top,
            "",
            "horizon",
            "arrivals stop at this time, e.g. `30d`",
        )
        .and_then(|n| {
            let h = c.positive_clock(n, "horizon")?;
            if h > MAX_HORIZON {
                c.err(
                    n,
                    "horizon",
                    "a horizon over 100 years is refused; shorten it",
                );
                return None;
            }
            Some(h)
        });
    let warmup = match top.get("warmup") {
        Some(n) => match c.duration(n, "warmup") {
            Some(Duration::Clock(s)) if s >= 0.0 => Some(s),
            Some(Duration::Clock(_)) => {
                c.err(n, "warmup", "must be 0 or more");
                None
            }
            Some(Duration::WorkingDays(_)) => {
                c.err(
                    n,
                    "warmup",
                    "use a clock unit (s, min, h, d), not working days",
                );
                None
            }
            None => None,
        },
        None => Some(0.0),
    };
    if let (Some(h), Some(w), Some(n)) = (horizon, warmup, top.get("warmup")) {
        if w >= h {
            c.err(n, "warmup", "the warm-up must end before the horizon");
        }
    }
    let drain_limit = match top.get("drain_limit") {
        Some(n) => c.positive_clock(n, "drain_limit"),
        None => horizon.map(|h| 10.0 * h),
    };
    if let (Some(h), Some(d), Some(n)) = (horizon, drain_limit, top.get("drain_limit")) {
        if d < h {
            c.err(
                n,
                "drain_limit",
                "the drain limit must not be before the horizon",
            );
        }
    }

    let (calendar, days) = match top.get("calendar").map(|n| calendar(c, n)) {
        Some(Some(found)) => found,
        // Without a calendar (or with a broken one, already reported) the
        // rest is checked against an always-open one.
        _ => {
            let cal = Calendar::always_open();
            let days = cal.days().clone();
            (cal, days)
        }
    };

    let pools_node = c.require(&top, "", "pools", "at least one pool of servers");
    let pools = pools_node
        .map(|n| pools(c, n, &calendar, &days))
        .unwrap_or_default();
    let pool_names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();

    let processes_node = c.require(
        &top,
        "",
        "processes",
        "at least one process (a route of steps)",
    );
    let mut routes = Vec::new();
    let processes = processes_node
        .map(|n| processes(c, n, &pool_names, &mut routes))
        .unwrap_or_default();
    let process_names: Vec<&str> = processes.iter().map(|p| p.name.as_str()).collect();

    let arrivals_node = c.require(&top, "", "arrivals", "at least one arrival stream");
    let arrivals = arrivals_node
        .map(|n| arrivals(c, n, &process_names, &calendar, horizon.unwrap_or(DAY)))
        .unwrap_or_default();

    let targets = top
        .get("targets")
        .map(|n| targets(c, n, &pool_names, &process_names))
        .unwrap_or_default();

    Some(Model {
        name: name?,
        description,
        file: c.file.to_string(),
        seed: seed?,
        replications: replications?,
        horizon: horizon?,
        warmup: warmup?,
        drain_limit: drain_limit?,
        has_calendar: top.has("calendar"),
        calendar,
        pools,
        processes,
        routes,
        arrivals,
        targets,
    })
}

fn calendar(c: &mut Checker, node: &Node) -> Option<(Calendar, Arc<OpenDays>)> {
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
                    const FULL: [&str; 7] = [
                        "monday",
                        "tuesday",
                        "wednesday",
                        "thursday",
                        "friday",
                        "saturday",
                        "sunday",
                    ];
                    match WEEKDAYS
                        .iter()
                        .zip(FULL)
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

fn pools(c: &mut Checker, node: &Node, hall: &Calendar, days: &Arc<OpenDays>) -> Vec<Pool> {
    let mut out = Vec::new();
    for (name, _key, body) in named_entries(c, node, "pools", "pools") {
        let path = format!("pools.{name}");
        let Some(f) = c.map(body, &path, POOL_KEYS) else {
            continue;
        };
        let servers = c
            .require(
                &f,
                &path,
                "servers",
                "a number of servers, or a schedule such as {\"09:00\": 8, \"10:00\": 14}",
            )
            .and_then(|n| {
                let p = join(&path, "servers");
                match &n.value {
                    Value::Map(_) => {
                        let sf = c.map(n, &p, &[])?;
                        let mut schedule = Vec::new();
                        for (k, v) in &sf.entries {
                            let kp = format!("{p}.\"{k}\"");
                            let t = match time::parse_time_of_day(k) {
                                Ok(t) => t,
                                Err(e) => {
                                    c.err(v, &kp, e);
                                    continue;
                                }
                            };
                            if let Some(s) = c.integer(v, &kp, 0, MAX_SERVERS) {
                                schedule.push((t, s as u32));
                            }
                        }
                        if schedule.len() != sf.entries.len() {
                            return None;
                        }
                        if schedule.is_empty() {
                            c.err(
                                n,
                                &p,
                                "the schedule is empty; give at least one time and count",
                            );
                            return None;
                        }
                        schedule.sort_by(|a, b| a.0.total_cmp(&b.0));
                        Some(Servers::Schedule(schedule))
                    }
                    _ => c
                        .integer(n, &p, 0, MAX_SERVERS)
                        .map(|s| Servers::Fixed(s as u32)),
                }
            });
        let calendar = match f.get("hours") {
            Some(n) => c
                .hours(n, &join(&path, "hours"))
                .map(|h| Calendar::new(days.clone(), h)),
            None => Some(hall.clone()),
        };
        let discipline = c.choice(
            f.get("discipline"),
            &join(&path, "discipline"),
            &[
                ("fifo", Discipline::Fifo),
                ("priority", Discipline::Priority),
            ],
        );
        let at_close = c.choice(
            f.get("at_close"),
            &join(&path, "at_close"),
            &[
                ("finish", AtClose::Finish),
                ("send_home", AtClose::SendHome),
            ],
        );
        let (Some(servers), Some(calendar), Some(discipline), Some(at_close)) =
            (servers, calendar, discipline, at_close)
        else {
            continue;
        };
        let mut breakpoints: Vec<Seconds> = calendar
            .hours()
            .periods()
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .collect();
        if let Servers::Schedule(s) = &servers {
            breakpoints.extend(s.iter().map(|&(t, _)| t));
        }
        // 24:00 stays: it is the closing of a period that runs to midnight.
        breakpoints.retain(|&t| t <= DAY);
        breakpoints.sort_by(f64::total_cmp);
        breakpoints.dedup();
        let open_servers = calendar.hours().periods().iter().any(|&(a, b)| {
            servers.at(a) > 0
                || breakpoints
                    .iter()
                    .any(|&t| t >= a && t < b && servers.at(t) > 0)
        });
        if !calendar.ever_open() || !open_servers {
            c.err(body, &path, "this pool is never open with a server: give it servers during its hours (and hours inside open days)");
        }
        out.push(Pool {
            name: name.to_string(),
            servers,
            calendar,
            discipline,
            at_close,
            breakpoints,
        });
    }
    out
}

/// State while building the routes of one process.
struct RouteBuilder<'p> {
    process: ProcessId,
    process_name: String,
    pool_names: &'p [&'p str],
    /// Step ids seen in this process: id -> (route, position, global).
    ids: BTreeMap<String, StepRef>,
    next_global: usize,
    rework_count: usize,
}

fn processes(
    c: &mut Checker,
    node: &Node,
    pool_names: &[&str],
    routes: &mut Vec<Route>,
) -> Vec<Process> {
    let entries = named_entries(c, node, "processes", "processes");
    // Main routes take the first indices, so process i has route i.
    routes.extend((0..entries.len()).map(|i| Route {
        steps: Vec::new(),
        process: i,
    }));
    let mut next_global = 0;
    let mut rework_count = 0;
    let mut out = Vec::new();
    for (i, (name, _key, body)) in entries.iter().enumerate() {
        let path = format!("processes.{name}");
        let mut rb = RouteBuilder {
            process: i,
            process_name: name.to_string(),
            pool_names,
            ids: BTreeMap::new(),
            next_global,
            rework_count,
        };
        let f = c.map(body, &path, PROCESS_KEYS);
        let mut time_limit = None;
        let mut priority = 0;
        if let Some(f) = f {
            if let Some(n) = c.require(&f, &path, "steps", "the list of steps of this route") {
                let steps = steps(c, &mut rb, n, &join(&path, "steps"), routes, i);
                routes[i].steps = steps.unwrap_or_default();
                if routes[i].steps.is_empty() && matches!(&n.value, Value::Seq(s) if s.is_empty()) {
                    c.err(
                        n,
                        &join(&path, "steps"),
                        "a process needs at least one step",
                    );
                }
            }
            if let Some(n) = f.get("priority") {
                priority = c
                    .integer(n, &join(&path, "priority"), -1_000_000, 1_000_000)
                    .unwrap_or(0);
            }
            if let Some(n) = f.get("time_limit") {
                time_limit = time_limit_of(c, n, &join(&path, "time_limit"), &rb);
            }
        }
        next_global = rb.next_global;
        rework_count = rb.rework_count;
        out.push(Process {
            name: name.to_string(),
            route: i,
            time_limit,
            priority,
        });
    }
    out
}

fn time_limit_of(c: &mut Checker, node: &Node, path: &str, rb: &RouteBuilder) -> Option<TimeLimit> {
    let (limit_node, from) = match &node.value {
        Value::Map(_) => {
            let f = c.map(node, path, &["limit", "from"])?;
            let limit = c.require(&f, path, "limit", "the promised duration, e.g. `5wd`")?;
            let from = match f.get("from") {
                Some(n) => {
                    let id = c.string(n, &join(path, "from"))?;
                    match rb.ids.get(id) {
                        Some(r) => Some(*r),
                        None => {
                            let ids: Vec<&str> = rb.ids.keys().map(String::as_str).collect();
                            let hint = did_you_mean(id, &ids)
                                .map(|s| format!(" (did you mean `{s}`?)"))
                                .unwrap_or_default();
                            c.err(
                                n,
                                &join(path, "from"),
                                format!(
                                    "no step with id `{id}` in this process{hint}; step ids: {}",
                                    ids.join(", ")
                                ),
                            );
                            return None;
                        }
                    }
                }
                None => None,
            };
            (limit, from)
        }
        _ => (node, None),
    };
    let lp = if matches!(node.value, Value::Map(_)) {
        join(path, "limit")
    } else {
        path.to_string()
    };
    let limit = c.duration(limit_node, &lp)?;
    if limit.amount() <= 0.0 {
        c.err(limit_node, &lp, "a time limit must be greater than 0");
        return None;
    }
    Some(TimeLimit { limit, from })
}

fn steps(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    node: &Node,
    path: &str,
    routes: &mut Vec<Route>,
    route: RouteId,
) -> Option<Vec<Step>> {
    let Value::Seq(items) = &node.value else {
        c.err(
            node,
            path,
            format!("expected a list of steps, found {}", node.value.describe()),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut local_ids: Vec<(String, usize)> = Vec::new();
    for (pos, item) in items.iter().enumerate() {
        let sp = format!("{path}[{pos}]");
        if let Some(step) = step(c, rb, item, &sp, routes, route, pos, &local_ids) {
            if let Some(id) = &step.id {
                local_ids.push((id.clone(), pos));
            }
            out.push(step);
        }
    }
    (out.len() == items.len()).then_some(out)
}

#[allow(clippy::too_many_arguments)]
fn step(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    node: &Node,
    path: &str,
    routes: &mut Vec<Route>,
    route: RouteId,
    pos: usize,
    earlier: &[(String, usize)],
) -> Option<Step> {
    let mut allowed: Vec<&str> = vec!["id", "time", "patience", "balk_at", "max_rework"];
    allowed.extend_from_slice(STEP_KINDS);
    let f = c.map(node, path, &allowed)?;
    let kinds: Vec<&str> = STEP_KINDS.iter().copied().filter(|k| f.has(k)).collect();
    if kinds.len() != 1 {
        let msg = if kinds.is_empty() {
            format!(
                "a step needs exactly one kind key: one of {}",
                STEP_KINDS.join(", ")
            )
        } else {
            format!(
                "a step has exactly one kind key, found {}: split it into separate steps",
                kinds.join(" and ")
            )
        };
        c.err(node, path, msg);
        return None;
    }
    let kind = kinds[0];
    let valid_extra: &[&str] = match kind {
        "serve" => &["id", "time", "patience", "balk_at"],
        "work" => &["id", "time"],
        // `max_rework` is "a key of the rework step": accepted beside
        // `rework:` as well as inside it.
        "rework" => &["id", "max_rework"],
        _ => &["id"],
    };
    for (k, v) in &f.entries {
        if !STEP_KINDS.contains(k) && !valid_extra.contains(k) {
            c.err(
                v,
                &join(path, k),
                format!(
                    "`{k}` does not belong to a `{kind}` step; it takes {}",
                    valid_extra.join(", ")
                ),
            );
        }
    }
    let id = match f.get("id") {
        Some(n) => {
            let id = c.string(n, &join(path, "id"))?.to_string();
            if rb.ids.contains_key(&id) {
                c.err(
                    n,
                    &join(path, "id"),
                    format!(
                        "duplicate step id `{id}` in process `{}`; step ids must be unique",
                        rb.process_name
                    ),
                );
                return None;
            }
            Some(id)
        }
        None => None,
    };
    let global = rb.next_global;
    rb.next_global += 1;
    if let Some(id) = &id {
        rb.ids.insert(
            id.clone(),
            StepRef {
                route,
                position: pos,
                global,
            },
        );
    }
    let stream_name = match &id {
        Some(id) => format!("step:{id}"),
        None => format!("step:{}:{path}", rb.process_name),
    };
    let body = f.get(kind)?;
    let kp = join(path, kind);
    let resolve_pool = |c: &mut Checker, n: &Node, p: &str| -> Option<PoolId> {
        let name = c.string(n, p)?;
        match rb.pool_names.iter().position(|x| *x == name) {
            Some(i) => Some(i),
            None => {
                let hint = did_you_mean(name, rb.pool_names)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                c.err(
                    n,
                    p,
                    format!(
                        "pool `{name}` is not defined{hint}; defined pools: {}",
                        rb.pool_names.join(", ")
                    ),
                );
                None
            }
        }
    };
    let time_of = |c: &mut Checker, what: &str| -> Option<Dist> {
        let n = c.require(&f, path, "time", what)?;
        let d = c.dist(n, &join(path, "time"), false)?;
        if d.working_days() {
            c.err(
                n,
                &join(path, "time"),
                "service and work times are effort in clock units (s, min, h), not working days",
            );
            return None;
        }
        Some(d)
    };
    let kind = match kind {
        "serve" => {
            let pools = match &body.value {
                Value::Seq(items) => {
                    if items.is_empty() {
                        c.err(body, &kp, "the pool list is empty; name at least one pool");
                        return None;
                    }
                    let mut v = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        v.push(resolve_pool(c, it, &format!("{kp}[{i}]")));
                    }
                    v.into_iter().collect::<Option<Vec<_>>>()
                }
                _ => resolve_pool(c, body, &kp).map(|p| vec![p]),
            };
            let time = time_of(c, "the service time, e.g. `{exp: 5min}`");
            let patience = match f.get("patience") {
                Some(n) => Some(c.dist(n, &join(path, "patience"), false)?),
                None => None,
            };
            let balk_at = match f.get("balk_at") {
                Some(n) => Some(c.integer(n, &join(path, "balk_at"), 0, 10_000_000)? as u32),
                None => None,
            };
            StepKind::Serve {
                pools: pools?,
                time: time?,
                patience,
                balk_at,
            }
        }
        "work" => {
            let pool = resolve_pool(c, body, &kp);
            let time = time_of(c, "the effort, e.g. `{exp: 4h}`");
            StepKind::Work {
                pool: pool?,
                time: time?,
            }
        }
        "wait" => StepKind::Wait {
            time: c.dist(body, &kp, false)?,
        },
        "rework" => {
            let rf = c.map(body, &kp, &["p", "after", "to", "max_rework"])?;
            let p = c
                .require(&rf, &kp, "p", "the probability of rework, below 1")
                .and_then(|n| {
                    let p = c.probability(n, &join(&kp, "p"))?;
                    if p >= 1.0 {
                        c.err(
                            n,
                            &join(&kp, "p"),
                            "rework p must be below 1, or cases would loop forever",
                        );
                        return None;
                    }
                    Some(p)
                });
            let after = c
                .require(
                    &rf,
                    &kp,
                    "after",
                    "the delay before the citizen returns, e.g. `{uniform: {min: 1d, max: 3d}}`",
                )
                .and_then(|n| c.dist(n, &join(&kp, "after"), false));
            let to = c.require(&rf, &kp, "to", "the id of an earlier step of this route").and_then(|n| {
                let target = c.string(n, &join(&kp, "to"))?;
                match earlier.iter().find(|(id, _)| id == target) {
                    Some((_, pos)) => Some(*pos),
                    None => {
                        let names: Vec<&str> = earlier.iter().map(|(s, _)| s.as_str()).collect();
                        let list = if names.is_empty() { "none (give the target step an `id`)".to_string() } else { names.join(", ") };
                        c.err(n, &join(&kp, "to"), format!("`{target}` is not an earlier step of this route; earlier step ids: {list}"));
                        None
                    }
                }
            });
            let max_rework = match (rf.get("max_rework"), f.get("max_rework")) {
                (Some(_), Some(n)) => {
                    c.err(
                        n,
                        &join(path, "max_rework"),
                        "`max_rework` is given twice; keep the one inside `rework:`",
                    );
                    None
                }
                (Some(n), None) => c
                    .integer(n, &join(&kp, "max_rework"), 0, 1000)
                    .map(|m| m as u32),
                (None, Some(n)) => c
                    .integer(n, &join(path, "max_rework"), 0, 1000)
                    .map(|m| m as u32),
                (None, None) => Some(10),
            };
            let index = rb.rework_count;
            rb.rework_count += 1;
            StepKind::Rework {
                p: p?,
                after: after?,
                to: to?,
                max_rework: max_rework?,
                index,
            }
        }
        "parallel" => {
            let Value::Seq(branches) = &body.value else {
                c.err(
                    body,
                    &kp,
                    "expected a list of branches, each a list of steps",
                );
                return None;
            };
            if branches.is_empty() {
                c.err(body, &kp, "a parallel step needs at least one branch");
                return None;
            }
            let mut ids = Vec::new();
            for (i, b) in branches.iter().enumerate() {
                let r = routes.len();
                routes.push(Route {
                    steps: Vec::new(),
                    process: rb.process,
                });
                let s = steps(c, rb, b, &format!("{kp}[{i}]"), routes, r);
                if let Some(s) = s {
                    routes[r].steps = s;
                }
                ids.push(r);
            }
            StepKind::Parallel { branches: ids }
        }
        "choose" => {
            let Value::Seq(branches) = &body.value else {
                c.err(
                    body,
                    &kp,
                    "expected a list of branches, each `{p: 0.7, steps: [...]}`",
                );
                return None;
            };
            if branches.is_empty() {
                c.err(body, &kp, "a choose step needs at least one branch");
                return None;
            }
            let mut out = Vec::new();
            let mut total = 0.0;
            let mut ok = true;
            for (i, b) in branches.iter().enumerate() {
                let bp = format!("{kp}[{i}]");
                let Some(bf) = c.map(b, &bp, &["p", "steps"]) else {
                    ok = false;
                    continue;
                };
                let p = c
                    .require(&bf, &bp, "p", "the branch's probability")
                    .and_then(|n| c.probability(n, &join(&bp, "p")));
                let r = routes.len();
                routes.push(Route {
                    steps: Vec::new(),
                    process: rb.process,
                });
                if let Some(sn) = c.require(&bf, &bp, "steps", "the branch's list of steps") {
                    if let Some(s) = steps(c, rb, sn, &join(&bp, "steps"), routes, r) {
                        routes[r].steps = s;
                    }
                }
                match p {
                    Some(p) => {
                        total += p;
                        out.push((total, r));
                    }
                    None => ok = false,
                }
            }
            if ok && (total - 1.0).abs() > 1e-9 {
                c.err(
                    body,
                    &kp,
                    format!(
                        "the branch probabilities sum to {}; they must sum to 1",
                        round6(total)
                    ),
                );
                return None;
            }
            if let Some(last) = out.last_mut() {
                last.0 = 1.0;
            }
            StepKind::Choose { branches: out }
        }
        _ => return None,
    };
    Some(Step {
        id,
        path: path.to_string(),
        stream: name_hash(&stream_name),
        global,
        kind,
    })
}

fn arrivals(
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
        let channel = c.choice(
            f.get("channel"),
            &join(&path, "channel"),
            &[("hall", Channel::Hall), ("online", Channel::Online)],
        );
        let kinds: Vec<&str> = ["rate", "daily", "interarrival", "appointments"]
            .into_iter()
            .filter(|k| f.has(k))
            .collect();
        if kinds.len() != 1 {
            c.err(item, &path, format!("an arrival stream needs exactly one of rate, daily, interarrival, appointments; found {}",
                if kinds.is_empty() { "none".to_string() } else { kinds.join(" and ") }));
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
                            let hint = did_you_mean(name, processes)
                                .map(|s| format!(" (did you mean `{s}`?)"))
                                .unwrap_or_default();
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
                let daily = c.number(kn, &kp).filter(|&d| {
                    if d <= 0.0 {
                        c.err(
                            kn,
                            &kp,
                            "expected arrivals per open day must be greater than 0",
                        );
                    }
                    d > 0.0
                });
                let profile = match f.get("profile") {
                    Some(pn) => profile(c, pn, &join(&path, "profile")),
                    None => Some(vec![(0.0, 1.0)]),
                };
                match (daily, profile) {
                    (Some(daily), Some(profile)) => {
                        let segments = daily_segments(&hours, &profile, daily);
                        let max_rate = segments.iter().map(|s| s.2).fold(0.0, f64::max);
                        if segments.is_empty() {
                            c.err(
                                f.get("profile").unwrap_or(kn),
                                &join(&path, "profile"),
                                "the profile gives no weight inside the opening hours",
                            );
                            None
                        } else if max_rate > MAX_RATE_PER_SECOND {
                            c.err(kn, &kp, format!("{daily} a day gives a peak rate of {max_rate:.0}/s, over the limit of {MAX_RATE_PER_SECOND}/s"));
                            None
                        } else {
                            Some((
                                ArrivalPattern::Poisson { segments },
                                daily / DAY * day_share,
                            ))
                        }
                    }
                    _ => None,
                }
            }
            "interarrival" => c.dist(kn, &kp, false).and_then(|d| {
                if d.working_days() || d.mean() <= 0.0 {
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
            let hint = did_you_mean(name, processes)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
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
pub fn daily_segments(
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

fn appointments(
    c: &mut Checker,
    node: &Node,
    path: &str,
    hours: &[(Seconds, Seconds)],
) -> Option<(ArrivalPattern, f64)> {
    let f = c.map(node, path, &["every", "per_slot", "no_show", "punctuality"])?;
    let every = c
        .require(&f, path, "every", "the slot spacing, e.g. `15min`")
        .and_then(|n| c.positive_clock(n, &join(path, "every")));
    let per_slot = c
        .require(&f, path, "per_slot", "citizens booked per slot")
        .and_then(|n| c.integer(n, &join(path, "per_slot"), 1, 100_000));
    let no_show = match f.get("no_show") {
        Some(n) => c.probability(n, &join(path, "no_show")),
        None => Some(0.0),
    };
    let punctuality = match f.get("punctuality") {
        Some(n) => Some(c.dist(n, &join(path, "punctuality"), true)?),
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

fn targets(c: &mut Checker, node: &Node, pools: &[&str], processes: &[&str]) -> Vec<Target> {
    if node.value == Value::Null {
        return Vec::new();
    }
    let Value::Seq(items) = &node.value else {
        c.err(
            node,
            "targets",
            "expected a list of targets, e.g. [{kpi: wait_min, max: 15}]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("targets[{i}]");
        let Some(f) = c.map(item, &path, &["kpi", "min", "max"]) else {
            continue;
        };
        let kpi = c
            .require(
                &f,
                &path,
                "kpi",
                "the KPI key, e.g. `wait_min` or `pools.NAME.utilization`",
            )
            .and_then(|n| {
                let k = c.string(n, &join(&path, "kpi"))?;
                match crate::kpi::check_key(k, pools, processes) {
                    Ok(()) => Some(k.to_string()),
                    Err(e) => {
                        c.err(n, &join(&path, "kpi"), e);
                        None
                    }
                }
            });
        let min = f.get("min").and_then(|n| c.number(n, &join(&path, "min")));
        let max = f.get("max").and_then(|n| c.number(n, &join(&path, "max")));
        if !f.has("min") && !f.has("max") {
            c.err(item, &path, "a target needs `min`, `max` or both");
            continue;
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                c.err(item, &path, format!("min {a} is above max {b}"));
                continue;
            }
        }
        if let Some(kpi) = kpi {
            out.push(Target {
                kpi,
                min,
                max,
                line: item.line,
            });
        }
    }
    out
}
