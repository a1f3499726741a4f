//! The files of a staffing (`--out`): `staffing.json`, `staffing.csv`,
//! `charts/staff_*` and `staffing.html`, a self-contained page in the
//! style of `compare`'s report (its CSS, charts and font).

use super::Staffing;
use crate::report::chart::{ChartSpec, Series, Ticks};
use crate::report::files::OutDir;
use crate::report::html::{escape, CSS};
use crate::report::{base64, csv_number, sig3, write_charts};

/// Writes `staffing.json`, `staffing.csv`, the charts and `staffing.html`.
pub fn write_staffing(dir: &mut OutDir, s: &Staffing) -> std::io::Result<()> {
    let json = serde_json::to_string_pretty(s).unwrap_or_default() + "\n";
    dir.write("staffing.json", json.as_bytes())?;
    dir.write("staffing.csv", staffing_csv(s).as_bytes())?;
    let charts = write_charts(dir, charts(s))?;
    let non_ascii = !s.scenario.is_ascii() || s.pools.iter().any(|p| !p.pool.is_ascii());
    let face = non_ascii.then(|| base64(crate::report::chart::font_bytes()));
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>procsim: staffing of {}</title>\n<style>",
        escape(&s.scenario)
    ));
    if let Some(face) = face {
        h.push_str(&format!("@font-face {{ font-family: \"procsim-sans\"; src: url(data:font/otf;base64,{face}) format(\"opentype\"); }}\n"));
    }
    h.push_str(CSS);
    h.push_str("</style></head><body>\n");
    h.push_str(&format!("<h1>Staffing of {}</h1>\n", escape(&s.scenario)));
    h.push_str(&format!(
        "<p class=\"muted\">procsim {} · target {} in every {}-minute interval, by interval of arrival · seed {} · {} replications per simulation · {} simulations · intervals are 95%</p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&s.target.to_string()),
        s.interval_min,
        s.seed,
        s.replications,
        s.simulations
    ));
    h.push_str("<h2>Summary</h2>\n");
    for p in &s.pools {
        let constant = match (p.constant_servers, p.constant_staff_hours_per_day) {
            (Some(c), Some(hours)) => format!(
                " A constant staffing needs {c} servers all day, {} staff-hours: the schedule saves {} staff-hours a day ({}%).",
                sig3(hours),
                sig3(hours - p.staff_hours_per_day),
                sig3(100.0 * (hours - p.staff_hours_per_day) / hours.max(1e-9))
            ),
            _ => " No constant staffing up to the schedule's peak plus 5 meets the target.".into(),
        };
        h.push_str(&format!(
            "<p class=\"lead\"><b>{}</b>: {} staff-hours per open day with the schedule {}.{constant}</p>\n",
            escape(&p.pool),
            sig3(p.staff_hours_per_day),
            escape(&super::schedule_yaml(&p.schedule))
        ));
    }
    let settle = if s.converged {
        "settled"
    } else {
        "did not settle"
    };
    h.push_str(&format!(
        "<p class=\"note\">The Iterative Staffing Algorithm {settle} after {} iterations (largest change of any interval per iteration: {}){}. {}</p>\n",
        s.iterations,
        s.changes.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        if s.search_rounds > 0 { format!(", then {} rounds of local search", s.search_rounds) } else { String::new() },
        if s.meets_target { "Every interval meets the target in the final simulation." } else { "Some intervals (marked) miss the target in the final simulation." }
    ));
    h.push_str("<h2>Charts</h2>\n");
    for ch in &charts {
        let svg = ch
            .svg
            .find("<svg")
            .map_or(ch.svg.as_str(), |i| &ch.svg[i..]);
        h.push_str(&format!(
            "<figure id=\"{}\">{svg}<figcaption>{} (charts/{}.svg, .png)</figcaption></figure>\n",
            escape(&ch.stem),
            escape(&ch.title),
            escape(&ch.stem)
        ));
    }
    for p in &s.pools {
        h.push_str(&format!("<h2>Pool {}</h2>\n", escape(&p.pool)));
        h.push_str(&format!(
            "<table><thead><tr><th>interval</th><th>arrivals per day</th><th>offered load</th><th>servers</th><th>{}</th><th>utilization</th></tr></thead><tbody>\n",
            escape(s.target.kpi.key())
        ));
        for r in &p.intervals {
            let achieved = r.achieved.map_or("–".to_string(), |e| {
                let class = if e.mean > s.target.max {
                    "missed"
                } else {
                    "met"
                };
                format!(
                    "<span class=\"{class}\">{}</span><span class=\"ci\">± {}</span>",
                    sig3(e.mean),
                    sig3(e.ci95)
                )
            });
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{achieved}</td><td>{}</td></tr>\n",
                escape(&r.start),
                sig3(r.arrivals),
                sig3(r.offered_load),
                r.servers,
                r.utilization.map_or("–".into(), |u| format!("{}%", sig3(100.0 * u)))
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<p class=\"muted\">Generated by procsim staff. Arrivals: citizens coming to the pool's queue per open day in the interval. Offered load: arrivals per minute times the mean service time, in servers. The target's measure is over the citizens who arrived in the interval, mean over replications with a Student-t 95% interval.</p>\n");
    h.push_str("</body></html>\n");
    dir.write("staffing.html", h.as_bytes())
}

/// One row per pool and interval.
fn staffing_csv(s: &Staffing) -> String {
    let key = s.target.kpi.key();
    let mut out =
        format!("pool,start,open_min,arrivals,offered_load,servers,{key},{key}_ci95,utilization\n");
    let num = |v: Option<f64>| v.map(csv_number).unwrap_or_default();
    for p in &s.pools {
        for r in &p.intervals {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                p.pool,
                r.start,
                csv_number(r.open_min),
                csv_number(r.arrivals),
                csv_number(r.offered_load),
                r.servers,
                num(r.achieved.map(|e| e.mean)),
                num(r.achieved.map(|e| e.ci95)),
                num(r.utilization)
            ));
        }
    }
    out
}

/// Hours of the day of an interval's middle (`"09:30"` -> 9.75 for 30 minutes).
fn middle(start: &str, minutes: u32) -> f64 {
    let (h, m) = start.split_once(':').unwrap_or(("0", "0"));
    let h: f64 = h.parse().unwrap_or(0.0);
    let m: f64 = m.parse().unwrap_or(0.0);
    h + (m + f64::from(minutes) / 2.0) / 60.0
}

/// Per pool: servers against offered load, and the achieved target.
fn charts(s: &Staffing) -> Vec<(String, ChartSpec)> {
    let mut out = Vec::new();
    for (i, p) in s.pools.iter().enumerate() {
        let x = |r: &super::IntervalRow| middle(&r.start, s.interval_min);
        let step = f64::from(s.interval_min) / 60.0;
        // A closed stretch (lunch) breaks the lines: no line through it.
        let line = |y: &dyn Fn(&super::IntervalRow) -> f64| {
            let mut points: Vec<(f64, f64)> = Vec::new();
            for r in &p.intervals {
                if points
                    .last()
                    .is_some_and(|&(last, _)| x(r) - last > step * 1.5)
                {
                    points.push((x(r) - step, f64::NAN));
                }
                points.push((x(r), y(r)));
            }
            points
        };
        let mut series = vec![
            Series {
                name: "servers (schedule)".into(),
                points: line(&|r| f64::from(r.servers)),
            },
            Series {
                name: "offered load (arrivals x mean service)".into(),
                points: line(&|r| r.offered_load),
            },
        ];
        if let Some(c) = p.constant_servers {
            series.push(Series {
                name: format!("constant staffing ({c})"),
                points: line(&|_| f64::from(c)),
            });
        }
        out.push((
            format!("staff_{i}_servers"),
            ChartSpec::Lines {
                title: format!("{}: servers and offered load by time of day", p.pool),
                x_label: "time of day".into(),
                y_label: "servers".into(),
                series,
                steps: false,
                x_ticks: Ticks::Hour,
                y_ticks: Ticks::Plain,
            },
        ));
        out.push((
            format!("staff_{i}_arrivals"),
            ChartSpec::Bars {
                title: format!("{}: arrivals per open day by interval", p.pool),
                x_label: "interval".into(),
                y_label: "citizens".into(),
                categories: p.intervals.iter().map(|r| r.start.clone()).collect(),
                series: vec![(
                    "arrivals".into(),
                    p.intervals.iter().map(|r| Some(r.arrivals)).collect(),
                )],
                y_ticks: Ticks::Plain,
            },
        ));
        let share = matches!(
            s.target.kpi,
            super::StaffKpi::DelayProbability | super::StaffKpi::AbandonmentShare
        );
        out.push((
            format!("staff_{i}_achieved"),
            ChartSpec::ErrorLines {
                title: format!("{}: {} by interval of arrival", p.pool, s.target.kpi.key()),
                x_label: "time of day".into(),
                y_label: s.target.kpi.key().into(),
                series: vec![(
                    "with the schedule".into(),
                    p.intervals
                        .iter()
                        .filter_map(|r| r.achieved.map(|e| (x(r), e.mean, e.ci95)))
                        .collect(),
                )],
                bounds: vec![(format!("target {}", s.target.max), s.target.max)],
                x_ticks: Ticks::Hour,
                y_ticks: if share { Ticks::Share } else { Ticks::Plain },
            },
        ));
    }
    out
}
