//! The `costs:` section: staff cost per server-hour (a default and per
//! pool), the value of a citizen's hour, and the travel time and cost of a
//! visit, in one currency.

use super::checker::{did_you_mean_hint, join, Checker};
use super::node::{Node, Value};
use crate::model::Costs;
use crate::time::Duration;

/// Keys of `costs:`.
pub(crate) const COSTS_KEYS: &[&str] = &[
    "currency",
    "staff_per_hour",
    "citizen_value_per_hour",
    "travel_time",
    "travel_cost",
];

/// Keys of `staff_per_hour:` in its mapping form.
pub(crate) const STAFF_KEYS: &[&str] = &["default", "pools"];

/// The costs, with one staff rate per pool (in `pool_names` order).
pub(super) fn costs(c: &mut Checker, node: &Node, pool_names: &[&str]) -> Option<Costs> {
    let path = "costs";
    let f = c.map(node, path, COSTS_KEYS)?;
    let currency = match f.get("currency") {
        Some(n) => c.string(n, &join(path, "currency")).map(str::to_string),
        None => Some(String::new()),
    };
    let staff_per_hour = match f.get("staff_per_hour") {
        Some(n) => staff(c, n, &join(path, "staff_per_hour"), pool_names),
        None => Some(vec![0.0; pool_names.len()]),
    };
    let amount = |c: &mut Checker, key: &str| match f.get(key) {
        Some(n) => price(c, n, &join(path, key)),
        None => Some(0.0),
    };
    let citizen_value_per_hour = amount(c, "citizen_value_per_hour");
    let travel_cost = amount(c, "travel_cost");
    let travel_time = match f.get("travel_time") {
        Some(n) => match c.duration(n, &join(path, "travel_time"))? {
            Duration::Clock(s) if s >= 0.0 => Some(s),
            Duration::Clock(_) => {
                c.err(n, &join(path, "travel_time"), "must be 0 or more");
                None
            }
            Duration::WorkingDays(_) => {
                c.err(
                    n,
                    &join(path, "travel_time"),
                    "a trip to the hall takes clock time (s, min, h), not working days: it is not counted on the calendar",
                );
                None
            }
        },
        None => Some(0.0),
    };
    Some(Costs {
        currency: currency?,
        staff_per_hour: staff_per_hour?,
        citizen_value_per_hour: citizen_value_per_hour?,
        travel_time: travel_time?,
        travel_cost: travel_cost?,
    })
}

/// A price: a number, 0 or more.
fn price(c: &mut Checker, n: &Node, path: &str) -> Option<f64> {
    let v = c.number(n, path)?;
    if v < 0.0 {
        c.err(n, path, format!("a price must be 0 or more, found {v}"));
        return None;
    }
    Some(v)
}

/// `staff_per_hour: 60` (every pool) or `{default: 60, pools: {windows: 80}}`.
fn staff(c: &mut Checker, n: &Node, path: &str, pool_names: &[&str]) -> Option<Vec<f64>> {
    if !matches!(n.value, Value::Map(_)) {
        return price(c, n, path).map(|v| vec![v; pool_names.len()]);
    }
    let f = c.map(n, path, STAFF_KEYS)?;
    let default = match f.get("default") {
        Some(d) => Some(price(c, d, &join(path, "default"))?),
        None => None,
    };
    let mut rates: Vec<Option<f64>> = vec![default; pool_names.len()];
    let mut ok = true;
    if let Some(pools) = f.get("pools") {
        let pp = join(path, "pools");
        let entries = c.map(pools, &pp, &[])?;
        for (name, v) in &entries.entries {
            let kp = join(&pp, name);
            match pool_names.iter().position(|p| p == name) {
                Some(i) => match price(c, v, &kp) {
                    Some(r) => rates[i] = Some(r),
                    None => ok = false,
                },
                None => {
                    ok = false;
                    let hint = did_you_mean_hint(name, pool_names);
                    c.err(
                        v,
                        &kp,
                        format!(
                            "pool `{name}` is not defined{hint}; defined pools: {}",
                            pool_names.join(", ")
                        ),
                    );
                }
            }
        }
    }
    let missing: Vec<&str> = pool_names
        .iter()
        .zip(&rates)
        .filter(|(_, r)| r.is_none())
        .map(|(p, _)| *p)
        .collect();
    if !missing.is_empty() {
        c.err(
            n,
            path,
            format!(
                "no staff cost for pool(s) {}; give a `default` or list them under `pools`",
                missing.join(", ")
            ),
        );
        return None;
    }
    ok.then(|| rates.into_iter().flatten().collect())
}
