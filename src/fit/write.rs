//! The fit's outputs: a scenario file (YAML, every fitted line with a
//! comment giving its evidence) and `fit.json` (the same evidence in full).

use super::patience::Patience;
use super::service::ServiceFit;
use super::Fit;
use std::fmt::Write;

/// A YAML double-quoted string (JSON's quoting is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// `s` for a YAML comment: its control characters (a line break would end
/// the comment) escaped, the rest as it is.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Seconds as a duration of the format, in minutes.
fn minutes(s: f64) -> String {
    format!("{:.4}min", s / 60.0)
}

/// The distribution of a fitted family in the format's words: `param`
/// gives a parameter by name, its durations in units of `unit_s` seconds.
fn distribution(family: &str, param: impl Fn(&str) -> f64, unit_s: f64) -> String {
    let p = |name: &str| {
        let v = param(name);
        if v.is_finite() {
            v
        } else {
            0.0
        }
    };
    let d = |name: &str| minutes(p(name) * unit_s);
    match family {
        "exp" => format!("{{exp: {}}}", d("mean")),
        "weibull" => format!(
            "{{weibull: {{shape: {:.4}, scale: {}}}}}",
            p("shape"),
            d("scale")
        ),
        family => format!("{{{family}: {{mean: {}, sd: {}}}}}", d("mean"), d("sd")),
    }
}

/// The patience of a step and the comment beside it.
fn patience(p: &Patience) -> (String, String) {
    let c = p.chosen();
    let mut why = format!("; patience: {} left, ", p.left);
    if p.no_show > 0 {
        let _ = write!(why, "{} no-shows (gone before the call), ", p.no_show);
    }
    let _ = write!(why, "{} censored (called), {} by AIC", p.served, c.family);
    if let Some(next) = p.families.get(1) {
        let _ = write!(why, " (next {} +{:.1})", next.family, next.aic - c.aic);
    }
    if p.exp_only {
        let _ = write!(
            why,
            ", fewer than {} left: exponential only",
            super::patience::MIN_LEFT
        );
    }
    let _ = write!(
        why,
        "; exp mean {:.1} min, 95% {:.1}-{:.1} min",
        p.mean_min, p.ci95_min.0, p.ci95_min.1
    );
    // The closed form's evidence, which holds only without no-shows.
    if p.no_show == 0 {
        let _ = write!(
            why,
            ", {} left over {:.0} min of waiting ({} called)",
            p.left, p.at_risk_min, p.served
        );
    }
    (
        format!(
            ", patience: {}",
            distribution(c.family, |n| c.param(n), 60.0)
        ),
        why,
    )
}

/// The comment beside a fitted service time.
fn evidence(f: &ServiceFit) -> String {
    let best = f.best();
    let mut s = format!("n {}, {} by AIC, KS {:.4}", f.n, best.family, best.ks);
    if let Some(next) = f.candidates.get(1) {
        let _ = write!(
            s,
            "; next {} (AIC +{:.1})",
            next.family,
            next.aic - best.aic
        );
    }
    if f.n < super::service::MIN_SAMPLE {
        let _ = write!(
            s,
            "; fewer than {} times: exponential only",
            super::service::MIN_SAMPLE
        );
    }
    s
}

/// Shares as millionths that sum to exactly one million (the largest
/// absorbs the rounding), so that the written mix sums to 1.
fn millionths(counts: &[usize]) -> Vec<u64> {
    let total: usize = counts.iter().sum::<usize>().max(1);
    let mut v: Vec<u64> = counts
        .iter()
        .map(|&n| (n as f64 * 1e6 / total as f64).round() as u64)
        .collect();
    let sum: u64 = v.iter().sum();
    if let Some(i) = (0..v.len()).max_by_key(|&i| v[i]) {
        v[i] = (v[i] + 1_000_000).saturating_sub(sum);
    }
    v
}

/// Twenty delays whose frequencies are those of `counts` (delay -> number
/// of returns) rounded to twentieths by largest remainder.
fn twentieths(counts: &std::collections::BTreeMap<u32, usize>) -> Vec<u32> {
    let total: usize = counts.values().sum::<usize>().max(1);
    let mut parts: Vec<(u32, usize, f64)> = counts
        .iter()
        .map(|(&d, &n)| {
            let x = n as f64 * 20.0 / total as f64;
            (d, x.floor() as usize, x - x.floor())
        })
        .collect();
    let short = 20 - parts.iter().map(|p| p.1).sum::<usize>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].2.total_cmp(&parts[a].2).then(a.cmp(&b)));
    for &i in order.iter().take(short) {
        parts[i].1 += 1;
    }
    parts
        .iter()
        .flat_map(|&(d, n, _)| std::iter::repeat_n(d, n))
        .collect()
}

/// The fitted scenario as YAML text.
pub fn scenario_yaml(fit: &Fit) -> String {
    let mut y = String::new();
    let c = &fit.calendar;
    let a = &fit.arrivals;
    let span = c.start.until(c.end).map_or(0, |s| s.get_days()) + 1;
    let _ = writeln!(
        y,
        "# Fitted by `procsim fit` from {}: {} rows, {} tickets used ({} skipped).",
        comment(&fit.log.file),
        fit.log.rows,
        fit.log.tickets,
        fit.log.skipped.values().sum::<usize>()
    );
    let _ = writeln!(y, "# The evidence for every value is in fit.json.");
    let _ = writeln!(
        y,
        "name: {}",
        quoted(&format!("fitted from {}", fit.log.file))
    );
    let _ = writeln!(y, "replications: 10");
    let _ = writeln!(
        y,
        "horizon: {span}d   # the log's arrivals, {} to {}",
        c.start, c.end
    );
    let _ = writeln!(y, "calendar:");
    let _ = writeln!(y, "  start: {}", c.start);
    let hours: Vec<String> = c.hours.iter().map(|h| quoted(h)).collect();
    let _ = writeln!(
        y,
        "  hours: [{}]   # {}-minute slots in which tickets were issued",
        hours.join(", "),
        super::calendar::SLOT
    );
    let _ = writeln!(
        y,
        "  days: [{}]   # weekdays with arrivals on more than half their dates",
        c.days.join(", ")
    );
    for w in &c.short_weekdays {
        let _ = writeln!(
            y,
            "  # {}: tickets only {} ({:.0}% of the hours above); every open day has the same hours here, so {} is simulated open all day",
            w.day,
            w.hours.join(", "),
            100.0 * w.share,
            w.day
        );
    }
    let dates = |d: &[jiff::civil::Date]| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !c.holidays.is_empty() {
        let _ = writeln!(
            y,
            "  holidays: [{}]   # open weekdays without arrivals",
            dates(&c.holidays)
        );
    }
    if !c.extra_workdays.is_empty() {
        let _ = writeln!(
            y,
            "  extra_workdays: [{}]   # closed weekdays with arrivals",
            dates(&c.extra_workdays)
        );
    }
    let _ = writeln!(y, "pools:");
    for p in &fit.pools {
        let servers = match p.schedule.as_slice() {
            [(_, n)] => n.to_string(),
            s => format!(
                "{{{}}}",
                s.iter()
                    .map(|(at, n)| format!("{}: {n}", quoted(at)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(
            y,
            "  {}: {{servers: {servers}}}   # {} windows ({}), {} served; by hour: most windows starting services on one day",
            quoted(&p.name),
            p.windows,
            p.method,
            p.served
        );
    }
    let _ = writeln!(y, "processes:");
    for r in &fit.routes {
        let _ = writeln!(
            y,
            "  {}:   # route of {} of {} cases served in full",
            quoted(&r.process),
            r.cases,
            r.of
        );
        let _ = writeln!(y, "    steps:");
        let back = fit
            .returns
            .iter()
            .find(|b| b.process == r.process && b.returns > 0);
        for (i, pool) in r.pools.iter().enumerate() {
            let f = fit
                .service
                .iter()
                .find(|f| f.process == r.process && &f.pool == pool);
            let (time, note) = match f {
                Some(f) => {
                    let best = f.best();
                    (
                        distribution(best.family, |n| best.param(n), 1.0),
                        evidence(f),
                    )
                }
                None => (
                    "1min".to_string(),
                    "no served ticket: a placeholder".to_string(),
                ),
            };
            let id = match (i, back) {
                (0, Some(_)) => "id: first, ",
                _ => "",
            };
            let (patience, why) = fit
                .patience
                .iter()
                .find(|p| p.process == r.process && &p.pool == pool)
                .map(patience)
                .unwrap_or_default();
            let _ = writeln!(
                y,
                "      - {{{id}serve: {}, time: {time}{patience}}}   # {note}{why}",
                quoted(pool)
            );
        }
        if let Some(b) = back {
            let delays = twentieths(&b.delay_wd)
                .iter()
                .map(|d| format!("{d}wd"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                y,
                "      - {{rework: {{p: {:.4}, after: {{empirical: [{delays}]}}, to: first}}}}   # {} returns of {} cases ({} came back, share {:.4}); delays in working days, in twentieths, mean {:.2}",
                b.p, b.returns, b.cases, b.returning, b.share, b.mean_delay_wd
            );
        }
    }
    let _ = writeln!(y, "arrivals:");
    let _ = writeln!(y, "  - name: tickets");
    let weekdays: Vec<String> = a
        .by_weekday
        .iter()
        .map(|w| format!("{} {:.1}", w.day, w.daily))
        .collect();
    match &a.weekday_test {
        Some(test) if test.by_weekday => {
            let open: Vec<String> = a
                .by_weekday
                .iter()
                .filter(|w| c.days.contains(&w.day))
                .map(|w| format!("{}: {:.3}", w.day, w.daily))
                .collect();
            let _ = writeln!(
                y,
                "    daily: {{{}}}   # new cases per date of each open weekday; they differ (F {:.1} on {} and {} df, p {:.2e}); {} new cases over {} open days",
                open.join(", "),
                test.f,
                test.df.0,
                test.df.1,
                test.p_value,
                a.cases,
                c.open_days
            );
        }
        test => {
            let why = test.as_ref().map_or_else(
                || "too few dates to compare weekdays".to_string(),
                |t| {
                    format!(
                        "weekdays do not differ beyond day-to-day noise (F {:.2}, p {:.2})",
                        t.f, t.p_value
                    )
                },
            );
            let _ = writeln!(
                y,
                "    daily: {:.3}   # {} new cases over {} open days; by weekday {}; {why}",
                a.daily,
                a.cases,
                c.open_days,
                weekdays.join(", ")
            );
        }
    }
    let profile: Vec<String> = a
        .profile
        .iter()
        .map(|e| format!("{}: {:.4}", quoted(&e.from), e.weight))
        .collect();
    let _ = writeln!(
        y,
        "    profile: {{{}}}   # arrivals per open minute of each hour, relative to the day's mean",
        profile.join(", ")
    );
    let shares = millionths(&a.mix.iter().map(|m| m.cases).collect::<Vec<_>>());
    let mix: Vec<String> = a
        .mix
        .iter()
        .zip(&shares)
        .map(|(m, s)| format!("{}: {:.6}", quoted(&m.process), *s as f64 / 1e6))
        .collect();
    let _ = writeln!(
        y,
        "    mix: {{{}}}   # first tickets of cases by item",
        mix.join(", ")
    );
    y
}

/// `fit.json`: everything the fit found, with its evidence.
pub fn fit_json(fit: &Fit) -> String {
    serde_json::to_string_pretty(fit).unwrap_or_default() + "\n"
}
