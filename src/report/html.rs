//! The self-contained HTML report of a comparison: inline CSS and SVG, no
//! scripts, no network; A4 on paper.
//!
//! The order is what a director reads first: a summary in sentences, the
//! headline KPIs with units and targets, the charts, then each pool and
//! each process (pools of either design, blank where a design has none),
//! and last, folded, every KPI key. Rates and shares change in percentage
//! points, other KPIs in percent; numbers have three significant digits.

use super::{sig3, signed, signed_pct};
use crate::check::TargetResult;
use crate::compare::{Comparison, Diff, Verdict};
use crate::kpi::{self, Kpi};
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

/// The pages' style sheet.
pub(crate) const CSS: &str = r#"
body { font-family: "procsim-sans", system-ui, "Noto Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; max-width: 1040px; margin: 2em auto; padding: 0 1.2em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 2px solid #0072b2; padding-bottom: .2em; } h3 { margin-bottom: .3em; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
.lead { font-size: 1.05em; background: #f2f7fb; border-left: 4px solid #0072b2; padding: .7em 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
td { white-space: nowrap; } td:first-child { white-space: normal; min-width: 9em; }
thead th { background: #f4f4f4; font-weight: 600; vertical-align: bottom; }
thead { display: table-header-group; } tr { break-inside: avoid; page-break-inside: avoid; }
.ch { display: block; font-size: .85em; color: #555; } .ci { display: block; font-size: .75em; color: #777; white-space: normal; }
.wide { overflow-x: auto; } th { min-width: 6em; }
.better { color: #00784d; } .worse { color: #b3261e; }
.ch.better, .ch.worse { font-weight: 600; }
.met { color: #00784d; font-weight: 600; } .missed { color: #b3261e; font-weight: 600; }
.caution { color: #8a5a00; cursor: help; }
abbr { text-decoration: underline dotted #999; cursor: help; }
figure { margin: 1.2em 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; } figure svg text { font-family: "procsim-sans", "Noto Sans CJK SC", sans-serif; }
figcaption { color: #555; font-size: .9em; }
.muted { color: #666; font-size: .9em; } .note { font-size: .88em; color: #444; max-width: 60em; }
dd { margin-bottom: .6em; } dl.glossary dt { font-weight: 600; }
details > summary { cursor: pointer; font-weight: 600; margin: 1em 0; }
@page { size: A4; margin: 14mm 12mm; }
@media print { body { max-width: none; margin: 0; padding: 0; font-size: 10pt; } .wide { overflow: visible; } table { font-size: 8pt; } .lead { background: none; } h2 { margin-top: 1.2em; } }
"#;

/// A value for people: shares in percent, other KPIs with three
/// significant digits.
fn value(k: Option<&Kpi>, v: f64) -> String {
    match k {
        Some(k) if k.is_share() => format!("{}%", sig3(v * 100.0)),
        _ => sig3(v),
    }
}

/// The change of a KPI for people and its 95% interval: percentage
/// points for shares, percent of the baseline for the others (the
/// difference itself when the baseline is 0): ("-65%", "95% CI -68% to -61%").
fn change_parts(k: Option<&Kpi>, d: &Diff) -> (String, String) {
    let share = k.is_some_and(Kpi::is_share);
    if share || d.change_pct.is_none() {
        let (scale, unit) = if share { (100.0, " pp") } else { (1.0, "") };
        let main = format!("{}{unit}", signed(sig3(d.diff * scale)));
        let ci = match d.diff_ci95 {
            Some(h) => format!(
                "95% CI {}{unit} to {}{unit}",
                signed(sig3((d.diff - h) * scale)),
                signed(sig3((d.diff + h) * scale))
            ),
            None => "CI n/a".into(),
        };
        (main, ci)
    } else {
        let p = d.change_pct.unwrap_or(0.0);
        let ci = match d.change_pct_ci95() {
            Some((lo, hi)) => format!("95% CI {} to {}", signed_pct(lo), signed_pct(hi)),
            None => "CI n/a".into(),
        };
        (signed_pct(p), ci)
    }
}

/// The verdict's class and mark.
fn verdict(d: &Diff, key: &str) -> (&'static str, &'static str) {
    match d.verdict(key) {
        Verdict::Better => ("better", " ▲"),
        Verdict::Worse => ("worse", " ▼"),
        Verdict::Changed => ("", " ~"),
        Verdict::Same => ("", ""),
    }
}

/// Sentences for the summary paragraph of one design: one per KPI the
/// registry marks for a sentence.
pub(crate) fn summary_sentences(design: &crate::compare::DesignComparison) -> Vec<String> {
    kpi::sentences()
        .into_iter()
        .filter_map(|k| Some(sentence(k, design.vs_baseline.get(k.name)?)))
        .collect()
}

/// A sentence for a report: "mean wait fell from 18.2 to 6.4 min (-65%,
/// 95% CI -68% to -61%)"; shares in percent and percentage points.
pub fn sentence(k: &Kpi, d: &Diff) -> String {
    let verb = if !d.significant {
        "did not change significantly"
    } else if d.diff < 0.0 {
        "fell"
    } else {
        "rose"
    };
    let unit = if k.unit.is_empty() || k.is_share() {
        String::new()
    } else {
        format!(" {}", k.unit)
    };
    let (before, after) = (value(Some(k), d.before), value(Some(k), d.after));
    let (main, ci) = change_parts(Some(k), d);
    let change = format!("{main}, {ci}");
    if d.significant {
        format!(
            "{} {verb} from {before} to {after}{unit} ({change})",
            k.label
        )
    } else {
        format!("{} {verb}: {before} vs {after}{unit} ({change})", k.label)
    }
}

/// Where a KPI measured over completed cases needs a caution: the design
/// completed a significantly different number of cases (of the scenario,
/// or of `process`), so the cases it measures are not the same mix.
fn mix_caution(d: &crate::compare::DesignComparison, key: &str) -> Option<String> {
    let k = kpi::find(key)?;
    let measured_on_completions = k.name.starts_with("lead_time") || k.name.starts_with("visits");
    if !measured_on_completions {
        return None;
    }
    let completed_key = match kpi::split_key(key)? {
        (kpi::Level::Process, Some(p), _) => format!("processes.{p}.completed"),
        _ => "completed".to_string(),
    };
    let arrived_key = completed_key.replace("completed", "arrived");
    let c = d.vs_baseline.get(&completed_key)?;
    if !c.significant {
        return None;
    }
    let share = |done: f64| {
        d.vs_baseline
            .get(&arrived_key)
            .filter(|a| a.before > 0.0)
            .map(|a| format!("{}%", sig3(100.0 * done / a.before)))
    };
    let (b, a) = (share(c.before), share(c.after));
    Some(match (b, a) {
        (Some(b), Some(a)) => format!(
            "measured over completed cases only: the baseline completed {b} of the cases that arrived, this design {a}, so the two average over a different mix of cases"
        ),
        _ => "measured over completed cases only, and the designs completed different numbers of cases: the two average over a different mix".to_string(),
    })
}

/// A design's cell: its value, and below it the change against the
/// baseline (coloured by verdict, with a caution mark where the mix of
/// completed cases differs).
fn design_cell(d: &crate::compare::DesignComparison, key: &str) -> String {
    let k = kpi::find(key);
    let Some(x) = d.vs_baseline.get(key) else {
        // In this design only (a pool or process the baseline lacks).
        return match d.summary.get(key).copied().flatten() {
            Some(e) => format!("<td>{}</td>", value(k, e.mean)),
            None => "<td></td>".into(),
        };
    };
    let (class, mark) = verdict(x, key);
    let caution = mix_caution(d, key)
        .map(|why| {
            format!(
                " <span class=\"caution\" title=\"{}\">†</span>",
                escape(&why)
            )
        })
        .unwrap_or_default();
    let (main, ci) = change_parts(k, x);
    format!(
        "<td>{}{caution}<span class=\"ch {class}\">{}{mark}</span><span class=\"ci\">{}</span></td>",
        value(k, x.after),
        escape(&main),
        escape(&ci)
    )
}

/// The baseline's cell.
fn baseline_cell(c: &Comparison, key: &str) -> String {
    match c.baseline.get(key).copied().flatten() {
        Some(e) => format!("<td>{}</td>", value(kpi::find(key), e.mean)),
        None => "<td></td>".into(),
    }
}

/// A KPI's name for a table: its label and unit, its definition on hover.
fn kpi_head(k: &Kpi) -> String {
    let unit = if k.unit.is_empty() || k.unit == "cases" || k.is_share() {
        String::new()
    } else {
        format!(" ({})", k.unit)
    };
    format!(
        "<abbr title=\"{}\">{}</abbr>{unit}",
        escape(k.definition),
        escape(k.label)
    )
}

/// The header row: a first column, the baseline, each design.
fn design_head(c: &Comparison, first: &str) -> String {
    let mut h = format!(
        "<thead><tr><th>{first}</th><th>{} <span class=\"muted\">(baseline)</span></th>",
        escape(&c.baseline.scenario)
    );
    for d in &c.designs {
        h.push_str(&format!("<th>{}</th>", escape(&d.summary.scenario)));
    }
    h.push_str("</tr></thead>\n");
    h
}

/// The headline table: one row per headline KPI.
fn headline_table(c: &Comparison) -> String {
    let mut h = String::from("<div class=\"wide\"><table class=\"headline\">");
    h.push_str(&design_head(c, "KPI"));
    h.push_str("<tbody>\n");
    for k in kpi::headlines() {
        if c.baseline.get(k.name).is_none()
            && c.designs.iter().all(|d| d.summary.get(k.name).is_none())
        {
            continue;
        }
        h.push_str(&format!(
            "<tr><td>{}</td>{}",
            kpi_head(k),
            baseline_cell(c, k.name)
        ));
        for d in &c.designs {
            h.push_str(&design_cell(d, k.name));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    h
}

/// The targets of every design: met or missed.
fn targets_table(c: &Comparison, targets: &[Vec<TargetResult>]) -> String {
    let mut keys: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
    for t in targets.iter().flatten() {
        if !keys
            .iter()
            .any(|k| k.0 == t.kpi && k.1 == t.min && k.2 == t.max)
        {
            keys.push((t.kpi.clone(), t.min, t.max));
        }
    }
    if keys.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h3>Targets</h3>\n<table>");
    h.push_str(&design_head(c, "target").replace("<th>target</th>", "<th>KPI</th><th>target</th>"));
    h.push_str("<tbody>\n");
    for (key, min, max) in &keys {
        let k = kpi::find(key);
        let range = match (min, max) {
            (Some(a), Some(b)) => format!("{} to {}", value(k, *a), value(k, *b)),
            (Some(a), None) => format!("at least {}", value(k, *a)),
            (None, Some(b)) => format!("at most {}", value(k, *b)),
            (None, None) => String::new(),
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{range}</td>",
            k.map_or_else(|| escape(key), |_| escape(&kpi::describe(key)))
        ));
        for design in targets {
            let t = design
                .iter()
                .find(|t| &t.kpi == key && t.min == *min && t.max == *max);
            h.push_str(&match t {
                None => "<td></td>".into(),
                Some(t) => {
                    let v = t.value.map_or("no data".into(), |e| value(k, e.mean));
                    let (class, word) = if t.passed {
                        ("met", "met")
                    } else {
                        ("missed", "missed")
                    };
                    let note = t
                        .note
                        .as_ref()
                        .map(|n| format!(" title=\"{}\"", escape(n)))
                        .unwrap_or_default();
                    format!("<td{note}>{v} <span class=\"{class}\">{word}</span></td>")
                }
            });
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h
}

/// Names of pools or processes over every design, baseline first.
fn names_of(c: &Comparison, level: kpi::Level) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let map = |s: &Summary| -> Vec<String> {
        match level {
            kpi::Level::Pool => s.pools.keys().cloned().collect(),
            _ => s.processes.keys().cloned().collect(),
        }
    };
    for s in std::iter::once(&c.baseline).chain(c.designs.iter().map(|d| &d.summary)) {
        for n in map(s) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// One table per KPI of a level: a row per pool (or process) of any
/// design, a column per design, blank where a design has no such pool.
fn level_tables(c: &Comparison, level: kpi::Level, kpis: &[&str]) -> String {
    let names = names_of(c, level);
    let word = if level == kpi::Level::Pool {
        "pool"
    } else {
        "process"
    };
    let mut h = String::new();
    for k in kpi::at(level).filter(|k| kpis.contains(&k.name)) {
        let key = |n: &str| format!("{}.{n}.{}", level.prefix(), k.name);
        if names.iter().all(|n| {
            c.baseline.get(&key(n)).is_none()
                && c.designs.iter().all(|d| d.summary.get(&key(n)).is_none())
        }) {
            continue;
        }
        h.push_str(&format!("<h3>{}</h3>\n<table>", kpi_head(k)));
        h.push_str(&design_head(c, word));
        h.push_str("<tbody>\n");
        for n in &names {
            let key = key(n);
            h.push_str(&format!(
                "<tr><td>{}</td>{}",
                escape(n),
                baseline_cell(c, &key)
            ));
            for d in &c.designs {
                h.push_str(&design_cell(d, &key));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }
    h
}

/// Every KPI key, folded: the reference table.
fn all_keys_table(c: &Comparison) -> String {
    let mut keys: Vec<String> = c.baseline.entries().into_iter().map(|e| e.0).collect();
    for d in &c.designs {
        for (k, _) in d.summary.entries() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut h = format!(
        "<details><summary>Every KPI key ({} keys; the names used in targets, comparison.csv and comparison.json)</summary>\n<table>",
        keys.len()
    );
    h.push_str(&design_head(c, "key"));
    h.push_str("<tbody>\n");
    for key in &keys {
        let title = kpi::find(key).map_or(String::new(), |k| {
            format!(" title=\"{}\"", escape(k.definition))
        });
        h.push_str(&format!(
            "<tr><td{title}><code>{}</code></td>{}",
            escape(key),
            baseline_cell(c, key)
        ));
        for d in &c.designs {
            h.push_str(&design_cell(d, key));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></details>\n");
    h
}

/// The glossary of the KPIs the tables show.
fn glossary(keys: &[&Kpi]) -> String {
    let mut h = String::from("<dl class=\"glossary\">\n");
    for k in keys {
        h.push_str(&format!(
            "<dt>{}{}</dt><dd>{} <span class=\"muted\">(key <code>{}</code>)</span></dd>\n",
            escape(k.label),
            if k.unit.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(k.unit))
            },
            escape(k.definition),
            escape(k.name)
        ));
    }
    h.push_str("</dl>\n");
    h
}

/// Pool KPIs the report tabulates.
const POOL_KPIS: [&str; 6] = [
    "utilization",
    "wait_min",
    "wait_p90_min",
    "queue_mean",
    "queue_max",
    "served",
];
/// Process KPIs the report tabulates.
const PROCESS_KPIS: [&str; 7] = [
    "completed",
    "wait_min",
    "lead_time_wd",
    "visits",
    "one_visit_rate",
    "on_time_rate",
    "zero_visit_rate",
];

/// The page.
pub(crate) fn report(
    c: &Comparison,
    descriptions: &[String],
    charts: &[PageChart],
    font_face: Option<&str>,
    targets: &[Vec<TargetResult>],
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
    h.push_str("<h2>Summary</h2>\n");
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
    h.push_str("<h2>Headline KPIs</h2>\n");
    h.push_str(&headline_table(c));
    h.push_str("<p class=\"note\">Each design's cell: its mean over replications, and below it the change against the baseline with its 95% interval (rates and shares in percentage points, pp; other KPIs in percent of the baseline). ▲ significantly better, ▼ significantly worse, ~ changed (no better direction). † the KPI is measured over completed cases and the designs completed different shares of their cases: hover for the numbers. Hover a KPI for its definition, or see the glossary below.</p>\n");
    h.push_str(&targets_table(c, targets));
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
    h.push_str("</dl>\n<h2>Charts</h2>\n");
    for ch in charts {
        h.push_str(&figure(ch));
    }
    h.push_str("<h2>Pools</h2>\n<p class=\"note\">Every pool of any design; a blank cell: the design has no such pool.</p>\n");
    h.push_str(&level_tables(c, kpi::Level::Pool, &POOL_KPIS));
    h.push_str("<h2>Processes</h2>\n");
    h.push_str(&level_tables(c, kpi::Level::Process, &PROCESS_KPIS));
    h.push_str("<h2>Glossary</h2>\n");
    let shown: Vec<&Kpi> = kpi::headlines()
        .into_iter()
        .chain(kpi::at(kpi::Level::Pool).filter(|k| POOL_KPIS.contains(&k.name)))
        .chain(kpi::at(kpi::Level::Process).filter(|k| PROCESS_KPIS.contains(&k.name)))
        .collect();
    h.push_str(&glossary(&shown));
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
    h.push_str("</tbody></table>\n<p class=\"muted\">Generated by procsim. Each design's KPI is the mean over replications; the difference is the mean of per-replication differences with a Student-t 95% interval.</p>\n");
    h.push_str("<h2>All KPIs</h2>\n");
    h.push_str(&all_keys_table(c));
    h.push_str("</body></html>\n");
    h
}

/// A chart as a figure of a page, captioned with its title and files.
pub(crate) fn figure(ch: &PageChart) -> String {
    format!(
        "<figure id=\"{}\">{}<figcaption>{} (charts/{}.svg, .png)</figcaption></figure>\n",
        escape(&ch.stem),
        strip_xml_header(&ch.svg),
        escape(&ch.title),
        escape(&ch.stem)
    )
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(k: Option<&Kpi>, d: &Diff) -> String {
        let (main, ci) = change_parts(k, d);
        format!("{main} ({ci})")
    }

    fn diff(before: f64, after: f64, half: Option<f64>) -> Diff {
        Diff {
            before,
            after,
            diff: after - before,
            diff_ci95: half,
            change_pct: (before != 0.0).then(|| 100.0 * (after - before) / before),
            p_value: None,
            p_adjusted: None,
            significant: half.is_some_and(|h| h < (after - before).abs()),
            paired: true,
        }
    }

    #[test]
    fn shares_change_in_points_and_others_in_percent() {
        let on_time = kpi::find("on_time_rate").unwrap();
        // 0.824 -> 1.000: +17.6 points (not "+21%").
        let d = diff(0.824, 1.0, Some(0.00335));
        assert_eq!(
            change(Some(on_time), &d),
            "+17.6 pp (95% CI +17.3 pp to +17.9 pp)"
        );
        assert_eq!(value(Some(on_time), 1.0), "100%");
        let wait = kpi::find("wait_min").unwrap();
        // 19.09 -> 0.0812: -99.57%, not "-100%".
        let d = diff(19.09, 0.0812, Some(0.132));
        // The interval's low end, -100.3%, is cut at -100% (no KPI is negative).
        assert_eq!(change(Some(wait), &d), "-99.6% (95% CI -100% to -98.9%)");
    }

    #[test]
    fn no_negative_zero_and_no_false_hundred() {
        assert_eq!(sig3(-0.0001), "-0.0001");
        assert_eq!(sig3(-1e-11), "0");
        assert_eq!(signed_pct(-99.96), "-99.96%");
        assert_eq!(signed_pct(-100.0), "-100%");
        assert_eq!(signed_pct(0.0), "0%");
        assert_eq!(sig3(21589.300000000003), "21589");
        assert_eq!(sig3(1.0), "1");
        assert_eq!(sig3(0.0736), "0.0736");
    }
}
