//! `fit-report.html`: the evidence of a fit for people. The validation
//! (each figure of the log beside the fitted scenario's simulated range,
//! flagged where outside), waits and queues by hour, per fitted service
//! time a histogram with the fitted density and a Q-Q plot, and per fitted
//! patience the Kaplan-Meier curve beside the fitted survival curves.
//! Charts are the report's own ([`super::chart`]), the page's style the compare report's.

use super::chart::{ChartSpec, Series, Ticks};
use super::html::{escape, figure, PageChart, CSS};
use crate::fit::patience::Patience;
use crate::fit::validate::{Figure, Validation};
use crate::fit::Fit;
use std::collections::BTreeMap;

/// Bins of a service-time histogram.
const BINS: usize = 40;
/// Points of a Q-Q plot.
const QQ_POINTS: usize = 99;
/// Points of a fitted survival curve.
const SURVIVAL_POINTS: usize = 400;

/// A file stem from a process and pool name (letters and digits kept).
fn stem(prefix: &str, process: &str, pool: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect()
    };
    format!("{prefix}_{}_{}", clean(process), clean(pool))
}

/// The validation's figures named `{what} HHh`, as (hour, figure).
fn by_hour<'a>(figures: &'a [Figure], what: &str) -> Vec<(f64, &'a Figure)> {
    figures
        .iter()
        .filter_map(|f| {
            let h = f
                .name
                .strip_prefix(what)?
                .strip_prefix(' ')?
                .strip_suffix('h')?;
            Some((h.parse::<f64>().ok()?, f))
        })
        .collect()
}

/// The charts of a fit: observed against simulated by hour, and per
/// service fit a histogram with its density and a Q-Q plot. `times` are
/// the service times in seconds by (process, pool).
pub(crate) fn charts(
    fit: &Fit,
    times: &BTreeMap<(&str, &str), Vec<f64>>,
) -> Vec<(String, ChartSpec)> {
    let mut out = Vec::new();
    if let Some(v) = &fit.validation {
        for (what, title, y_label) in [
            ("wait_min", "Mean wait by hour of issue", "wait (min)"),
            (
                "wait_p90_min",
                "90th-percentile wait by hour of issue",
                "wait (min)",
            ),
            ("queue", "Queue length by hour", "citizens waiting"),
        ] {
            let rows = by_hour(&v.figures, what);
            if rows.is_empty() {
                continue;
            }
            out.push((
                format!("fit_{what}_by_hour"),
                ChartSpec::ErrorLines {
                    title: format!("{title}: the log and the fitted scenario"),
                    x_label: "hour of day".into(),
                    y_label: y_label.into(),
                    series: vec![
                        (
                            "log".into(),
                            rows.iter().map(|(h, f)| (*h, f.observed, 0.0)).collect(),
                        ),
                        (
                            format!(
                                "fitted scenario (mean, 95% range of {} replications)",
                                v.replications
                            ),
                            rows.iter()
                                .map(|(h, f)| {
                                    (*h, f.simulated, (f.interval.1 - f.interval.0) / 2.0)
                                })
                                .collect(),
                        ),
                    ],
                    bounds: vec![],
                    x_ticks: Ticks::Hour,
                    y_ticks: Ticks::Plain,
                },
            ));
        }
    }
    for s in &fit.service {
        let Some(x) = times.get(&(s.process.as_str(), s.pool.as_str())) else {
            continue;
        };
        let best = s.best();
        let Some((pdf, quantile)) = best.functions() else {
            continue;
        };
        let mut min: Vec<f64> = x.iter().filter(|v| **v > 0.0).map(|v| v / 60.0).collect();
        if min.is_empty() {
            continue;
        }
        min.sort_by(f64::total_cmp);
        // The histogram up to the 99th percentile, so that a long tail does
        // not squeeze the body; densities per minute.
        let top = min[((min.len() - 1) as f64 * 0.99) as usize].max(1e-9);
        let width = top / BINS as f64;
        let mut counts = vec![0usize; BINS];
        for v in &min {
            if *v <= top {
                counts[((v / width) as usize).min(BINS - 1)] += 1;
            }
        }
        let n = min.len() as f64;
        let mut bars = Vec::new();
        for (i, c) in counts.iter().enumerate() {
            let d = *c as f64 / n / width;
            bars.push((i as f64 * width, d));
            bars.push(((i + 1) as f64 * width, d));
        }
        let density: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let t = top * i as f64 / 60.0;
                (t, pdf(t * 60.0) * 60.0)
            })
            .filter(|(_, d)| d.is_finite())
            .collect();
        out.push((
            stem("fit_hist", &s.process, &s.pool),
            ChartSpec::Lines {
                title: format!(
                    "Service time of {} at {}: {} (n {})",
                    s.process, s.pool, best.family, s.n
                ),
                x_label: "service time (min)".into(),
                y_label: "density (per min)".into(),
                series: vec![
                    Series {
                        name: "log (histogram)".into(),
                        points: bars,
                    },
                    Series {
                        name: format!("fitted {}", best.family),
                        points: density,
                    },
                ],
                steps: false,
                x_ticks: Ticks::Plain,
                y_ticks: Ticks::Plain,
            },
        ));
        let qq: Vec<(f64, f64)> = (1..=QQ_POINTS)
            .map(|i| {
                let p = i as f64 / (QQ_POINTS + 1) as f64;
                let sample = min[((min.len() - 1) as f64 * p).round() as usize];
                (quantile(p) / 60.0, sample)
            })
            .collect();
        let hi = qq.iter().map(|(a, b)| a.max(*b)).fold(0.0, f64::max);
        out.push((
            stem("fit_qq", &s.process, &s.pool),
            ChartSpec::Lines {
                title: format!(
                    "Q-Q plot of {} at {}: log against fitted {}",
                    s.process, s.pool, best.family
                ),
                x_label: format!("fitted {} quantile (min)", best.family),
                y_label: "log quantile (min)".into(),
                series: vec![
                    Series {
                        name: "percentiles 1 to 99".into(),
                        points: qq,
                    },
                    Series {
                        name: "equal".into(),
                        points: vec![(0.0, 0.0), (hi, hi)],
                    },
                ],
                steps: false,
                x_ticks: Ticks::Plain,
                y_ticks: Ticks::Plain,
            },
        ));
    }
    out.extend(
        fit.patience
            .iter()
            .map(|p| (stem("fit_patience", &p.process, &p.pool), survival_chart(p))),
    );
    out
}

/// The Kaplan-Meier step curve of a patience, its Greenwood band (one
/// series: the low edge, a break, the high edge), the chosen family's
/// survival and the exponential's when another family was chosen.
fn survival_chart(p: &Patience) -> ChartSpec {
    let km = &p.kaplan_meier;
    let until = km.until_min.max(1e-9);
    let curve = |y: &dyn Fn(&crate::fit::patience::km::Point) -> f64| {
        let mut v = vec![(0.0, 1.0)];
        v.extend(km.points.iter().map(|q| (q.t_min, y(q))));
        v.extend(km.points.last().map(|q| (until, y(q))));
        v
    };
    let mut band = curve(&|q| q.low);
    band.push((until, f64::NAN));
    band.extend(curve(&|q| q.high));
    let fitted = |c: &crate::fit::patience::censored::Candidate| Series {
        name: format!("fitted {}, mean {:.1} min", c.family, c.mean_min),
        points: (0..=SURVIVAL_POINTS)
            .map(|i| {
                let t = until * i as f64 / SURVIVAL_POINTS as f64;
                (t, c.survival(t))
            })
            .collect(),
    };
    let mut series = vec![
        Series {
            name: format!(
                "log (Kaplan-Meier, {} left, {} called{})",
                p.left,
                p.served,
                if p.no_show > 0 {
                    format!("; {} no-shows left out", p.no_show)
                } else {
                    String::new()
                }
            ),
            points: curve(&|q| q.survival),
        },
        Series {
            name: "its 95% band (Greenwood)".into(),
            points: band,
        },
        fitted(p.chosen()),
    ];
    if let Some(e) = p.families.iter().skip(1).find(|c| c.family == "exp") {
        series.push(fitted(e));
    }
    ChartSpec::Lines {
        title: format!(
            "Patience of {} at {}: share still waiting, the log against fitted {}",
            p.process, p.pool, p.family
        ),
        x_label: "wait (min)".into(),
        y_label: "share still waiting".into(),
        series,
        steps: true,
        x_ticks: Ticks::Plain,
        y_ticks: Ticks::Share,
    }
}

/// The patience section: per (process, pool) the families fitted.
fn patience_table(h: &mut String, patience: &[Patience]) {
    h.push_str("<h2>Patience</h2>\n<div class=\"wide\"><table><thead><tr><th>process</th><th>pool</th><th>left</th><th>no-shows</th><th>called</th><th>family</th><th>mean (min)</th><th>exponential mean, 95% (min)</th><th>others (ΔAIC)</th></tr></thead><tbody>\n");
    for p in patience {
        let others = p
            .families
            .iter()
            .skip(1)
            .map(|c| {
                let mark = if c.converged { "" } else { ", not converged" };
                format!("{} (+{:.1}{mark})", c.family, c.aic - p.chosen().aic)
            })
            .collect::<Vec<_>>()
            .join(", ");
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1} ({:.1} to {:.1})</td><td>{}</td></tr>\n",
            escape(&p.process),
            escape(&p.pool),
            p.left,
            p.no_show,
            p.served,
            p.family,
            p.family_mean_min,
            p.mean_min,
            p.ci95_min.0,
            p.ci95_min.1,
            if p.exp_only {
                format!("fewer than {} left: exponential only", crate::fit::patience::MIN_LEFT)
            } else {
                escape(&others)
            }
        ));
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">Waits are censored data: a citizen who left waited exactly their patience, one who was called at least their wait. A no-show was called and gone: they left at some time before the call, and count in the fits with the probability of that. Each family is fitted by maximum likelihood with that censoring and the lowest AIC is chosen. The charts set the Kaplan-Meier estimate (free of any family) and its Greenwood 95% band against the fitted survival curves. The Kaplan-Meier curve leaves no-shows out (their leaving times are known only to lie before the call; Turnbull's estimator would take them in), so where they are many it lies above the patience they show.</p>\n");
}

/// The page, with `charts` rendered (from [`charts`]).
/// The log distances of the validation, each against the distances
/// between replications.
fn distance_table(h: &mut String, v: &Validation) {
    if v.distances.is_empty() {
        return;
    }
    let farther = v.distances.iter().filter(|d| d.farther).count();
    h.push_str("<h3>Log distances</h3>\n");
    h.push_str(&format!(
        "<p class=\"lead\">{} of {} measures put every replication farther from the log than any two consecutive replications from each other.</p>\n",
        farther,
        v.distances.len()
    ));
    h.push_str("<div class=\"wide\"><table><thead><tr><th>measure</th><th>to the log (h)</th><th>range</th><th>between replications (h)</th><th>largest</th><th></th></tr></thead><tbody>\n");
    for d in &v.distances {
        h.push_str(&format!(
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{:.3}</td><td>{:.3} to {:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>\n",
            d.measure,
            escape(d.what),
            d.to_log,
            d.to_log_range.0,
            d.to_log_range.1,
            d.between_replications,
            d.between_max,
            if d.farther { "<b>farther</b>" } else { "" }
        ));
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">The measures the business-process simulation field uses to judge a model discovered from a log (Chapela-Campa, Benchekroun, Baron, Dumas et al., BPM 2023): each bins timestamps or durations by the hour and takes the earth mover's distance between the two normalized histograms, in hours (how far the mass of one must move to become the other). A right model's replications are histories like the log, so their distance from the log should look like their distance from each other.</p>\n");
}

pub(crate) fn page(fit: &Fit, charts: &[PageChart]) -> String {
    let mut h = String::new();
    let title = format!("Fit of {}", fit.log.file);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>procsim: {}</title>\n<style>{CSS}</style></head><body>\n",
        escape(&title)
    ));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&title)));
    h.push_str(&format!(
        "<p class=\"muted\">procsim {} · {} rows, {} tickets used · {} new cases over {} open days ({:.1} a day) · the fitted scenario is scenario.yaml, the evidence fit.json</p>\n",
        env!("CARGO_PKG_VERSION"),
        fit.log.rows,
        fit.log.tickets,
        fit.arrivals.cases,
        fit.calendar.open_days,
        fit.arrivals.daily
    ));
    if let Some(v) = &fit.validation {
        let outside = v.figures.iter().filter(|f| f.outside).count();
        h.push_str("<h2>Validation</h2>\n");
        h.push_str(&format!(
            "<p class=\"lead\">{} of {} figures of the log lie outside the 95% range of one replication of the fitted scenario ({} replications).</p>\n",
            outside,
            v.figures.len(),
            v.replications
        ));
        h.push_str("<table><thead><tr><th>figure</th><th>log</th><th>fitted scenario</th><th>95% range</th><th></th></tr></thead><tbody>\n");
        for f in &v.figures {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3} to {:.3}</td><td>{}</td></tr>\n",
                escape(&f.name),
                f.observed,
                f.simulated,
                f.interval.0,
                f.interval.1,
                if f.outside { "<b>outside</b>" } else { "" }
            ));
        }
        h.push_str("</tbody></table>\n<p class=\"note\">The log is one history, so each figure is set against the range of a single replication: the replications' mean ± t(0.975, n−1)·sd·√(1 + 1/n). Waits are of served tickets by hour of issue, in minutes; queue is the mean number waiting in the open minutes of the hour; utilization is service time over the fitted windows' open time.</p>\n");
        distance_table(&mut h, v);
    }
    h.push_str("<h2>Service times</h2>\n<table><thead><tr><th>process</th><th>pool</th><th>n</th><th>mean (min)</th><th>family</th><th>KS</th><th>next (ΔAIC)</th></tr></thead><tbody>\n");
    for s in &fit.service {
        let b = s.best();
        let next = s
            .candidates
            .get(1)
            .map(|c| format!("{} (+{:.1})", c.family, c.aic - b.aic))
            .unwrap_or_default();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{:.4}</td><td>{}</td></tr>\n",
            escape(&s.process),
            escape(&s.pool),
            s.n,
            s.mean_s / 60.0,
            b.family,
            b.ks,
            escape(&next)
        ));
    }
    h.push_str("</tbody></table>\n");
    if !fit.patience.is_empty() {
        patience_table(&mut h, &fit.patience);
    }
    h.push_str("<h2>Charts</h2>\n");
    for ch in charts {
        h.push_str(&figure(ch));
    }
    h.push_str("</body></html>\n");
    h
}
