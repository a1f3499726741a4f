//! `procsim explain`: each lever's contribution to the change from a
//! baseline to a design (Shapley values over the levers' subsets, paired
//! by common random numbers); a table, JSON, and files with `--out`.

use super::failure::{emit, Failure};
use super::progress::Progress;
use super::settings::{settings_for, warn_overload};
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::explain;
use crate::report::explain::{explain_table, write_explain};
use crate::report::files::OutDir;
use crate::scenario::{resolve, Design};
use std::path::{Path, PathBuf};

/// The arguments of `explain`.
pub(crate) struct ExplainArgs<'a> {
    pub(crate) after: &'a Path,
    pub(crate) before: Option<&'a Path>,
    pub(crate) kpis: &'a [String],
    pub(crate) out: Option<&'a Path>,
    pub(crate) json: bool,
    pub(crate) samples: Option<usize>,
    pub(crate) group_dependent: bool,
}

/// The design whose levers are explained: AFTER's own `levers:`, else
/// the differences between BEFORE (by default what AFTER extends) and AFTER.
fn design(after: &Path, before: Option<&Path>) -> Result<Design, Failure> {
    let design = resolve(after)?;
    if !design.levers.is_empty() {
        return match before {
            Some(b) => Err(Failure::usage(format!(
                "{} has `levers:`; they are explained against the design without them, so BEFORE ({}) is not used: drop it, or remove the levers to compare two files",
                after.display(),
                b.display()
            ))),
            None => Ok(design),
        };
    }
    let before: PathBuf = match (before, &design.extends) {
        (Some(b), _) => b.to_path_buf(),
        (None, Some(base)) => base.clone(),
        (None, None) => {
            return Err(Failure::usage(format!(
                "{} has neither `levers:` nor `extends:`; give the baseline: procsim explain AFTER.yaml BEFORE.yaml",
                after.display()
            )))
        }
    };
    Ok(Design::changes(&resolve(&before)?, &design)?)
}

pub(crate) fn explain(ctx: &Context, a: &ExplainArgs, o: &Overrides) -> Result<i32, Failure> {
    let design = design(a.after, a.before)?;
    let full = design.full()?;
    let settings = settings_for(ctx, &full, o)?;
    warn_overload(&full);
    let plan = explain::plan(&design, a.samples, a.group_dependent, settings.seed)?;
    let kpis: Vec<String> = if a.kpis.is_empty() {
        crate::kpi::headlines()
            .iter()
            .map(|k| k.name.to_string())
            .collect()
    } else {
        a.kpis.to_vec()
    };
    explain::check_kpis(&plan, &kpis)?;
    let mut outdir = match a.out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let total = plan.masks.len() as u64 * u64::from(settings.replications);
    let progress = Progress::new(ctx, "explain", total);
    let tick = |_, r| progress.tick(r);
    let runs = explain::run(&plan, &settings, &tick, stop_flag())?;
    progress.finish();
    let x = explain::explain(design.file(), &plan, &runs, &kpis);
    if let Some(mut dir) = outdir.take() {
        write_explain(&mut dir, &x).map_err(|e| Failure::write("writing output", e))?;
        if interrupted() {
            return Err(EngineError::Interrupted.into());
        }
        dir.commit()
            .map_err(|e| Failure::write("writing output", e))?;
    }
    if a.json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&x).unwrap_or_default()
        ));
    } else {
        emit(&explain_table(&x));
    }
    Ok(0)
}
