//! The `processes:` section: each process's route of steps (see
//! [`super::steps`]), its priority and its promised time limit.

use super::checker::{did_you_mean_hint, join, named_entries, Checker};
use super::node::{Node, Value};
use super::steps::steps;
use crate::model::{Process, ProcessId, Route, StepRef, TimeLimit};
use std::collections::BTreeMap;

/// Keys of one process.
pub(crate) const PROCESS_KEYS: &[&str] = &["time_limit", "priority", "steps"];

/// Keys of `time_limit:` in its long form (the short form is a duration).
pub(crate) const TIME_LIMIT_KEYS: &[&str] = &["limit", "from"];

/// State while building the routes of one process.
pub(super) struct RouteBuilder<'p> {
    /// The process being built.
    pub(super) process: ProcessId,
    /// Its name, for messages and unnamed steps' random streams.
    pub(super) process_name: String,
    /// Every pool's name, by id.
    pub(super) pool_names: &'p [&'p str],
    /// Step ids seen in this process: id -> (route, position, global).
    pub(super) ids: BTreeMap<String, StepRef>,
    /// Global number of the next step (counted across processes).
    pub(super) next_global: usize,
    /// Per-case step counters so far (reworks and retries, counted across processes).
    pub(super) step_counters: usize,
}

/// The processes, in file order; their routes go to `routes` (process `i`
/// has route `i`, branches come after the main routes).
pub(super) fn processes(
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
    let mut step_counters = 0;
    let mut out = Vec::new();
    for (i, (name, _key, body)) in entries.iter().enumerate() {
        let path = format!("processes.{name}");
        let mut rb = RouteBuilder {
            process: i,
            process_name: name.to_string(),
            pool_names,
            ids: BTreeMap::new(),
            next_global,
            step_counters,
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
        step_counters = rb.step_counters;
        out.push(Process {
            name: name.to_string(),
            route: i,
            time_limit,
            priority,
        });
    }
    out
}

/// `time_limit:`, a duration or `{limit, from}` where `from` is a step id
/// of this process.
fn time_limit_of(c: &mut Checker, node: &Node, path: &str, rb: &RouteBuilder) -> Option<TimeLimit> {
    let (limit_node, from) = match &node.value {
        Value::Map(_) => {
            let f = c.map(node, path, TIME_LIMIT_KEYS)?;
            let limit = c.require(&f, path, "limit", "the promised duration, e.g. `5wd`")?;
            let from = match f.get("from") {
                Some(n) => {
                    let id = c.string(n, &join(path, "from"))?;
                    match rb.ids.get(id) {
                        Some(r) => Some(*r),
                        None => {
                            let ids: Vec<&str> = rb.ids.keys().map(String::as_str).collect();
                            let hint = did_you_mean_hint(id, &ids);
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
