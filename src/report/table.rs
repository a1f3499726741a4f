//! Terminal tables: KPIs with their intervals, then pools and processes.

use super::format_value;
use crate::summary::{KpiEntry, Summary};
use comfy_table::{presets, Cell, CellAlignment, Table};

fn estimate_cells(entry: &KpiEntry) -> Vec<Cell> {
    match entry {
        Some(e) => vec![
            Cell::new(format_value(e.mean)).set_alignment(CellAlignment::Right),
            Cell::new(format!("± {}", format_value(e.ci95))).set_alignment(CellAlignment::Right),
            Cell::new(format_value(e.min)).set_alignment(CellAlignment::Right),
            Cell::new(format_value(e.max)).set_alignment(CellAlignment::Right),
        ],
        None => vec![Cell::new("–").set_alignment(CellAlignment::Right), Cell::new(""), Cell::new(""), Cell::new("")],
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    t.set_header(header.iter().map(|h| Cell::new(h)).collect::<Vec<_>>());
    t
}

/// The KPI table of one run: scenario KPIs, then one row per pool and per
/// process KPI, each with mean, 95% half-width, min and max.
pub fn summary_table(s: &Summary) -> String {
    let mut out = format!(
        "{}\n{} replications, seed {} (mean ± 95% CI half-width over replications; – = no data)\n\n",
        s.scenario, s.replications, s.seed
    );
    let mut t = new_table(&["KPI", "mean", "95% CI", "min", "max"]);
    for (k, v) in &s.kpis {
        let mut row = vec![Cell::new(k)];
        row.extend(estimate_cells(v));
        t.add_row(row);
    }
    out.push_str(&t.to_string());
    out.push_str("\n\nPools\n");
    let mut t = new_table(&["pool", "KPI", "mean", "95% CI", "min", "max"]);
    for (name, m) in &s.pools {
        for (k, v) in m {
            let mut row = vec![Cell::new(name), Cell::new(k)];
            row.extend(estimate_cells(v));
            t.add_row(row);
        }
    }
    out.push_str(&t.to_string());
    out.push_str("\n\nProcesses\n");
    let mut t = new_table(&["process", "KPI", "mean", "95% CI", "min", "max"]);
    for (name, m) in &s.processes {
        for (k, v) in m {
            let mut row = vec![Cell::new(name), Cell::new(k)];
            row.extend(estimate_cells(v));
            t.add_row(row);
        }
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}
