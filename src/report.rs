//! Reports: one data model (summaries, comparisons), many exporters. Every
//! exporter returns a string or bytes so tests can pin them; writing files
//! happens in [`files`], atomically.

pub mod chart;
pub mod check;
pub mod csv;
pub mod explain;
pub mod files;
pub(crate) mod run_files;
pub mod sweep;
pub mod table;
pub(crate) mod text;

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
use chart::{ChartSpec, ForestRow, Series};
use files::OutDir;

/// The charts of a comparison, from its runs (baseline first).
/// Short labels for chart legends: the common leading words dropped, and
/// the rest cut at a dash or parenthesis ("长沙市政务服务中心 S1 — 最多跑一次 (...)"
/// becomes "S1"). Falls back to the full names when cutting would make two alike.
pub(crate) fn short_names(names: &[String]) -> Vec<String> {
    if names.len() < 2 {
        return names.to_vec();
    }
    let first: Vec<&str> = names[0].split(' ').collect();
    let mut common = first.len();
    for n in &names[1..] {
        let words: Vec<&str> = n.split(' ').collect();
        common = common.min(first.iter().zip(&words).take_while(|(a, b)| a == b).count());
    }
    let short: Vec<String> = names
        .iter()
        .map(|n| {
            let rest: String = n.split(' ').skip(common).collect::<Vec<_>>().join(" ");
            let rest = if rest.is_empty() { n.clone() } else { rest };
            let cut = rest
                .find([' ', '('])
                .filter(|_| rest.contains(" — ") || rest.contains(" ("));
            let cut = rest.find(" — ").or(rest.find(" (")).or(cut);
            let s = match cut {
                Some(i) if i > 0 => rest[..i].trim().to_string(),
                _ => rest,
            };
            if s.chars().count() > 40 {
                s.chars().take(38).collect::<String>() + "…"
            } else {
                s
            }
        })
        .collect();
    let mut sorted = short.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() == short.len() {
        short
    } else {
        names.to_vec()
    }
}

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
    charts.push(kpi_changes_chart(c, &legend_names(&inputs)));
    charts
}

/// The scenario names, shortened for legends.
fn legend_names(runs: &[ChartInput]) -> Vec<String> {
    short_names(&runs.iter().map(|r| r.name.to_string()).collect::<Vec<_>>())
}

/// The charts of one or more runs, one series per run: wait distribution,
/// queue by hour, utilization by pool, lead-time distribution, visits per
/// case (what `run --out` writes to `charts/`).
pub(crate) fn run_charts(runs: &[ChartInput]) -> Vec<(String, ChartSpec)> {
    let names = legend_names(runs);
    let ecdf = |q: &crate::stats::Quantiles| -> Vec<(f64, f64)> {
        q.ecdf(200).into_iter().filter(|p| p.1 <= 0.99).collect()
    };
    let mut charts = Vec::new();
    charts.push((
        "wait_distribution".to_string(),
        ChartSpec::Lines {
            title: "Waiting time in the queue (all serve steps)".into(),
            x_label: "wait (minutes)".into(),
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
            y_label: "busy share of available server time".into(),
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

/// The forest chart of a comparison's changes against the baseline.
fn kpi_changes_chart(c: &Comparison, names: &[String]) -> (String, ChartSpec) {
    let keys: Vec<&str> = crate::kpi::headlines().iter().map(|k| k.name).collect();
    let mut rows = Vec::new();
    for (di, d) in c.designs.iter().enumerate() {
        for &k in &keys {
            if let Some(diff) = d.vs_baseline.get(k) {
                let (Some(mean), Some(interval)) = (diff.change_pct, diff.change_pct_ci95()) else {
                    continue;
                };
                let label = if c.designs.len() > 1 {
                    format!("{}: {k}", names[1 + di])
                } else {
                    k.to_string()
                };
                rows.push(ForestRow {
                    label,
                    mean,
                    interval,
                    verdict: match diff.verdict(k) {
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
            title: "Change against the baseline, with 95% intervals (green: better, red: worse)"
                .into(),
            x_label: "change (% of the baseline)".into(),
            rows,
        },
    )
}

/// Citizens waiting in the hall pools by hour of day, averaged over the time
/// the hall is open at that hour (the longest open time of its pools), so
/// closed days and nights do not dilute the profile. Hours the hall never
/// opens have no point.
fn hall_queue_by_hour(r: &ChartInput) -> Vec<(f64, f64)> {
    let hall: Vec<&[[i64; area::COUNT]; 24]> = r
        .data
        .hourly
        .iter()
        .zip(&r.hall)
        .filter(|(_, is_hall)| **is_hall)
        .map(|(bins, _)| bins)
        .collect();
    (0..24)
        .filter_map(|h| {
            let open = hall.iter().map(|b| b[h][area::TIME_OPEN]).max()? as f64;
            let waiting: f64 = hall.iter().map(|b| b[h][area::QUEUE_OPEN] as f64).sum();
            (open > 0.0).then(|| (h as f64 + 0.5, waiting / open))
        })
        .collect()
}

fn comparison_csv(c: &Comparison) -> String {
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
                x.before.to_string(),
                x.after.to_string(),
                x.diff.to_string(),
                x.diff_ci95.map(|h| h.to_string()).unwrap_or_default(),
                x.change_pct.map(|p| p.to_string()).unwrap_or_default(),
                x.significant.to_string(),
                x.paired.to_string(),
                verdict.to_string(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn base64(bytes: &[u8]) -> String {
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
        let title = match &spec {
            ChartSpec::Lines { title, .. }
            | ChartSpec::Bars { title, .. }
            | ChartSpec::Forest { title, .. }
            | ChartSpec::ErrorLines { title, .. } => title.clone(),
        };
        page_charts.push(html::PageChart {
            stem,
            title,
            svg: r.svg,
        });
    }
    Ok(page_charts)
}

/// Writes comparison.json, comparison.csv, charts/ and report.html.
pub fn write_comparison(dir: &mut OutDir, c: &Comparison, runs: &[Run]) -> std::io::Result<()> {
    dir.write(
        "comparison.json",
        format!("{}\n", serde_json::to_string_pretty(c).unwrap_or_default()).as_bytes(),
    )?;
    dir.write("comparison.csv", comparison_csv(c).as_bytes())?;
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
    dir.write(
        "report.html",
        html::report(c, &descriptions, &page_charts, face.as_deref()).as_bytes(),
    )?;
    Ok(())
}
