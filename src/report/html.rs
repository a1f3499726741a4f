//! The self-contained HTML report of a comparison: inline CSS and SVG, no
//! scripts, no network; prints well on paper.

use super::{format_pm, format_value, summary_half_width};
use crate::compare::{Comparison, Diff, Verdict};
use crate::summary::Summary;

/// Escapes text for HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart for the page: file stem, title, SVG text.
pub(crate) struct PageChart {
    /// File stem under `charts/`.
    pub stem: String,
    /// Caption.
    pub title: String,
    /// Inline SVG.
    pub svg: String,
}

const CSS: &str = r#"
body { font-family: "procsim-sans", system-ui, "Noto Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; max-width: 1000px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 2px solid #0072b2; padding-bottom: .2em; }
.lead { font-size: 1.1em; background: #f2f7fb; border-left: 4px solid #0072b2; padding: .8em 1em; }
table { border-collapse: collapse; width: 100%; margin: .8em 0; font-size: .92em; }
th, td { padding: .3em .6em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f4f4; }
td.better { color: #00784d; font-weight: 600; } td.worse { color: #b3261e; font-weight: 600; }
figure { margin: 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; } figcaption { color: #555; font-size: .9em; }
.muted { color: #666; font-size: .9em; }
@media print { body { max-width: none; margin: 0; } h2 { page-break-after: avoid; } table, figure { page-break-inside: avoid; } .lead { background: none; } }
"#;

/// Sentences for the summary paragraph of one design: one per KPI the
/// registry marks for a sentence.
pub(crate) fn summary_sentences(design: &crate::compare::DesignComparison) -> Vec<String> {
    crate::kpi::sentences()
        .into_iter()
        .filter_map(|k| {
            let d = design.vs_baseline.get(k.name)?;
            Some(sentence(k.label, k.unit, d))
        })
        .collect()
}

/// A sentence for a report: "mean wait fell from 18.2 to 6.4 min (-65%, 95% CI -68% to -61%)".
pub fn sentence(label: &str, unit: &str, d: &Diff) -> String {
    let verb = if !d.significant {
        "did not change significantly"
    } else if d.diff < 0.0 {
        "fell"
    } else {
        "rose"
    };
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    let pct = match (d.change_pct, d.change_pct_ci95()) {
        (Some(p), Some((lo, hi))) => format!(" ({p:+.0}%, 95% CI {lo:+.0}% to {hi:+.0}%)"),
        (Some(p), None) => format!(" ({p:+.0}%, no interval from one replication)"),
        _ => format!(
            " (diff {} {})",
            format_value(d.diff),
            format_pm(d.diff_ci95)
        ),
    };
    if d.significant {
        format!(
            "{label} {verb} from {} to {}{unit}{pct}",
            format_value(d.before),
            format_value(d.after)
        )
    } else {
        format!(
            "{label} {verb}: {} vs {}{unit}{pct}",
            format_value(d.before),
            format_value(d.after)
        )
    }
}

fn summary_rows(s: &Summary, level: &str) -> String {
    let map = if level == "pools" {
        &s.pools
    } else {
        &s.processes
    };
    let mut rows = String::new();
    for (name, kpis) in map {
        rows.push_str(&format!("<tr><td>{}</td>", escape(name)));
        for (_, v) in kpis {
            rows.push_str(&match v {
                Some(e) => format!(
                    "<td>{} {}</td>",
                    format_value(e.mean),
                    format_pm(summary_half_width(e, s.replications))
                ),
                None => "<td>–</td>".into(),
            });
        }
        rows.push_str("</tr>\n");
    }
    rows
}

fn summary_table(s: &Summary, level: &str) -> String {
    let map = if level == "pools" {
        &s.pools
    } else {
        &s.processes
    };
    let Some((_, first)) = map.iter().next() else {
        return String::new();
    };
    let head: String = first
        .keys()
        .map(|k| format!("<th>{}</th>", escape(k)))
        .collect();
    format!(
        "<h3>{}</h3><table><thead><tr><th>{}</th>{head}</tr></thead><tbody>{}</tbody></table>",
        escape(&s.scenario),
        if level == "pools" { "pool" } else { "process" },
        summary_rows(s, level)
    )
}

/// The page.
pub(crate) fn report(
    c: &Comparison,
    descriptions: &[String],
    charts: &[PageChart],
    font_face: Option<&str>,
) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let title = match c.designs.len() {
        1 => format!(
            "{} vs {}",
            c.designs[0].summary.scenario, c.baseline.scenario
        ),
        n => format!("{n} designs vs {}", c.baseline.scenario),
    };
    h.push_str(&format!(
        "<title>procsim: {}</title>\n<style>",
        escape(&title)
    ));
    if let Some(face) = font_face {
        h.push_str(&format!("@font-face {{ font-family: \"procsim-sans\"; src: url(data:font/otf;base64,{face}) format(\"opentype\"); }}\n"));
    }
    h.push_str(CSS);
    h.push_str("</style></head><body>\n");
    h.push_str(&format!("<h1>{}</h1>\n", escape(&title)));
    h.push_str(&format!(
        "<p class=\"muted\">procsim {} · seed {} · {} replications per design · intervals are 95%{}</p>\n",
        escape(&c.baseline.procsim),
        c.baseline.seed,
        c.baseline.replications,
        if c.designs.iter().all(|d| d.vs_baseline.values().all(|x| x.paired)) { ", paired by replication (every design saw the same citizens)" } else { "; some designs could not be paired (different seed, replications or arrival streams): Welch intervals" }
    ));
    for d in &c.designs {
        let sentences = summary_sentences(d);
        if !sentences.is_empty() {
            h.push_str(&format!(
                "<p class=\"lead\"><b>{}</b> against <b>{}</b>: {}.</p>\n",
                escape(&d.summary.scenario),
                escape(&c.baseline.scenario),
                escape(&sentences.join("; "))
            ));
        }
    }
    h.push_str("<h2>The designs</h2>\n<dl>\n");
    let names: Vec<&str> = std::iter::once(c.baseline.scenario.as_str())
        .chain(c.designs.iter().map(|d| d.summary.scenario.as_str()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let role = if i == 0 { "baseline" } else { "design" };
        let desc = descriptions.get(i).map(String::as_str).unwrap_or("");
        h.push_str(&format!(
            "<dt><b>{}</b> ({role})</dt><dd>{}</dd>\n",
            escape(name),
            escape(desc)
        ));
    }
    h.push_str("</dl>\n<h2>Key figures</h2>\n");
    for d in &c.designs {
        h.push_str(&format!("<h3>{} vs {}</h3>\n<table><thead><tr><th>KPI</th><th>baseline</th><th>design</th><th>difference (95% CI)</th><th>change</th><th></th></tr></thead><tbody>\n", escape(&d.summary.scenario), escape(&c.baseline.scenario)));
        for (key, diff) in &d.vs_baseline {
            let (class, mark) = match diff.verdict(key) {
                Verdict::Better => ("better", "▲ better"),
                Verdict::Worse => ("worse", "▼ worse"),
                Verdict::Changed => ("", "~ changed"),
                Verdict::Same => ("", ""),
            };
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td class=\"{class}\">{mark}</td></tr>\n",
                escape(key),
                format_value(diff.before),
                format_value(diff.after),
                format_value(diff.diff),
                format_pm(diff.diff_ci95),
                diff.change_pct.map(|p| format!("{p:+.1}%")).unwrap_or_default()
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>Charts</h2>\n");
    for ch in charts {
        h.push_str(&format!(
            "<figure id=\"{}\">{}<figcaption>{} (charts/{}.svg, .png)</figcaption></figure>\n",
            escape(&ch.stem),
            strip_xml_header(&ch.svg),
            escape(&ch.title),
            escape(&ch.stem)
        ));
    }
    h.push_str("<h2>Pools</h2>\n");
    h.push_str(&summary_table(&c.baseline, "pools"));
    for d in &c.designs {
        h.push_str(&summary_table(&d.summary, "pools"));
    }
    h.push_str("<h2>Processes</h2>\n");
    h.push_str(&summary_table(&c.baseline, "processes"));
    for d in &c.designs {
        h.push_str(&summary_table(&d.summary, "processes"));
    }
    h.push_str("<h2>Settings</h2>\n<table><tbody>\n");
    h.push_str(&format!(
        "<tr><td>program</td><td>procsim {}</td></tr>\n",
        escape(&c.baseline.procsim)
    ));
    for s in std::iter::once(&c.baseline).chain(c.designs.iter().map(|d| &d.summary)) {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{} · seed {} · {} replications</td></tr>\n",
            escape(&s.scenario),
            escape(&s.file),
            s.seed,
            s.replications
        ));
    }
    h.push_str("</tbody></table>\n<p class=\"muted\">Generated by procsim. Each design's KPI is the mean over replications; the difference is the mean of per-replication differences with a Student-t 95% interval.</p>\n</body></html>\n");
    h
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
