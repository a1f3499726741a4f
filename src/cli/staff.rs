//! `procsim staff`: the fewest servers per interval of the day meeting a
//! service target (the Iterative Staffing Algorithm); a table, JSON, and
//! with `--out` the staffed scenario and `staffing.json`.

use super::failure::{emit, warn, Failure};
use super::settings::settings_for;
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::report::files::OutDir;
use crate::scenario::resolve;
use crate::staff::{self, schedule_yaml, StaffError, StaffRequest};
use std::path::Path;

/// The arguments of `staff`.
pub(crate) struct StaffArgs<'a> {
    pub(crate) path: &'a Path,
    pub(crate) pools: &'a [String],
    pub(crate) target: &'a str,
    pub(crate) interval: &'a str,
    pub(crate) out: Option<&'a Path>,
    pub(crate) json: bool,
}

impl From<StaffError> for Failure {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::Scenario(e) => e.into(),
            StaffError::Engine(e) => e.into(),
            other => Failure::usage(other),
        }
    }
}

pub(crate) fn staff(ctx: &Context, a: &StaffArgs, o: &Overrides) -> Result<i32, Failure> {
    let target =
        staff::parse_target(a.target).map_err(|m| Failure::usage(format!("--target {m}")))?;
    let interval_min =
        staff::parse_interval(a.interval).map_err(|m| Failure::usage(format!("--interval {m}")))?;
    let design = resolve(a.path)?;
    let full = design.full()?;
    // No overload warning: the input's servers are replaced anyway.
    let settings = settings_for(ctx, &full, o)?;
    let request = StaffRequest {
        pools: a.pools.to_vec(),
        target,
        interval_min,
    };
    let mut outdir = match a.out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let quiet = ctx.quiet;
    let progress = |stage: &str| {
        if !quiet {
            warn(&format!("staff: simulating, {stage}"));
        }
    };
    let staffing = staff::staff(&design, &request, &settings, &progress, stop_flag())?;
    if interrupted() {
        return Err(EngineError::Interrupted.into());
    }
    if let Some(dir) = outdir.as_mut() {
        let sets: Vec<(String, String)> = staffing
            .pools
            .iter()
            .map(|p| (p.pool.clone(), schedule_yaml(&p.schedule)))
            .collect();
        let text = std::fs::read_to_string(a.path)
            .map_err(|e| Failure::write(format!("reading {}", a.path.display()), e))?;
        let root = crate::scenario::parse(&text, &a.path.display().to_string())?;
        match staff::staffed_yaml(&text, &root, &sets) {
            Ok(yaml) => {
                // The staffed file must validate. One that `extends:` a base
                // is checked through the same merged tree the staffing ran on
                // (its base path stays relative to the input's folder).
                if design.extends.is_none() {
                    crate::scenario::load_str(&yaml, "staffed.yaml")?;
                }
                dir.write("staffed.yaml", yaml.as_bytes())
                    .map_err(|e| Failure::write("writing output", e))?;
            }
            Err(why) => warn(&format!(
                "warning: staffed.yaml not written ({why}); the schedules are in staffing.json"
            )),
        }
        staff::write_staffing(dir, &staffing).map_err(|e| Failure::write("writing output", e))?;
    }
    if let Some(dir) = outdir {
        dir.commit()
            .map_err(|e| Failure::write("writing output", e))?;
    }
    if a.json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&staffing).unwrap_or_default()
        ));
    } else {
        emit(&staff::staffing_table(&staffing));
    }
    Ok(0)
}
