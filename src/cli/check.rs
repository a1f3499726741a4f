//! `procsim check`: run scenarios, test their targets (and a baseline);
//! PASS/FAIL lines or JSON, JUnit XML. Exit 1 on a failed test, 2 when a
//! file is invalid (the others are still run and reported, and the JUnit
//! file holds an error for it), 3 when a design is overloaded.

use super::failure::{emit, warn, Failure};
use super::progress::Progress;
use super::settings::load_model;
use super::{stop_flag, Context, Overrides};
use crate::check::{find_baseline, BaselineError, ScenarioCheck, Tolerance};
use crate::engine::EngineError;
use crate::multiplicity::Adjustment;
use crate::report::check::{check_lines, junit_xml, Invalid, Timing};
use crate::report::files::OutDir;
use crate::simulate::{simulate_many, SimulationError};
use std::path::{Path, PathBuf};

/// The arguments of `check`.
pub(crate) struct CheckArgs<'a> {
    pub(crate) scenarios: &'a [PathBuf],
    pub(crate) baseline: Option<&'a Path>,
    pub(crate) tolerance: Tolerance,
    /// How the baseline comparison's p-values are adjusted.
    pub(crate) adjustment: Adjustment,
    pub(crate) allow_missing_baseline: bool,
    pub(crate) junit: Option<&'a Path>,
    pub(crate) json: bool,
}

pub(crate) fn check(ctx: &Context, args: &CheckArgs, o: &Overrides) -> Result<i32, Failure> {
    let CheckArgs {
        scenarios,
        baseline,
        tolerance,
        adjustment,
        allow_missing_baseline,
        junit,
        json,
    } = *args;
    let started = std::time::SystemTime::now();
    // Load everything first; an invalid file is reported (and is an error
    // in the JUnit file) while the others are still checked.
    let mut loaded = Vec::new();
    let mut invalid = Vec::new();
    for p in scenarios {
        match load_model(ctx, p, o) {
            Ok(m) => loaded.push(m),
            Err(e) if e.code == 2 => {
                warn(&e.message);
                invalid.push(Invalid {
                    file: p.display().to_string(),
                    message: e.message,
                });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(b) = baseline {
        if !b.exists() {
            return Err(Failure::usage(format!(
                "baseline {} does not exist",
                b.display()
            )));
        }
    }
    // Baselines are found (or refused) before any simulation.
    let mut baselines = Vec::new();
    for (model, settings) in &loaded {
        baselines.push(match baseline.map(|b| find_baseline(b, &model.name)) {
            None => None,
            // With one replication there is no interval, so no difference
            // can be told from noise: a regression test would be a guess.
            Some(Ok((before, file)))
                if settings.replications < 2 || before.replications < 2 =>
            {
                return Err(Failure::usage(format!(
                    "`{}`: a baseline comparison needs at least 2 replications on each side ({} now, {} in {file}); raise --reps",
                    model.name, settings.replications, before.replications
                )));
            }
            Some(Ok(found)) => Some(found),
            Some(Err(
                e @ (BaselineError::Missing { .. } | BaselineError::OtherScenario { .. }),
            )) if allow_missing_baseline => {
                warn(&format!("warning: {e}; its baseline is not tested"));
                None
            }
            Some(Err(e)) => return Err(e.into()),
        });
    }
    // The JUnit file's directory is checked before any simulation.
    let junit_out = match junit {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "junit.xml".into());
            let out = OutDir::prepare(dir)
                .and_then(|out| out.check_place(&name).map(|()| out))
                .map_err(|e| Failure::write(format!("cannot write {}", path.display()), e))?;
            Some((out, name))
        }
        None => None,
    };
    let total: u64 = loaded.iter().map(|(_, s)| u64::from(s.replications)).sum();
    let progress = Progress::new(ctx, "check", total);
    let names: Vec<&str> = loaded.iter().map(|(m, _)| m.name.as_str()).collect();
    let tick = |i: usize, r| progress.tick_of(Some(names[i]), r);
    let runs = simulate_many(&loaded, ctx.threads, &tick, stop_flag());
    progress.finish();
    let mut checks = Vec::new();
    let mut overloaded = false;
    for (((model, _), (run, time)), found) in loaded.iter().zip(runs).zip(baselines) {
        // An overloaded design is a failed test of its own; the other
        // scenarios are still checked and reported.
        let check = match run {
            Ok(run) => ScenarioCheck::new(model, &run.summary, found, tolerance, adjustment),
            Err(SimulationError::Overloaded(o)) => {
                overloaded = true;
                ScenarioCheck::overloaded(model, o.to_string())
            }
            Err(SimulationError::Engine(
                e @ (EngineError::Overloaded { .. } | EngineError::TooManyLive { .. }),
            )) => {
                overloaded = true;
                ScenarioCheck::overloaded(model, e.to_string())
            }
            Err(e) => return Err(e.into()),
        };
        checks.push((check, time));
    }
    let tests: usize = checks.iter().map(|c| c.0.tests()).sum();
    let failures: usize = checks.iter().map(|c| c.0.failures()).sum();
    if let Some((mut out, name)) = junit_out {
        let timing = Timing {
            started: started_at(started),
            total: started.elapsed().unwrap_or_default(),
        };
        out.write(&name, junit_xml(&checks, &invalid, timing).as_bytes())
            .and_then(|_| out.commit())
            .map_err(|e| Failure::write(format!("cannot write {name}"), e))?;
    }
    if json {
        let scenarios: Vec<&ScenarioCheck> = checks.iter().map(|c| &c.0).collect();
        let invalid: Vec<serde_json::Value> = invalid
            .iter()
            .map(|i| serde_json::json!({"file": i.file, "error": i.message}))
            .collect();
        let mut v = serde_json::json!({"passed": tests - failures, "failed": failures, "scenarios": scenarios});
        if !invalid.is_empty() {
            v["invalid"] = serde_json::Value::Array(invalid);
        }
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    } else {
        let mut text = String::new();
        for (c, _) in &checks {
            text.push_str(&check_lines(c));
        }
        for i in &invalid {
            text.push_str(&format!(
                "{}\n  ERROR  invalid scenario (see above)\n",
                i.file
            ));
        }
        text.push_str(&format!(
            "check: {} passed, {} failed\n",
            tests - failures,
            failures
        ));
        emit(&text);
    }
    if tests == 0 && invalid.is_empty() {
        return Err(Failure::usage(
            "nothing was tested: the scenarios have no `targets:` and no --baseline was given, so a pass would mean nothing",
        ));
    }
    Ok(if overloaded {
        3
    } else if !invalid.is_empty() {
        2
    } else if failures > 0 {
        1
    } else {
        0
    })
}

/// A wall-clock instant as the JUnit report's timestamp (UTC).
fn started_at(t: std::time::SystemTime) -> chrono::DateTime<chrono::FixedOffset> {
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    chrono::DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .unwrap_or_default()
        .fixed_offset()
}
