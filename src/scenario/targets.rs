//! The `targets:` section: bounds on KPI means, checked by `procsim check`.

use super::checker::{join, Checker};
use super::node::{Node, Value};
use crate::model::Target;

/// Keys of one target.
pub(crate) const TARGET_KEYS: &[&str] = &["kpi", "min", "max"];

/// The targets, in file order; KPI keys are checked against the defined
/// `pools` and `processes`.
pub(super) fn targets(
    c: &mut Checker,
    node: &Node,
    pools: &[&str],
    processes: &[&str],
    costs: bool,
) -> Vec<Target> {
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
        let Some(f) = c.map(item, &path, TARGET_KEYS) else {
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
                match crate::kpi::check_key(k, pools, processes, costs) {
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
