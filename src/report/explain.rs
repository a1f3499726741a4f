//! An explanation's exports: the terminal table, `explain.csv`,
//! `explain.json` and a chart per KPI (see `crate::explain`).

use super::chart::{ChartSpec, ForestRow, Ticks};
use super::files::OutDir;
use super::{format_pm, format_value};
use crate::explain::{Explanation, KpiExplanation, Method};
use crate::kpi::{better, Better};
use crate::stats::Estimate;

/// Widest lever name shown in the table (longer ones are cut with `…`).
const NAME_WIDTH: usize = 28;

/// The smallest interaction, as a fraction of the KPI's total change,
/// the table shows.
const RELEVANT: f64 = 0.05;

/// `mean ± half`, or `–` without a value; the interval is left out with
/// fewer than two replications.
fn pm(e: Option<&Estimate>, replications: usize) -> String {
    match e {
        Some(e) => format!(
            "{} {}",
            format_value(e.mean),
            format_pm((replications >= 2).then_some(e.ci95))
        ),
        None => "–".to_string(),
    }
}

fn cut(name: &str) -> String {
    if name.chars().count() <= NAME_WIDTH {
        name.to_string()
    } else {
        let head: String = name.chars().take(NAME_WIDTH - 1).collect();
        format!("{head}…")
    }
}

fn percent(x: Option<f64>) -> String {
    // `+ 0.0` turns a negative zero into 0, so a lever that changes
    // nothing shows `0%`, not `-0%`.
    x.map_or("–".into(), |s| {
        format!("{:.0}%", (100.0 * s).round() + 0.0)
    })
}

/// The terminal table: per KPI, the change and each lever's contribution
/// (± 95% interval across replications), share of the change and effect
/// alone, then the significant pairwise interactions. At most 100 columns
/// wide.
pub fn explain_table(x: &Explanation) -> String {
    let mut out = String::new();
    let how = match &x.method {
        Method::Exact => format!("exact Shapley values over all {} subsets", x.subsets),
        Method::Sampled { orders } => format!(
            "Shapley values sampled over {orders} orders ({} subsets)",
            x.subsets
        ),
    };
    out.push_str(&format!(
        "{}\n{} levers, {how}; seed {}, {} replications per subset (paired)\n",
        x.design,
        x.levers.len(),
        x.seed,
        x.replications
    ));
    for k in &x.kpis {
        out.push('\n');
        out.push_str(&kpi_block(x, k));
    }
    out
}

fn kpi_block(x: &Explanation, k: &KpiExplanation) -> String {
    let n = k.replications;
    let mut out = String::new();
    let mean = |e: &Option<Estimate>| e.map_or("–".into(), |e| format_value(e.mean));
    out.push_str(&format!(
        "{}: {} -> {}, change {}\n",
        k.kpi,
        mean(&k.before),
        mean(&k.after),
        pm(k.total.as_ref(), n)
    ));
    if n == 0 {
        out.push_str("  no replication has a value of this KPI in every subset\n");
        return out;
    }
    let sampled = matches!(x.method, Method::Sampled { .. });
    out.push_str(&format!(
        "  {:<NAME_WIDTH$} {:>22} {:>6} {:>22}{}\n",
        "lever",
        "contribution",
        "share",
        "alone",
        if sampled { "  sampling ±" } else { "" }
    ));
    for (i, lever) in x.levers.iter().enumerate() {
        let sampling = match k.sampling_ci95[i] {
            Some(s) if sampled => format!("  {:>10}", format_value(s)),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {:<NAME_WIDTH$} {:>22} {:>6} {:>22}{sampling}\n",
            cut(&lever.name),
            pm(k.contributions[i].as_ref(), n),
            percent(k.shares[i]),
            pm(k.alone[i].as_ref(), n),
        ));
    }
    // Paired intervals are narrow, so a pair can be significant and still
    // negligible: the table shows those worth reading (JSON and CSV keep all).
    let total = k.total.map_or(0.0, |t| t.mean.abs());
    let significant: Vec<_> = k
        .interactions
        .iter()
        .filter(|i| i.significant && i.effect.mean.abs() >= RELEVANT * total)
        .collect();
    if !significant.is_empty() {
        out.push_str(
            "  interactions (significant and at least 5% of the change; 0 when levers act independently):\n",
        );
        for i in significant {
            let pair = format!("{} × {}", cut(&i.a), cut(&i.b));
            out.push_str(&format!("    {pair:<58} {:>22}\n", pm(Some(&i.effect), n)));
        }
    }
    out
}

/// `explain.csv`: one row per KPI and lever (`kind` contribution), per KPI
/// its total change (`total`), and per KPI and pair of levers their
/// interaction (`interaction`, lever `A & B`).
pub fn explain_csv(x: &Explanation) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "kpi",
        "kind",
        "lever",
        "mean",
        "ci95",
        "share",
        "alone",
        "alone_ci95",
        "sampling_ci95",
        "replications",
    ]);
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for k in &x.kpis {
        let reps = k.replications.to_string();
        for (i, lever) in x.levers.iter().enumerate() {
            let c = k.contributions[i];
            let a = k.alone[i];
            let _ = w.write_record([
                k.kpi.as_str(),
                "contribution",
                &lever.name,
                &num(c.map(|e| e.mean)),
                &num(c.map(|e| e.ci95)),
                &num(k.shares[i]),
                &num(a.map(|e| e.mean)),
                &num(a.map(|e| e.ci95)),
                &num(k.sampling_ci95[i]),
                &reps,
            ]);
        }
        let _ = w.write_record([
            k.kpi.as_str(),
            "total",
            "",
            &num(k.total.map(|e| e.mean)),
            &num(k.total.map(|e| e.ci95)),
            "1",
            "",
            "",
            "",
            &reps,
        ]);
        for i in &k.interactions {
            let _ = w.write_record([
                k.kpi.as_str(),
                "interaction",
                &format!("{} & {}", i.a, i.b),
                &i.effect.mean.to_string(),
                &i.effect.ci95.to_string(),
                "",
                "",
                "",
                "",
                &reps,
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One chart per KPI: each lever's contribution and the total change,
/// with 95% intervals, green where the change is significantly better,
/// red where worse (by the KPI's direction).
fn explain_charts(x: &Explanation) -> Vec<(String, ChartSpec)> {
    x.kpis
        .iter()
        .filter(|k| k.replications > 0)
        .map(|k| {
            let direction = better(&k.kpi);
            let row = |label: String, e: &Estimate| ForestRow {
                group: None,
                label,
                mean: e.mean,
                interval: (e.mean - e.ci95, e.mean + e.ci95),
                verdict: if k.replications < 2 || e.ci95 >= e.mean.abs() {
                    0
                } else {
                    match (direction, e.mean < 0.0) {
                        (Better::Neutral, _) => 0,
                        (Better::Lower, true) | (Better::Higher, false) => 1,
                        _ => -1,
                    }
                },
            };
            let mut rows: Vec<ForestRow> = x
                .levers
                .iter()
                .zip(&k.contributions)
                .filter_map(|(l, c)| Some(row(l.name.clone(), c.as_ref()?)))
                .collect();
            if let Some(t) = &k.total {
                rows.push(row("total change".into(), t));
            }
            (
                format!("explain_{}", k.kpi.replace('.', "_")),
                ChartSpec::Forest {
                    title: format!(
                        "{}: each lever's contribution to the change, 95% intervals",
                        crate::kpi::describe(&k.kpi)
                    ),
                    x_label: format!("change of {}", crate::kpi::describe(&k.kpi)),
                    rows,
                    x_ticks: if crate::kpi::find(&k.kpi).is_some_and(|k| k.is_share()) {
                        Ticks::Points
                    } else {
                        Ticks::Plain
                    },
                },
            )
        })
        .collect()
}

/// Writes `explain.json`, `explain.csv` and `charts/explain_KPI.svg|png`.
pub fn write_explain(dir: &mut OutDir, x: &Explanation) -> std::io::Result<()> {
    dir.write(
        "explain.json",
        format!("{}\n", serde_json::to_string_pretty(x).unwrap_or_default()).as_bytes(),
    )?;
    dir.write("explain.csv", explain_csv(x).as_bytes())?;
    super::write_charts(dir, explain_charts(x)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{Group, Interaction};

    fn e(mean: f64, ci95: f64) -> Option<Estimate> {
        Some(Estimate {
            mean,
            ci95,
            min: mean - 1.0,
            max: mean + 1.0,
        })
    }

    fn example() -> Explanation {
        let lever = |name: &str| Group {
            name: name.into(),
            members: vec![0],
        };
        Explanation {
            design: "d.yaml".into(),
            levers: vec![
                lever("windows"),
                lever("a_lever_with_a_very_long_name_indeed"),
            ],
            method: Method::Exact,
            subsets: 4,
            seed: 7,
            replications: 10,
            kpis: vec![KpiExplanation {
                kpi: "wait_min".into(),
                replications: 10,
                before: e(10.0, 0.5),
                after: e(4.0, 0.4),
                total: e(-6.0, 0.3),
                contributions: vec![e(-4.5, 0.2), e(-1.5, 0.1)],
                shares: vec![Some(0.75), Some(0.25)],
                alone: vec![e(-5.0, 0.2), e(-2.0, 0.1)],
                sampling_ci95: vec![None, None],
                interactions: vec![Interaction {
                    a: "windows".into(),
                    b: "a_lever_with_a_very_long_name_indeed".into(),
                    effect: e(1.0, 0.2).unwrap(),
                    significant: true,
                }],
                efficiency_gap: 0.0,
            }],
        }
    }

    #[test]
    fn the_table_shows_contributions_shares_and_the_interaction() {
        let table = explain_table(&example());
        let expected = "\
d.yaml
2 levers, exact Shapley values over all 4 subsets; seed 7, 10 replications per subset (paired)

wait_min: 10 -> 4, change -6 ± 0.300
  lever                                  contribution  share                  alone
  windows                               -4.50 ± 0.200    75%             -5 ± 0.200
  a_lever_with_a_very_long_na…          -1.50 ± 0.100    25%             -2 ± 0.100
  interactions (significant and at least 5% of the change; 0 when levers act independently):
    windows × a_lever_with_a_very_long_na…                                  1 ± 0.200
";
        assert_eq!(table, expected);
        assert!(table.lines().all(|l| l.chars().count() <= 100));
    }

    #[test]
    fn the_csv_has_a_row_per_lever_the_total_and_each_pair() {
        let csv = explain_csv(&example());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "kpi,kind,lever,mean,ci95,share,alone,alone_ci95,sampling_ci95,replications",
                "wait_min,contribution,windows,-4.5,0.2,0.75,-5,0.2,,10",
                "wait_min,contribution,a_lever_with_a_very_long_name_indeed,-1.5,0.1,0.25,-2,0.1,,10",
                "wait_min,total,,-6,0.3,1,,,,10",
                "wait_min,interaction,windows & a_lever_with_a_very_long_name_indeed,1,0.2,,,,,10",
            ]
        );
    }
}
