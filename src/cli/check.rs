//! `procsim check`: run scenarios, test their targets (and a baseline);
//! PASS/FAIL lines or JSON, JUnit XML, exit 1 on any failure.

use super::failure::{emit, warn, Failure};
use super::progress::Progress;
use super::settings::load_model;
use super::{stop_flag, Context, Overrides};
use crate::check::{find_baseline, BaselineError, ScenarioCheck, Tolerance};
use crate::engine::EngineError;
use crate::report::check::{check_lines, junit_xml};
use crate::report::files::OutDir;
use crate::simulate::{simulate_many, SimulationError};
use std::path::{Path, PathBuf};

/// The arguments of `check`.
pub(crate) struct CheckArgs<'a> {
    pub(crate) scenarios: &'a [PathBuf],
    pub(crate) baseline: Option<&'a Path>,
    pub(crate) tolerance: Tolerance,
    pub(crate) allow_missing_baseline: bool,
    pub(crate) junit: Option<&'a Path>,
    pub(crate) json: bool,
}

pub(crate) fn check(ctx: &Context, args: &CheckArgs, o: &Overrides) -> Result<i32, Failure> {
    let CheckArgs {
        scenarios,
        baseline,
        tolerance,
        allow_missing_baseline,
        junit,
        json,
    } = *args;
    // Load everything first: bad input is exit 2 before any simulation.
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for p in scenarios {
        match load_model(ctx, p, o) {
            Ok(m) => loaded.push(m),
            Err(e) => errors.push(e.message),
        }
    }
    if !errors.is_empty() {
        return Err(Failure {
            code: 2,
            message: errors.join("\n"),
        });
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
    for (model, _) in &loaded {
        baselines.push(match baseline.map(|b| find_baseline(b, &model.name)) {
            None => None,
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
    let runs = simulate_many(&loaded, ctx.threads, &|r| progress.tick(r), stop_flag());
    progress.finish();
    let mut checks = Vec::new();
    let mut overloaded = false;
    for (((model, _), run), found) in loaded.iter().zip(runs).zip(baselines) {
        // An overloaded design is a failed test of its own; the other
        // scenarios are still checked and reported.
        match run {
            Ok(run) => checks.push(ScenarioCheck::new(model, &run.summary, found, tolerance)),
            Err(SimulationError::Overloaded(o)) => {
                overloaded = true;
                checks.push(ScenarioCheck::overloaded(model, o.to_string()));
            }
            Err(SimulationError::Engine(e @ EngineError::Overloaded { .. })) => {
                overloaded = true;
                checks.push(ScenarioCheck::overloaded(model, e.to_string()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let tests: usize = checks.iter().map(ScenarioCheck::tests).sum();
    let failures: usize = checks.iter().map(ScenarioCheck::failures).sum();
    if let Some((mut out, name)) = junit_out {
        out.write(&name, junit_xml(&checks).as_bytes())
            .and_then(|_| out.commit())
            .map_err(|e| Failure::write(format!("cannot write {name}"), e))?;
    }
    if json {
        let v = serde_json::json!({"passed": tests - failures, "failed": failures, "scenarios": checks});
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    } else {
        let mut text = String::new();
        for c in &checks {
            text.push_str(&check_lines(c));
        }
        text.push_str(&format!(
            "check: {} passed, {} failed\n",
            tests - failures,
            failures
        ));
        emit(&text);
    }
    Ok(if overloaded {
        3
    } else if failures > 0 {
        1
    } else {
        0
    })
}
