//! Reports: one data model (summaries, comparisons), many exporters. Every
//! exporter returns a string or bytes so tests can pin them; writing files
//! happens in [`files`], atomically.

pub mod chart;
pub mod check;
pub mod csv;
pub mod explain;
pub mod files;
pub(crate) mod fit_page;
pub(crate) mod run_files;
pub use run_files::{run_to_dir, RunFilesError};
pub mod sweep;
pub mod table;
pub(crate) mod text;
pub(crate) mod tickets;

/// An interval's half-width for people: "± 0.9", or "(CI n/a)" when there
/// is none (fewer than two replications: printing "± 0" would claim
/// certainty that one replication cannot give).
pub(crate) fn format_pm(half: Option<f64>) -> String {
    match half {
        Some(h) => format!("± {}", format_value(h)),
        None => "(CI n/a)".to_string(),
    }
}

/// The half-width of a summary's estimate: `None` with fewer than two
/// replications (`summary.json` keeps `ci95: 0` there, as documented).
pub(crate) fn summary_half_width(e: &crate::stats::Estimate, replications: u32) -> Option<f64> {
    (replications >= 2).then_some(e.ci95)
}

/// Three significant digits, whole numbers from 100 on (21589, not
/// 2.16e4 nor 21589.300000000003), trailing zeros dropped ("1", not
/// "1.000"), never "-0".
pub(crate) fn sig3(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else {
        (2.0 - a.log10().floor()).clamp(0.0, 9.0) as usize
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".into()
    } else {
        s
    }
}

/// A signed number: "+1.2", "-3", "0".
pub(crate) fn signed(s: String) -> String {
    if s.starts_with('-') || s == "0" {
        s
    } else {
        format!("+{s}")
    }
}

/// A change in percent, signed, three significant digits; "-100%" only
/// for a fall to exactly 0 (-99.96 is "-99.96%", not "-100%").
pub(crate) fn signed_pct(p: f64) -> String {
    let mut s = sig3(p);
    let mut decimals = 1;
    while p.abs() < 100.0 && s.trim_start_matches('-').starts_with("100") && decimals < 6 {
        s = format!("{p:.decimals$}");
        decimals += 1;
    }
    format!("{}%", signed(s))
}

#[cfg(test)]
mod tests {
    #[test]
    fn spreadsheet_numbers_drop_floating_point_noise() {
        assert_eq!(super::csv_number(21589.300000000003), "21589.3");
        assert_eq!(super::csv_number(0.1 + 0.2), "0.3");
        assert_eq!(super::csv_number(-0.0), "0");
        assert_eq!(super::csv_number(1.0 / 3.0), "0.333333333333");
        assert_eq!(super::csv_number(12345678901.0), "12345678901");
    }
}

/// Formats a KPI value for people: about four significant digits.
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if (v.fract() == 0.0 && a < 1e15) || a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        // Three significant digits below 1.
        let decimals = (2.0 - a.log10().floor()).clamp(3.0, 9.0) as usize;
        format!("{v:.decimals$}")
    }
}

pub mod html;

pub use html::sentence;

use crate::compare::Comparison;
use crate::engine::area;
use crate::simulate::Run;
use chart::{ChartSpec, ForestRow, Series, Ticks};
use files::OutDir;

/// What the charts of one run need: a view of a [`Run`], or of the merged
/// partial results of a sharded run (which has no model).
pub(crate) struct ChartInput<'a> {
    /// Scenario name.
    pub name: &'a str,
    /// Pool names, in the model's order.
    pub pools: Vec<&'a str>,
    /// Per pool, whether citizens queue there in person (see [`crate::model::Model::hall_pools`]).
    pub hall: Vec<bool>,
    /// The run's summary.
    pub summary: &'a crate::summary::Summary,
    /// The run's distributions and hourly areas.
    pub data: &'a crate::simulate::RunData,
}

impl<'a> From<&'a Run> for ChartInput<'a> {
    fn from(run: &'a Run) -> Self {
        ChartInput {
            name: &run.model.name,
            pools: run.model.pools.iter().map(|p| p.name.as_str()).collect(),
            hall: run.model.hall_pools(),
            summary: &run.summary,
            data: &run.data,
        }
    }
}

/// The charts of a comparison, from its runs (baseline first): every
/// design's [`run_charts`], then the KPI changes with their intervals.
pub(crate) fn comparison_charts(c: &Comparison, runs: &[Run]) -> Vec<(String, ChartSpec)> {
    let inputs: Vec<ChartInput> = runs.iter().map(ChartInput::from).collect();
    let mut charts = run_charts(&inputs);
    charts.push(kpi_changes_chart(c));
    charts
}

/// The charts of one or more runs, one series per run: wait distribution,
/// queue by hour, utilization by pool, lead-time distribution, visits per
/// case (what `run --out` writes to `charts/`).
pub(crate) fn run_charts(runs: &[ChartInput]) -> Vec<(String, ChartSpec)> {
    // Legends name each design in full (the chart wraps long names).
    let names: Vec<String> = runs.iter().map(|r| r.name.to_string()).collect();
    let ecdf = |q: &crate::stats::Quantiles| -> Vec<(f64, f64)> { q.ecdf(400) };
    let mut charts = Vec::new();
    charts.push((
        "wait_distribution".to_string(),
        ChartSpec::Lines {
            title: "Waiting time in the queue (all serve steps)".into(),
            x_label: "wait (min)".into(),
            y_label: "share of waits at most this long".into(),
            series: runs
                .iter()
                .zip(&names)
                .map(|(r, n)| Series {
                    name: n.clone(),
                    points: ecdf(&r.data.wait),
                })
                .collect(),
            steps: true,
            x_ticks: Ticks::Plain,
            y_ticks: Ticks::Share,
        },
    ));
    charts.push((
        "queue_by_hour".to_string(),
        ChartSpec::Lines {
            title: "Citizens waiting in the hall while it is open, by hour of day".into(),
            x_label: "hour of day".into(),
            y_label: "mean number waiting (open days)".into(),
            series: runs
                .iter()
                .zip(&names)
                .map(|(r, n)| Series {
                    name: n.clone(),
                    points: hall_queue_by_hour(r),
                })
                .collect(),
            steps: false,
            x_ticks: Ticks::Hour,
            y_ticks: Ticks::Plain,
        },
    ));
    let mut pools: Vec<String> = Vec::new();
    for r in runs {
        for &p in &r.pools {
            if !pools.iter().any(|known| known == p) {
                pools.push(p.to_string());
            }
        }
    }
    charts.push((
        "utilization_by_pool".to_string(),
        ChartSpec::Bars {
            title: "Utilization by pool".into(),
            x_label: "pool".into(),
            y_label: "utilization (busy share of the servers' open time)".into(),
            y_ticks: Ticks::Share,
            series: runs
                .iter()
                .zip(&names)
                .map(|(r, n)| {
                    (
                        n.clone(),
                        pools
                            .iter()
                            .map(|p| {
                                r.summary
                                    .pools
                                    .get(p)
                                    .and_then(|m| m.get("utilization").copied().flatten())
                                    .map(|e| e.mean)
                            })
                            .collect(),
                    )
                })
                .collect(),
            categories: pools,
        },
    ));
    charts.push((
        "lead_time_distribution".to_string(),
        ChartSpec::Lines {
            title: "Lead time of completed cases".into(),
            x_label: "lead time (working days)".into(),
            y_label: "share of cases finished within".into(),
            series: runs
                .iter()
                .zip(&names)
                .map(|(r, n)| Series {
                    name: n.clone(),
                    points: ecdf(&r.data.lead_wd),
                })
                .collect(),
            steps: true,
            x_ticks: Ticks::Plain,
            y_ticks: Ticks::Share,
        },
    ));
    let visit_categories: Vec<String> = (0..6)
        .map(|v| {
            if v == 5 {
                "5+".to_string()
            } else {
                v.to_string()
            }
        })
        .collect();
    charts.push((
        "visits_per_case".to_string(),
        ChartSpec::Bars {
            title: "Visits to the hall per completed case".into(),
            x_label: "visits".into(),
            y_label: "share of completed cases".into(),
            y_ticks: Ticks::Share,
            categories: visit_categories,
            series: runs
                .iter()
                .zip(&names)
                .map(|(r, n)| {
                    let total: u64 = r.data.visit_counts.iter().sum();
                    let share = |v: u64| (total > 0).then(|| v as f64 / total as f64);
                    let mut values: Vec<Option<f64>> =
                        r.data.visit_counts[..5].iter().map(|&v| share(v)).collect();
                    values.push(share(r.data.visit_counts[5..].iter().sum()));
                    (n.clone(), values)
                })
                .collect(),
        },
    ));
    charts
}

/// The forest chart of a comparison's changes against the baseline: the
/// headline KPIs by their labels and units, grouped by design when there
/// are several.
fn kpi_changes_chart(c: &Comparison) -> (String, ChartSpec) {
    let mut rows = Vec::new();
    for d in &c.designs {
        let mut group = (c.designs.len() > 1).then(|| d.summary.scenario.clone());
        for k in crate::kpi::headlines() {
            if let Some(diff) = d.vs_baseline.get(k.name) {
                let (Some(mean), Some(interval)) = (diff.change_pct, diff.change_pct_ci95()) else {
                    continue;
                };
                rows.push(ForestRow {
                    group: group.take(),
                    label: crate::kpi::describe(k.name),
                    mean,
                    interval,
                    verdict: match diff.verdict(k.name) {
                        crate::compare::Verdict::Better => 1,
                        crate::compare::Verdict::Worse => -1,
                        _ => 0,
                    },
                });
            }
        }
    }
    (
        "kpi_changes".to_string(),
        ChartSpec::Forest {
            title: "Change of the headline KPIs against the baseline, with 95% intervals".into(),
            x_label: "change (% of the baseline)".into(),
            rows,
            x_ticks: Ticks::Percent,
        },
    )
}

/// Citizens waiting in the hall pools by hour of day, averaged over the time
/// the hall is open at that hour (the longest open time of its pools), so
/// closed days and nights do not dilute the profile. Hours the hall never
/// opens have no point, and those between its first and last open hour (a
/// lunch closure) a NaN one, so the line breaks there.
fn hall_queue_by_hour(r: &ChartInput) -> Vec<(f64, f64)> {
    let hall: Vec<&[[i64; area::COUNT]; 24]> = r
        .data
        .hourly
        .iter()
        .zip(&r.hall)
        .filter(|(_, is_hall)| **is_hall)
        .map(|(bins, _)| bins)
        .collect();
    let points: Vec<(f64, f64)> = (0..24)
        .map(|h| {
            let open = hall
                .iter()
                .map(|b| b[h][area::TIME_OPEN])
                .max()
                .unwrap_or(0) as f64;
            let waiting: f64 = hall.iter().map(|b| b[h][area::QUEUE_OPEN] as f64).sum();
            let y = if open > 0.0 { waiting / open } else { f64::NAN };
            (h as f64 + 0.5, y)
        })
        .collect();
    let open = |p: &&(f64, f64)| p.1.is_finite();
    let first = points.iter().position(|p| open(&p)).unwrap_or(0);
    let last = points.iter().rposition(|p| open(&p)).unwrap_or(0);
    points[first..=last.max(first)].to_vec()
}

/// A number for a spreadsheet: twelve significant digits, then the shortest
/// text that reads back as that (21589.3, not the 21589.300000000003 a sum
/// of floating-point numbers leaves); far beyond any interval's precision.
pub(crate) fn csv_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let rounded: f64 = format!("{v:.11e}").parse().unwrap_or(v);
    let s = rounded.to_string();
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// The UTF-8 byte order mark Excel needs to read a CSV as UTF-8.
pub(crate) const BOM: &str = "\u{feff}";

/// `comparison.csv`: one row per design and KPI (columns in `docs/files.md`).
pub fn comparison_csv(c: &Comparison) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "baseline",
        "design",
        "kpi",
        "before",
        "after",
        "diff",
        "diff_ci95",
        "change_pct",
        "p_value",
        "p_adjusted",
        "significant",
        "paired",
        "verdict",
    ]);
    for d in &c.designs {
        for (k, x) in &d.vs_baseline {
            let verdict = match x.verdict(k) {
                crate::compare::Verdict::Better => "better",
                crate::compare::Verdict::Worse => "worse",
                crate::compare::Verdict::Changed => "changed",
                crate::compare::Verdict::Same => "same",
            };
            let _ = w.write_record([
                c.baseline.scenario.clone(),
                d.summary.scenario.clone(),
                k.clone(),
                csv_number(x.before),
                csv_number(x.after),
                csv_number(x.diff),
                x.diff_ci95.map(csv_number).unwrap_or_default(),
                x.change_pct.map(csv_number).unwrap_or_default(),
                x.p_value.map(csv_number).unwrap_or_default(),
                x.p_adjusted.map(csv_number).unwrap_or_default(),
                x.significant.to_string(),
                x.paired.to_string(),
                verdict.to_string(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

/// Renders charts into `charts/STEM.svg` and `charts/STEM.png` under `dir`;
/// returns them for a page.
pub(crate) fn write_charts(
    dir: &mut OutDir,
    charts: Vec<(String, ChartSpec)>,
) -> std::io::Result<Vec<html::PageChart>> {
    let mut page_charts = Vec::new();
    for (stem, spec) in charts {
        let r = chart::render(&spec).map_err(std::io::Error::other)?;
        dir.write(&format!("charts/{stem}.svg"), r.svg.as_bytes())?;
        dir.write(&format!("charts/{stem}.png"), &r.png)?;
        let title = spec.title().to_string();
        page_charts.push(html::PageChart {
            stem,
            title,
            svg: r.svg,
        });
    }
    Ok(page_charts)
}

/// Writes comparison.json, comparison.csv (with a UTF-8 byte order mark
/// for Excel when `excel`), charts/ and report.html.
pub fn write_comparison(
    dir: &mut OutDir,
    c: &Comparison,
    runs: &[Run],
    excel: bool,
) -> std::io::Result<()> {
    dir.write(
        "comparison.json",
        format!("{}\n", serde_json::to_string_pretty(c).unwrap_or_default()).as_bytes(),
    )?;
    let bom = if excel { BOM } else { "" };
    dir.write(
        "comparison.csv",
        format!("{bom}{}", comparison_csv(c)).as_bytes(),
    )?;
    let page_charts = write_charts(dir, comparison_charts(c, runs))?;
    let descriptions: Vec<String> = runs
        .iter()
        .map(|r| r.model.description.trim().to_string())
        .collect();
    let needs_font = runs.iter().any(|r| {
        !r.model.name.is_ascii()
            || r.model.pools.iter().any(|p| !p.name.is_ascii())
            || r.model.processes.iter().any(|p| !p.name.is_ascii())
            || !r.model.description.is_ascii()
    });
    let face = needs_font.then(|| base64(chart::font_bytes()));
    let targets: Vec<Vec<crate::check::TargetResult>> = runs
        .iter()
        .map(|r| crate::check::check_targets(&r.model.targets, &r.summary))
        .collect();
    dir.write(
        "report.html",
        html::report(c, &descriptions, &page_charts, face.as_deref(), &targets).as_bytes(),
    )?;
    Ok(())
}
