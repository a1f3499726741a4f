//! Terminal tables: KPIs with their intervals, then pools and processes.

use super::text::{markdown_cell, printable, wrap_columns};
use super::{format_pm, format_value, summary_half_width};
use crate::summary::{KpiEntry, Summary};
use comfy_table::{presets, Cell, CellAlignment, Table};

fn estimate_cells(entry: &KpiEntry, replications: u32) -> Vec<Cell> {
    match entry {
        Some(e) => vec![
            Cell::new(format_value(e.mean)).set_alignment(CellAlignment::Right),
            Cell::new(match summary_half_width(e, replications) {
                Some(h) => format!("± {}", format_value(h)),
                None => "n/a".to_string(),
            })
            .set_alignment(CellAlignment::Right),
            Cell::new(format_value(e.min)).set_alignment(CellAlignment::Right),
            Cell::new(format_value(e.max)).set_alignment(CellAlignment::Right),
        ],
        None => vec![
            Cell::new("–").set_alignment(CellAlignment::Right),
            Cell::new(""),
            Cell::new(""),
            Cell::new(""),
        ],
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    t
}

/// The KPI table of one run: scenario KPIs, then one row per pool and per
/// process KPI, each with mean, 95% half-width, min and max.
pub fn summary_table(s: &Summary) -> String {
    let mut out = format!(
        "{}\n{} replications, seed {} (mean ± 95% CI half-width over replications; – = no data{})\n\n",
        printable(&s.scenario),
        s.replications,
        s.seed,
        if s.replications < 2 {
            "; n/a = no interval from one replication"
        } else {
            ""
        }
    );
    let mut t = new_table(&["KPI", "mean", "95% CI", "min", "max"]);
    for (k, v) in &s.kpis {
        let mut row = vec![Cell::new(k)];
        row.extend(estimate_cells(v, s.replications));
        t.add_row(row);
    }
    out.push_str(&t.to_string());
    out.push_str("\n\nPools\n");
    let mut t = new_table(&["pool", "KPI", "mean", "95% CI", "min", "max"]);
    for (name, m) in &s.pools {
        for (k, v) in m {
            let mut row = vec![Cell::new(printable(name)), Cell::new(k)];
            row.extend(estimate_cells(v, s.replications));
            t.add_row(row);
        }
    }
    out.push_str(&t.to_string());
    out.push_str("\n\nProcesses\n");
    let mut t = new_table(&["process", "KPI", "mean", "95% CI", "min", "max"]);
    for (name, m) in &s.processes {
        for (k, v) in m {
            let mut row = vec![Cell::new(printable(name)), Cell::new(k)];
            row.extend(estimate_cells(v, s.replications));
            t.add_row(row);
        }
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out
}

/// The comparison table: each design against the baseline, KPI by KPI,
/// with the paired difference, its interval, % change and a verdict mark,
/// fitted to `width` columns: when it is wider, the difference column is
/// left out (saying so), then the KPI keys wrap.
pub fn comparison_table(c: &crate::compare::Comparison, color: bool, width: usize) -> String {
    let mut out = String::new();
    for d in &c.designs {
        let paired = d.vs_baseline.values().next().is_some_and(|x| x.paired);
        let pairing = if paired {
            "paired by replication (same citizens)"
        } else {
            "Welch (runs not paired)"
        };
        let legend = if d.vs_baseline.values().all(|x| x.diff_ci95.is_none()) {
            format!("{pairing}; no intervals and no verdicts: they need at least 2 replications")
        } else {
            format!("intervals are 95%, {pairing}; ▲ better, ▼ worse (significant), ~ changed (no better direction)")
        };
        let head = format!(
            "{}  vs  baseline {}\n{} replications; {legend}",
            printable(&d.summary.scenario),
            printable(&c.baseline.scenario),
            d.summary.replications,
        );
        out.push_str(&wrap_columns(&head, width));
        out.push('\n');
        let mut t = design_table(d, color, true);
        if table_width(&t) > width {
            t = design_table(d, color, false);
            out.push_str(&wrap_columns(&format!(
                "(the `difference ± 95% CI` column is left out to fit {width} columns; widen the terminal, set COLUMNS, or use --json)"
            ), width));
            out.push('\n');
        }
        if table_width(&t) > width {
            t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
            t.set_width(width.try_into().unwrap_or(u16::MAX));
        }
        out.push_str(&t.to_string());
        out.push_str("\n\n");
    }
    out
}

/// The display width of a rendered table: its top border's length.
fn table_width(t: &Table) -> usize {
    t.to_string()
        .lines()
        .next()
        .map_or(0, |l| l.chars().count())
}

/// One design's rows, with or without the difference column.
fn design_table(d: &crate::compare::DesignComparison, color: bool, difference: bool) -> Table {
    use crate::compare::Verdict;
    use comfy_table::Color;
    let mut header = vec!["KPI", "baseline", "design"];
    if difference {
        header.push("difference");
    }
    header.extend(["change", ""]);
    let mut t = new_table(&header);
    if color {
        // Colour was decided by the caller (--color): not comfy-table's
        // own check of whether stdout is a terminal.
        t.enforce_styling();
    }
    for (key, diff) in &d.vs_baseline {
        let (mark, col) = match diff.verdict(key) {
            Verdict::Better => ("▲ better", Some(Color::Green)),
            Verdict::Worse => ("▼ worse", Some(Color::Red)),
            Verdict::Changed => ("~", None),
            Verdict::Same => ("", None),
        };
        let mut mark_cell = Cell::new(mark);
        if let (true, Some(col)) = (color, col) {
            mark_cell = mark_cell.fg(col);
        }
        let mut row = vec![
            Cell::new(key),
            Cell::new(format_value(diff.before)).set_alignment(CellAlignment::Right),
            Cell::new(format_value(diff.after)).set_alignment(CellAlignment::Right),
        ];
        if difference {
            row.push(
                Cell::new(format!(
                    "{} {}",
                    format_value(diff.diff),
                    format_pm(diff.diff_ci95)
                ))
                .set_alignment(CellAlignment::Right),
            );
        }
        row.push(
            Cell::new(
                diff.change_pct
                    .map(|p| format!("{p:+.1}%"))
                    .unwrap_or_default(),
            )
            .set_alignment(CellAlignment::Right),
        );
        row.push(mark_cell);
        t.add_row(row);
    }
    t
}

/// The comparison as a Markdown table (for READMEs): one row per KPI, the
/// baseline's mean, then each design's mean with its change and the paired
/// 95% interval of the change.
pub fn comparison_markdown(c: &crate::compare::Comparison, keys: &[String]) -> String {
    let mut out = String::from("| KPI | ");
    out.push_str(&markdown_cell(&c.baseline.scenario));
    for d in &c.designs {
        out.push_str(&format!(" | {}", markdown_cell(&d.summary.scenario)));
    }
    out.push_str(" |\n|---|---:|");
    for _ in &c.designs {
        out.push_str("---:|");
    }
    out.push('\n');
    for key in keys {
        let Some(Some(base)) = c.baseline.get(key) else {
            continue;
        };
        out.push_str(&format!(
            "| `{key}` | {} {}",
            format_value(base.mean),
            format_pm(summary_half_width(base, c.baseline.replications))
        ));
        for d in &c.designs {
            match d.vs_baseline.get(key) {
                Some(x) => {
                    let change = match (x.change_pct, x.change_pct_ci95()) {
                        (Some(p), Some((lo, hi))) => format!(" ({p:+.0}%, {lo:+.0}% to {hi:+.0}%)"),
                        (Some(p), None) => format!(" ({p:+.0}%, CI n/a)"),
                        _ => String::new(),
                    };
                    let mark = match x.verdict(key) {
                        crate::compare::Verdict::Better => " ▲",
                        crate::compare::Verdict::Worse => " ▼",
                        _ => "",
                    };
                    out.push_str(&format!(" | {}{change}{mark}", format_value(x.after)));
                }
                None => out.push_str(" | –"),
            }
        }
        out.push_str(" |\n");
    }
    out
}

/// The sweep as a table, with the planner's answer.
pub fn sweep_table(s: &crate::sweep::Sweep, has_targets: bool) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    let mut header = vec![Cell::new(printable(&s.key))];
    header.extend(s.kpis.iter().map(Cell::new));
    if has_targets {
        header.push(Cell::new("targets"));
    }
    t.set_header(header);
    for p in &s.points {
        let mut row = vec![Cell::new(printable(&p.value))];
        for e in &p.kpis {
            row.push(
                Cell::new(
                    e.map(|e| format!("{} ± {}", format_value(e.mean), format_value(e.ci95)))
                        .unwrap_or("–".into()),
                )
                .set_alignment(CellAlignment::Right),
            );
        }
        if has_targets {
            row.push(Cell::new(match (&p.overloaded, p.meets_targets) {
                (Some(_), _) => "overloaded",
                (None, Some(true)) => "all met",
                (None, Some(false)) => "missed",
                (None, None) => "",
            }));
        }
        t.add_row(row);
    }
    let mut out = format!(
        "{}: sweep of {} (mean ± 95% CI)\n{t}\n",
        printable(&s.scenario),
        printable(&s.key)
    );
    for p in &s.points {
        if let Some(why) = &p.overloaded {
            out.push_str(&format!("{}={}: {why}\n", s.key, p.value));
        }
    }
    if has_targets {
        match &s.smallest_meeting_targets {
            Some(v) => out.push_str(&format!("the smallest value meeting every target is {v}\n")),
            None => out.push_str("no value meets every target\n"),
        }
    }
    out
}
