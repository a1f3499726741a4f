//! The `pools:` section: servers (a count or a schedule by time of day),
//! opening hours, queue discipline and what happens at closing.

use super::checker::{join, named_entries, Checker};
use super::node::{Node, Value};
use crate::calendar::{Calendar, OpenDays};
use crate::model::{AtClose, Discipline, Pool, Servers};
use crate::time::{self, Seconds, DAY};
use std::sync::Arc;

/// Keys of one pool.
pub(crate) const POOL_KEYS: &[&str] = &["servers", "hours", "discipline", "at_close"];

/// Words of `discipline`, the default first.
pub(crate) const DISCIPLINES: &[(&str, Discipline)] = &[
    ("fifo", Discipline::Fifo),
    ("priority", Discipline::Priority),
];

/// Words of `at_close`, the default first.
pub(crate) const AT_CLOSE: &[(&str, AtClose)] = &[
    ("finish", AtClose::Finish),
    ("send_home", AtClose::SendHome),
];

/// Most servers a pool may have at once; keeps a run finite.
const MAX_SERVERS: i64 = 100_000;

/// The pools, in file order; a pool without its own `hours` follows the
/// hall's calendar `hall`; every pool shares the open `days`.
pub(super) fn pools(
    c: &mut Checker,
    node: &Node,
    hall: &Calendar,
    days: &Arc<OpenDays>,
) -> Vec<Pool> {
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
            .and_then(|n| servers(c, n, &join(&path, "servers")));
        let calendar = match f.get("hours") {
            Some(n) => c
                .hours(n, &join(&path, "hours"))
                .map(|h| Calendar::new(days.clone(), h)),
            None => Some(hall.clone()),
        };
        let discipline = c.choice(f.get("discipline"), &join(&path, "discipline"), DISCIPLINES);
        let at_close = c.choice(f.get("at_close"), &join(&path, "at_close"), AT_CLOSE);
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

/// `servers:`, a count or a schedule `{"09:00": 8, "10:00": 14}`.
fn servers(c: &mut Checker, n: &Node, p: &str) -> Option<Servers> {
    match &n.value {
        Value::Map(_) => {
            let sf = c.map(n, p, &[])?;
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
                    p,
                    "the schedule is empty; give at least one time and count",
                );
                return None;
            }
            schedule.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(Servers::Schedule(schedule))
        }
        _ => c
            .integer(n, p, 0, MAX_SERVERS)
            .map(|s| Servers::Fixed(s as u32)),
    }
}
