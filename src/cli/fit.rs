//! `procsim fit`: read a queue-ticket log, fit a baseline scenario, write
//! `scenario.yaml` and `fit.json`, and print what was found.

use super::failure::{emit, warn, Failure};
use super::{stop_flag, Context};
use crate::fit::{self, read};
use crate::report::files::{self, OutDir};
use crate::report::{fit_page, write_charts};
use std::path::Path;

pub(crate) fn fit(
    ctx: &Context,
    log_path: &Path,
    out: &Path,
    columns: &[String],
    validate: bool,
) -> Result<i32, Failure> {
    let mut names = read::Columns::default();
    for c in columns {
        let (name, header) = c.split_once('=').ok_or_else(|| {
            Failure::usage(format!(
                "--columns {c}: write NAME=HEADER, e.g. issued=TakeTime"
            ))
        })?;
        names
            .set(name.trim(), header.trim())
            .map_err(|e| Failure::usage(format!("--columns {c}: {e}")))?;
    }
    // A `scenario.yaml` already in DIR that no earlier procsim commit
    // wrote, or that was edited since, is the user's own: never overwritten.
    let ours = files::unlisted(out, &["scenario.yaml", "fit.json", "fit-report.html"]);
    if !ours.is_empty() {
        return Err(Failure::usage(format!(
            "--out {}: {} already there, not as procsim wrote it (not listed in {}, or changed since); choose another directory, or remove it to replace it",
            out.display(),
            ours.join(", "),
            files::MANIFEST
        )));
    }
    let log = read::read(log_path, &names).map_err(Failure::usage)?;
    let file = log_path.file_name().map_or_else(
        || log_path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let mut fitted = fit::fit(&log, &file);
    let yaml = fit::write::scenario_yaml(&fitted);
    // The fitted file must load: a failure here is a bug of `fit`, reported
    // with the text so that it can be fixed.
    let model = crate::scenario::load_str(&yaml, "scenario.yaml").map_err(|e| {
        Failure::usage(format!(
            "the fitted scenario does not validate (a bug of procsim fit):\n{e}\n{yaml}"
        ))
    })?;
    if validate {
        let observed = fit::validate::measures(&log.tickets, &fitted.pools, &fitted.calendar);
        let profile = fit::distance::Profile::of(&log.tickets, fitted.calendar.start);
        fitted.validation = Some(fit::validate::validate(
            &model,
            &observed,
            Some(&profile),
            &fitted.pools,
            &fitted.calendar,
            stop_flag(),
        )?);
    }
    let mut dir = OutDir::prepare_with_manifest(out)
        .map_err(|e| Failure::write(format!("cannot write to {}", out.display()), e))?;
    let times = fit::service_times(&log.tickets);
    let write = |dir: &mut OutDir| -> std::io::Result<()> {
        dir.write("scenario.yaml", yaml.as_bytes())?;
        dir.write("fit.json", fit::write::fit_json(&fitted).as_bytes())?;
        let charts = write_charts(dir, fit_page::charts(&fitted, &times))?;
        dir.write(
            "fit-report.html",
            fit_page::page(&fitted, &charts).as_bytes(),
        )
    };
    write(&mut dir).map_err(|e| Failure::write("writing output", e))?;
    dir.commit()
        .map_err(|e| Failure::write("writing output", e))?;
    if !ctx.quiet {
        for (why, n) in &fitted.log.skipped {
            warn(&format!("skipped {n} rows: {why}"));
        }
        for w in &fitted.calendar.short_weekdays {
            warn(&format!(
                "{}: tickets only {}, but a scenario's open days all have the same hours: the fitted calendar opens {} for {}",
                w.day,
                w.hours.join(", "),
                w.day,
                fitted.calendar.hours.join(", ")
            ));
        }
    }
    let a = &fitted.arrivals;
    let mut text = format!(
        "{} rows, {} tickets used; {} new cases over {} open days ({:.1} a day)\n",
        fitted.log.rows, fitted.log.tickets, a.cases, fitted.calendar.open_days, a.daily
    );
    for p in &fitted.pools {
        text += &format!("pool {}: {} windows ({})\n", p.name, p.windows, p.method);
    }
    for s in &fitted.service {
        let b = s.best();
        text += &format!(
            "service {} at {}: n {}, mean {:.2} min, {} (KS {:.4})\n",
            s.process,
            s.pool,
            s.n,
            s.mean_s / 60.0,
            b.family,
            b.ks
        );
    }
    for p in &fitted.patience {
        text += &format!(
            "patience {} at {}: {} left, {} called, {} mean {:.1} min{}\n",
            p.process,
            p.pool,
            p.left,
            p.served,
            p.family,
            p.family_mean_min,
            p.families
                .get(1)
                .map(|n| format!(" (next {} AIC +{:.1})", n.family, n.aic - p.chosen().aic))
                .unwrap_or_default()
        );
    }
    if let Some(v) = &fitted.validation {
        let outside: Vec<&str> = v
            .figures
            .iter()
            .filter(|f| f.outside)
            .map(|f| f.name.as_str())
            .collect();
        text += &format!(
            "validation: {} figures of the log against {} replications of the fitted scenario, {} outside their 95% prediction interval{}{}\n",
            v.figures.len(),
            v.replications,
            outside.len(),
            if outside.is_empty() { "" } else { ": " },
            outside.join(", ")
        );
        let farther: Vec<&str> = v
            .distances
            .iter()
            .filter(|d| d.farther)
            .map(|d| d.measure)
            .collect();
        text += &format!(
            "log distances: {} of {} measures farther from the log than the replications from each other{}{}\n",
            farther.len(),
            v.distances.len(),
            if farther.is_empty() { "" } else { ": " },
            farther.join(", ")
        );
    }
    text += &format!(
        "written: {0}/scenario.yaml, {0}/fit.json, {0}/fit-report.html, {0}/charts/\n",
        out.display()
    );
    emit(&text);
    Ok(0)
}
