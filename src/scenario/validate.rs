//! The validator's entry: walks the top level of the located node tree,
//! hands each section to its module (calendar, pools, processes, arrivals,
//! targets), and assembles the [`Model`] once every problem of the file has
//! been collected.

use super::arrivals::arrivals;
use super::calendar::calendar;
use super::checker::Checker;
use super::costs::costs;
use super::error::ScenarioErrors;
use super::node::Node;
use super::pools::pools;
use super::processes::processes;
use super::targets::targets;
use crate::calendar::Calendar;
use crate::model::{Model, Returns};
use crate::time::{Duration, Seconds, DAY};

/// Keys of the top level of a scenario.
pub(crate) const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "replications",
    "horizon",
    "warmup",
    "drain_limit",
    "returns",
    "calendar",
    "pools",
    "processes",
    "arrivals",
    "targets",
    "costs",
];

/// The words of `returns:`, the default first.
pub(crate) const RETURNS: &[(&str, Returns)] = &[
    ("profile", Returns::Profile),
    ("at_opening", Returns::AtOpening),
];

/// Limits on sizes that keep a run finite.
const MAX_HORIZON: Seconds = 100.0 * 365.0 * DAY;

/// Builds the model, or returns every problem found, of a design assembled from several files (`sources[0]`
/// the one loaded, then its bases), each problem reported in the file that
/// holds its node.
pub(super) fn model_from(root: &Node, sources: &[String]) -> Result<Model, ScenarioErrors> {
    let file = sources.first().map_or("", String::as_str);
    let mut c = Checker::with_sources(file, sources);
    let built = build(&mut c, root);
    c.finish(root, built)
}

/// The top level: run settings, then each section in dependency order
/// (calendar, pools, processes, arrivals, targets).
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
            .integer(n, "replications", 1, i64::from(super::MAX_REPLICATIONS))
            .map(|r| r as u32),
        None => Some(10),
    };
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

    let horizon = c
        .require(
            &top,
            "",
            "horizon",
            "arrivals stop at this time, e.g. `30d` or `20wd`",
        )
        .and_then(|n| {
            let h = instant(c, n, "horizon", &calendar)?;
            if h <= 0.0 {
                c.err(n, "horizon", "must be greater than 0");
                return None;
            }
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
        Some(n) => instant(c, n, "warmup", &calendar).and_then(|w| {
            if w < 0.0 {
                c.err(n, "warmup", "must be 0 or more");
                return None;
            }
            Some(w)
        }),
        None => Some(0.0),
    };
    if let (Some(h), Some(w), Some(n)) = (horizon, warmup, top.get("warmup")) {
        if w >= h {
            c.err(n, "warmup", "the warm-up must end before the horizon");
        }
    }
    let drain_limit = match top.get("drain_limit") {
        Some(n) => instant(c, n, "drain_limit", &calendar),
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

    let returns = c.choice(top.get("returns"), "returns", RETURNS);

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

    let costs = top.get("costs").map(|n| costs(c, n, &pool_names));

    let targets = top
        .get("targets")
        .map(|n| targets(c, n, &pool_names, &process_names, top.has("costs")))
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
        returns: returns?,
        costs: match costs {
            Some(found) => Some(found?),
            None => None,
        },
    })
}

/// A point in time given as a duration from the start: clock units as
/// they are, working days (`wd`) counted on the hall's calendar from the
/// start (`5wd` from a Monday, open 09:00-17:00 on weekdays, is Friday
/// 17:00).
fn instant(c: &mut Checker, n: &Node, path: &str, calendar: &Calendar) -> Option<Seconds> {
    match c.duration(n, path)? {
        Duration::Clock(s) => Some(s),
        Duration::WorkingDays(d) if d < 0.0 => {
            c.err(n, path, "must be 0 or more");
            None
        }
        Duration::WorkingDays(d) => {
            let t = calendar.add_open_time(0.0, d * calendar.working_day());
            if !t.is_finite() {
                c.err(
                    n,
                    path,
                    format!("the calendar does not have {d} working days within the years a run may cover; give a clock duration or fewer working days"),
                );
                return None;
            }
            Some(t)
        }
    }
}
