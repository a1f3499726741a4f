//! The terminal table of a staffing: per pool, its intervals (arrivals,
//! servers, the achieved target with its 95% interval, utilization), then
//! staff-hours per open day against the constant staffing.

use super::Staffing;
use std::fmt::Write;

/// The staffing as text for the terminal.
pub fn staffing_table(s: &Staffing) -> String {
    let mut out = String::new();
    let settle = if s.converged {
        "settled"
    } else {
        "did NOT settle"
    };
    let _ = writeln!(
        out,
        "{}: staffing for {} per {}-minute interval ({} replications, seed {})",
        s.scenario, s.target, s.interval_min, s.replications, s.seed
    );
    let _ = writeln!(
        out,
        "ISA {settle} after {} iterations (largest change per iteration: {}); {} local-search rounds; {} simulations",
        s.iterations,
        s.changes.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        s.search_rounds,
        s.simulations
    );
    for p in &s.pools {
        let _ = writeln!(out, "\npool {}", p.pool);
        let _ = writeln!(
            out,
            "{:>6} {:>9} {:>8} {:>22} {:>12}",
            "start",
            "arrivals",
            "servers",
            s.target.kpi.key(),
            "utilization"
        );
        for r in &p.intervals {
            let achieved = r.achieved.map_or("-".to_string(), |e| {
                let mark = if e.mean > s.target.max { " !" } else { "" };
                format!("{:.3} ± {:.3}{mark}", e.mean, e.ci95)
            });
            let util = r
                .utilization
                .map_or("-".to_string(), |u| format!("{:.0}%", u * 100.0));
            let _ = writeln!(
                out,
                "{:>6} {:>9.1} {:>8} {:>22} {:>12}",
                r.start, r.arrivals, r.servers, achieved, util
            );
        }
        let _ = write!(
            out,
            "staff-hours per open day: {:.1}",
            p.staff_hours_per_day
        );
        match (p.constant_servers, p.constant_staff_hours_per_day) {
            (Some(c), Some(h)) => {
                let saving = if h > 0.0 {
                    100.0 * (h - p.staff_hours_per_day) / h
                } else {
                    0.0
                };
                let _ = writeln!(
                    out,
                    "; constant staffing meeting the target: {c} servers, {h:.1} staff-hours (saving {:.1} h, {saving:.0}%)",
                    h - p.staff_hours_per_day
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "; no constant staffing up to the peak + 5 meets the target"
                );
            }
        }
    }
    if !s.meets_target {
        let _ = writeln!(
            out,
            "\nwarning: some intervals (marked !) miss the target in the final simulation"
        );
    }
    out
}
