//! The KPI vocabulary of `cli.md`: keys, units, and which way is better.
//!
//! KPI keys are dotted paths, the same in targets, summaries and comparisons:
//! `wait_min` (scenario level), `pools.NAME.utilization`,
//! `processes.NAME.lead_time_wd`.

/// Which direction of change is an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (waits, lead times, abandonment).
    Lower,
    /// Higher is better (on-time rate, throughput, completions).
    Higher,
    /// Neither (arrivals, utilization, served counts).
    Neutral,
}

/// Scenario-level KPIs, in output order.
pub const SCENARIO_KPIS: &[&str] = &[
    "arrived",
    "completed",
    "abandoned",
    "unfinished",
    "abandon_rate",
    "wait_min",
    "wait_p50_min",
    "wait_p90_min",
    "wait_p95_min",
    "hall_min",
    "visits",
    "lead_time_min",
    "lead_time_wd",
    "lead_time_p90_wd",
    "on_time_rate",
    "throughput_per_day",
    "overtime_min",
];

/// Pool-level KPIs, in output order.
pub const POOL_KPIS: &[&str] = &[
    "utilization",
    "wait_min",
    "wait_p90_min",
    "queue_mean",
    "queue_max",
    "served",
];

/// Process-level KPIs, in output order.
pub const PROCESS_KPIS: &[&str] = &[
    "arrived",
    "completed",
    "wait_min",
    "lead_time_min",
    "lead_time_wd",
    "visits",
    "on_time_rate",
];

/// The better direction of a KPI, from its last key segment.
pub fn better(key: &str) -> Better {
    let name = key.rsplit('.').next().unwrap_or(key);
    match name {
        "on_time_rate" | "throughput_per_day" | "completed" => Better::Higher,
        "arrived" | "utilization" | "served" => Better::Neutral,
        _ => Better::Lower,
    }
}

/// Splits a dotted KPI key into (level, name, kpi): `("pools", Some("hall"), "wait_min")`,
/// or `("kpis", None, "wait_min")` for scenario KPIs. Pool and process names may
/// contain dots only if no level prefix is ambiguous; the last segment is the KPI.
pub fn split_key(key: &str) -> Option<(&str, Option<&str>, &str)> {
    for level in ["pools", "processes"] {
        if let Some(rest) = key.strip_prefix(level).and_then(|r| r.strip_prefix('.')) {
            let (name, kpi) = rest.rsplit_once('.')?;
            return Some((level, Some(name), kpi));
        }
    }
    let key = key.strip_prefix("kpis.").unwrap_or(key);
    Some(("kpis", None, key))
}

/// Checks that `key` names a KPI for the given pool and process names;
/// returns a message saying what would be right otherwise.
pub fn check_key(key: &str, pools: &[&str], processes: &[&str]) -> Result<(), String> {
    let Some((level, name, kpi)) = split_key(key) else {
        return Err(format!("`{key}` is not a KPI key; write e.g. `wait_min`, `pools.NAME.utilization` or `processes.NAME.lead_time_wd`"));
    };
    let (known_names, kpis): (&[&str], &[&str]) = match level {
        "pools" => (pools, POOL_KPIS),
        "processes" => (processes, PROCESS_KPIS),
        _ => (&[], SCENARIO_KPIS),
    };
    if let Some(name) = name {
        if !known_names.contains(&name) {
            return Err(format!(
                "`{key}` names {level} `{name}`, which is not defined; defined: {}",
                known_names.join(", ")
            ));
        }
    }
    if !kpis.contains(&kpi) {
        let hint = crate::suggest::did_you_mean(kpi, kpis)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let level = if level == "kpis" { "scenario" } else { level };
        return Err(format!(
            "unknown KPI `{kpi}` in `{key}`{hint}; {level} KPIs are: {}",
            kpis.join(", ")
        ));
    }
    Ok(())
}
