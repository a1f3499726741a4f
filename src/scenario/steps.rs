//! Steps of a process route, one builder per kind: `serve`, `work`, `wait`,
//! `rework`, `parallel`, `choose`. A step is a mapping with exactly one kind
//! key, an optional `id`, and the keys its kind takes.
//!
//! [`Kind`] lists the kinds as spelled in a file; its matches, and
//! [`Kind::of`] on a built [`StepKind`], are exhaustive, so a new step kind
//! in the model fails to compile here until the validator handles it.

use super::checker::{did_you_mean_hint, join, round6, Checker, Fields};
use super::node::{Node, Value};
use super::processes::RouteBuilder;
use crate::dist::Dist;
use crate::model::{PoolId, Retry, Route, RouteId, Step, StepKind, StepRef};
use crate::rng::name_hash;

/// A step kind as spelled in a file: one per [`StepKind`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `serve: pool` (or a list of pools).
    Serve,
    /// `work: pool`.
    Work,
    /// `wait: dist`.
    Wait,
    /// `rework: {p, after, to, max_rework}`.
    Rework,
    /// `parallel: [[steps], ...]`.
    Parallel,
    /// `choose: [{p, steps}, ...]`.
    Choose,
}

impl Kind {
    /// Every kind, in the order messages list them.
    pub(crate) const ALL: [Kind; 6] = [
        Kind::Serve,
        Kind::Work,
        Kind::Wait,
        Kind::Rework,
        Kind::Parallel,
        Kind::Choose,
    ];

    /// The kind key.
    pub(crate) const fn key(self) -> &'static str {
        match self {
            Kind::Serve => "serve",
            Kind::Work => "work",
            Kind::Wait => "wait",
            Kind::Rework => "rework",
            Kind::Parallel => "parallel",
            Kind::Choose => "choose",
        }
    }

    /// The other keys a step of this kind takes, beside its kind key.
    pub(crate) const fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Serve => SERVE_KEYS,
            Kind::Work => WORK_KEYS,
            // `max_rework` is "a key of the rework step": accepted beside
            // `rework:` as well as inside it.
            Kind::Rework => REWORK_STEP_KEYS,
            Kind::Wait | Kind::Parallel | Kind::Choose => ID_KEY,
        }
    }

    /// The kind of a built step (ties [`Kind`] to the model's [`StepKind`]).
    fn of(step: &StepKind) -> Kind {
        match step {
            StepKind::Serve { .. } => Kind::Serve,
            StepKind::Work { .. } => Kind::Work,
            StepKind::Wait { .. } => Kind::Wait,
            StepKind::Rework { .. } => Kind::Rework,
            StepKind::Parallel { .. } => Kind::Parallel,
            StepKind::Choose { .. } => Kind::Choose,
        }
    }
}

/// The kind keys, in the order of [`Kind::ALL`].
pub(crate) const STEP_KINDS: [&str; Kind::ALL.len()] = {
    let mut keys = [""; Kind::ALL.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = Kind::ALL[i].key();
        i += 1;
    }
    keys
};

/// Keys of a step with no key but its kind's: `wait`, `parallel`, `choose`.
const ID_KEY: &[&str] = &["id"];
/// Keys of a `serve` step beside `serve`.
const SERVE_KEYS: &[&str] = &["id", "time", "patience", "balk_at"];
/// Keys of a `work` step beside `work`.
const WORK_KEYS: &[&str] = &["id", "time"];
/// Keys of a `rework` step beside `rework`.
const REWORK_STEP_KEYS: &[&str] = &["id", "max_rework"];
/// Keys inside `rework:`.
pub(crate) const REWORK_KEYS: &[&str] = &["p", "after", "to", "max_rework"];
/// Keys of one branch of `choose:` (`name` only labels it, so a patch
/// can change the branch's share by name).
pub(crate) const CHOOSE_BRANCH_KEYS: &[&str] = &["name", "p", "steps"];

/// Every key some step takes: the other keys of each kind (without
/// repeats, in kind order), then the kind keys.
fn step_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = Vec::new();
    for kind in Kind::ALL {
        for k in kind.keys() {
            if !keys.contains(k) {
                keys.push(k);
            }
        }
    }
    keys.extend_from_slice(&STEP_KINDS);
    keys
}

/// A list of steps making route `route`; `None` if any step is broken.
pub(super) fn steps(
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

/// The step being built: its fields, its key path, and the value under its
/// kind key with that key's path.
struct Site<'n, 'a> {
    fields: &'a Fields<'n>,
    path: &'a str,
    body: &'n Node,
    kp: String,
}

/// One step at position `pos` of route `route`; `earlier` holds the ids of
/// the steps before it in the route (the targets a rework may go back to).
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
    let f = c.map(node, path, &step_keys())?;
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| f.has(k.key())).collect();
    let [kind] = kinds[..] else {
        let msg = if kinds.is_empty() {
            format!(
                "a step needs exactly one kind key: one of {}",
                STEP_KINDS.join(", ")
            )
        } else {
            let found: Vec<&str> = kinds.iter().map(|k| k.key()).collect();
            format!(
                "a step has exactly one kind key, found {}: split it into separate steps",
                found.join(" and ")
            )
        };
        c.err(node, path, msg);
        return None;
    };
    let valid_extra = kind.keys();
    for (k, v) in &f.entries {
        if !STEP_KINDS.contains(k) && !valid_extra.contains(k) {
            c.err(
                v,
                &join(path, k),
                format!(
                    "`{k}` does not belong to a `{}` step; it takes {}",
                    kind.key(),
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
    let site = Site {
        fields: &f,
        path,
        body: f.get(kind.key())?,
        kp: join(path, kind.key()),
    };
    let built = match kind {
        Kind::Serve => serve(c, rb, &site),
        Kind::Work => work(c, rb, &site),
        Kind::Wait => wait(c, &site),
        Kind::Rework => rework(c, rb, &site, earlier),
        Kind::Parallel => parallel(c, rb, &site, routes),
        Kind::Choose => choose(c, rb, &site, routes),
    }?;
    debug_assert_eq!(Kind::of(&built), kind);
    Some(Step {
        id,
        path: path.to_string(),
        stream: name_hash(&stream_name),
        global,
        kind: built,
    })
}

/// A pool name, resolved to its id.
fn resolve_pool(c: &mut Checker, pool_names: &[&str], n: &Node, p: &str) -> Option<PoolId> {
    let name = c.string(n, p)?;
    match pool_names.iter().position(|x| *x == name) {
        Some(i) => Some(i),
        None => {
            let hint = did_you_mean_hint(name, pool_names);
            c.err(
                n,
                p,
                format!(
                    "pool `{name}` is not defined{hint}; defined pools: {}",
                    pool_names.join(", ")
                ),
            );
            None
        }
    }
}

/// The required `time:` of a `serve` step (clock time: the citizen is
/// there) or a `work` step (effort in the pool's open hours, so also `wd`:
/// one working day of the pool's calendar).
fn time_of(c: &mut Checker, s: &Site, what: &str, working_days: bool) -> Option<Dist> {
    let n = c.require(s.fields, s.path, "time", what)?;
    let path = join(s.path, "time");
    if working_days {
        return c.dist(n, &path, false);
    }
    c.clock_dist(
        n,
        &path,
        "a service is clock time with the citizen at the window; working days (wd) count only open hours and fit `work`, `wait` and `rework` delays",
    )
}

/// `serve: pool` (or a list of pools), `time`, optional `patience` and `balk_at`.
fn serve(c: &mut Checker, rb: &mut RouteBuilder, s: &Site) -> Option<StepKind> {
    let (body, kp) = (s.body, &s.kp);
    let pools = match &body.value {
        Value::Seq(items) => {
            if items.is_empty() {
                c.err(body, kp, "the pool list is empty; name at least one pool");
                return None;
            }
            let mut v = Vec::new();
            for (i, it) in items.iter().enumerate() {
                v.push(resolve_pool(c, rb.pool_names, it, &format!("{kp}[{i}]")));
            }
            v.into_iter().collect::<Option<Vec<_>>>()
        }
        _ => resolve_pool(c, rb.pool_names, body, kp).map(|p| vec![p]),
    };
    let time = time_of(c, s, "the service time, e.g. `{exp: 5min}`", false);
    let (patience, renege_retry) = match s.fields.get("patience") {
        Some(n) => patience(c, rb, n, &join(s.path, "patience"))?,
        None => (None, None),
    };
    let (balk_at, balk_retry) = match s.fields.get("balk_at") {
        Some(n) => balk_at(c, rb, n, &join(s.path, "balk_at"))?,
        None => (None, None),
    };
    Some(StepKind::Serve {
        pools: pools?,
        time: time?,
        patience,
        balk_at,
        renege_retry,
        balk_retry,
    })
}

/// Keys of the long form of `patience`.
pub(crate) const PATIENCE_KEYS: &[&str] = &["time", "retry"];
/// Keys of the long form of `balk_at`.
pub(crate) const BALK_KEYS: &[&str] = &["queue", "retry"];
/// Keys of a `retry`.
pub(crate) const RETRY_KEYS: &[&str] = &["p", "after", "max"];

/// Why patience is in clock units.
const PATIENCE_CLOCK: &str = "patience runs on the clock while the citizen waits in the hall; working days (wd) count only open hours";

/// `patience: DIST` (gone for good) or `patience: {time: DIST, retry: RETRY}`.
fn patience(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    node: &Node,
    path: &str,
) -> Option<(Option<Dist>, Option<Box<Retry>>)> {
    if !is_long_form(node, PATIENCE_KEYS) {
        return Some((Some(c.clock_dist(node, path, PATIENCE_CLOCK)?), None));
    }
    let f = c.map(node, path, PATIENCE_KEYS)?;
    let time = c
        .require(
            &f,
            path,
            "time",
            "how long a citizen waits before leaving, e.g. `{exp: 40min}`",
        )
        .and_then(|n| c.clock_dist(n, &join(path, "time"), PATIENCE_CLOCK));
    let retry = f
        .get("retry")
        .map(|n| retry(c, rb, n, &join(path, "retry")));
    Some((Some(time?), retry.flatten().map(Box::new)))
}

/// `balk_at: N` (gone for good) or `balk_at: {queue: N, retry: RETRY}`.
fn balk_at(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    node: &Node,
    path: &str,
) -> Option<(Option<u32>, Option<Box<Retry>>)> {
    let queue =
        |c: &mut Checker, n: &Node, p: &str| c.integer(n, p, 0, 10_000_000).map(|q| q as u32);
    if !matches!(node.value, Value::Map(_)) {
        return Some((Some(queue(c, node, path)?), None));
    }
    let f = c.map(node, path, BALK_KEYS)?;
    let at = c
        .require(
            &f,
            path,
            "queue",
            "the number already waiting at which an arriving citizen leaves",
        )
        .and_then(|n| queue(c, n, &join(path, "queue")));
    let retry = f
        .get("retry")
        .map(|n| retry(c, rb, n, &join(path, "retry")));
    Some((Some(at?), retry.flatten().map(Box::new)))
}

/// Whether a mapping uses the long form's keys (a distribution's family
/// key, `exp` or `uniform`, is none of them).
fn is_long_form(node: &Node, keys: &[&str]) -> bool {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .any(|(k, _)| matches!(&k.value, Value::Str(k) if keys.contains(&k.as_str()))),
        _ => false,
    }
}

/// `retry: {p, after, max}`: the citizen comes back with probability `p`
/// after `after`, at most `max` times (default 1).
fn retry(c: &mut Checker, rb: &mut RouteBuilder, node: &Node, path: &str) -> Option<Retry> {
    let f = c.map(node, path, RETRY_KEYS)?;
    let p = c
        .require(
            &f,
            path,
            "p",
            "the probability that a citizen who gave up comes back",
        )
        .and_then(|n| c.probability(n, &join(path, "p")));
    let after = c
        .require(
            &f,
            path,
            "after",
            "the delay before coming back, e.g. `{uniform: {min: 1d, max: 3d}}`",
        )
        .and_then(|n| c.dist(n, &join(path, "after"), false));
    let max = match f.get("max") {
        Some(n) => c.integer(n, &join(path, "max"), 0, 255).map(|m| m as u32),
        None => Some(1),
    };
    let counter = rb.step_counters;
    rb.step_counters += 1;
    Some(Retry {
        p: p?,
        after: after?,
        max: max?,
        counter,
    })
}

/// `work: pool` and `time`.
fn work(c: &mut Checker, rb: &RouteBuilder, s: &Site) -> Option<StepKind> {
    let pool = resolve_pool(c, rb.pool_names, s.body, &s.kp);
    let time = time_of(c, s, "the effort, e.g. `{exp: 4h}` or `2wd`", true);
    Some(StepKind::Work {
        pool: pool?,
        time: time?,
    })
}

/// `wait: dist`.
fn wait(c: &mut Checker, s: &Site) -> Option<StepKind> {
    Some(StepKind::Wait {
        time: c.dist(s.body, &s.kp, false)?,
    })
}

/// `rework: {p, after, to, max_rework}` (`max_rework` may also sit beside
/// `rework:`); `to` names one of the `earlier` steps.
fn rework(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    s: &Site,
    earlier: &[(String, usize)],
) -> Option<StepKind> {
    let (body, kp, f, path) = (s.body, &s.kp, s.fields, s.path);
    let rf = c.map(body, kp, REWORK_KEYS)?;
    let p = c
        .require(&rf, kp, "p", "the probability of rework, below 1")
        .and_then(|n| {
            let p = c.probability(n, &join(kp, "p"))?;
            if p >= 1.0 {
                c.err(
                    n,
                    &join(kp, "p"),
                    "rework p must be below 1, or cases would loop forever",
                );
                return None;
            }
            Some(p)
        });
    let after = c
        .require(
            &rf,
            kp,
            "after",
            "the delay before the citizen returns, e.g. `{uniform: {min: 1d, max: 3d}}`",
        )
        .and_then(|n| c.dist(n, &join(kp, "after"), false));
    let to = c
        .require(&rf, kp, "to", "the id of an earlier step of this route")
        .and_then(|n| {
            let target = c.string(n, &join(kp, "to"))?;
            match earlier.iter().find(|(id, _)| id == target) {
                Some((_, pos)) => Some(*pos),
                None => {
                    let names: Vec<&str> = earlier.iter().map(|(s, _)| s.as_str()).collect();
                    let list = if names.is_empty() {
                        "none (give the target step an `id`)".to_string()
                    } else {
                        names.join(", ")
                    };
                    c.err(
                        n,
                        &join(kp, "to"),
                        format!("`{target}` is not an earlier step of this route; earlier step ids: {list}"),
                    );
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
            .integer(n, &join(kp, "max_rework"), 0, 1000)
            .map(|m| m as u32),
        (None, Some(n)) => c
            .integer(n, &join(path, "max_rework"), 0, 1000)
            .map(|m| m as u32),
        (None, None) => Some(10),
    };
    let index = rb.step_counters;
    rb.step_counters += 1;
    Some(StepKind::Rework {
        p: p?,
        after: after?,
        to: to?,
        max_rework: max_rework?,
        index,
    })
}

/// `parallel: [[steps], ...]`: one new route per branch.
fn parallel(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    s: &Site,
    routes: &mut Vec<Route>,
) -> Option<StepKind> {
    let (body, kp) = (s.body, &s.kp);
    let Value::Seq(branches) = &body.value else {
        c.err(
            body,
            kp,
            "expected a list of branches, each a list of steps",
        );
        return None;
    };
    if branches.is_empty() {
        c.err(body, kp, "a parallel step needs at least one branch");
        return None;
    }
    let ids = branches
        .iter()
        .enumerate()
        .map(|(i, b)| branch_route(c, rb, Some(b), &format!("{kp}[{i}]"), routes))
        .collect();
    Some(StepKind::Parallel { branches: ids })
}

/// A new route of the process for one branch of a `parallel` or `choose`
/// step, holding the branch's steps (`node`; none when missing, already
/// reported); returns its id.
fn branch_route(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    node: Option<&Node>,
    path: &str,
    routes: &mut Vec<Route>,
) -> RouteId {
    let r = routes.len();
    routes.push(Route {
        steps: Vec::new(),
        process: rb.process,
    });
    if let Some(s) = node.and_then(|n| steps(c, rb, n, path, routes, r)) {
        routes[r].steps = s;
    }
    r
}

/// `choose: [{p, steps}, ...]`: one new route per branch; the
/// probabilities sum to 1.
fn choose(
    c: &mut Checker,
    rb: &mut RouteBuilder,
    s: &Site,
    routes: &mut Vec<Route>,
) -> Option<StepKind> {
    let (body, kp) = (s.body, &s.kp);
    let Value::Seq(branches) = &body.value else {
        c.err(
            body,
            kp,
            "expected a list of branches, each `{p: 0.7, steps: [...]}`",
        );
        return None;
    };
    if branches.is_empty() {
        c.err(body, kp, "a choose step needs at least one branch");
        return None;
    }
    let mut out = Vec::new();
    let mut total = 0.0;
    let mut ok = true;
    for (i, b) in branches.iter().enumerate() {
        let bp = format!("{kp}[{i}]");
        let Some(bf) = c.map(b, &bp, CHOOSE_BRANCH_KEYS) else {
            ok = false;
            continue;
        };
        if let Some(n) = bf.get("name") {
            c.string(n, &join(&bp, "name"));
        }
        let p = c
            .require(&bf, &bp, "p", "the branch's probability")
            .and_then(|n| c.probability(n, &join(&bp, "p")));
        let sn = c.require(&bf, &bp, "steps", "the branch's list of steps");
        let r = branch_route(c, rb, sn, &join(&bp, "steps"), routes);
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
            kp,
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
    Some(StepKind::Choose { branches: out })
}

#[cfg(test)]
mod tests {
    use super::{step_keys, Kind, STEP_KINDS};
    use crate::scenario::load_str;

    /// The messages listing step keys, in full (the list is built from
    /// [`Kind`], so its order is pinned here).
    #[test]
    fn messages_list_the_step_keys_in_order() {
        let yaml = "name: x\nhorizon: 1d\npools: {desk: {servers: 1}}\n\
                    processes: {p: {steps: [{wait: 1h, time: 5min}, {}]}}\n\
                    arrivals: [{rate: 1/h, process: p}]\n";
        let text = load_str(yaml, "x.yaml").unwrap_err().to_string();
        assert!(
            text.contains(
                "processes.p.steps[0].time: `time` does not belong to a `wait` step; it takes id"
            ),
            "{text}"
        );
        assert!(
            text.contains("processes.p.steps[1]: a step needs exactly one kind key: one of serve, work, wait, rework, parallel, choose"),
            "{text}"
        );
        assert_eq!(
            step_keys().join(", "),
            "id, time, patience, balk_at, max_rework, serve, work, wait, rework, parallel, choose"
        );
        assert_eq!(STEP_KINDS.len(), Kind::ALL.len());
    }
}
