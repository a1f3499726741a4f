//! From the command line's overrides (`--reps`, `--seed`, `--max-cases`,
//! `--max-queue`, `--max-live`, `--threads`, `--shard`) to the library's run settings,
//! checked before anything runs.

use super::failure::Failure;
use super::{Context, Overrides};
use crate::engine::Limits;
use crate::merge::MAX_SHARDS;
use crate::model::Model;
use crate::overload::overload_warnings;
use crate::simulate::RunSettings;
use std::path::Path;

/// Loads a scenario and its run settings; exit 2 on bad input.
pub(crate) fn load_model(
    ctx: &Context,
    path: &Path,
    o: &Overrides,
) -> Result<(Model, RunSettings), Failure> {
    let model = crate::scenario::load(path)?;
    let settings = settings_for(ctx, &model, o)?;
    warn_overload(&model);
    Ok((model, settings))
}

/// The run settings of `model` with the overrides applied, checked
/// (replications, expected case count); prints no warning.
pub(crate) fn settings_for(
    ctx: &Context,
    model: &Model,
    o: &Overrides,
) -> Result<RunSettings, Failure> {
    let mut settings = RunSettings::from_model(model);
    if let Some(r) = o.reps {
        settings.replications = r;
    }
    if let Some(s) = o.seed {
        settings.seed = s;
    }
    settings.threads = ctx.threads;
    settings.limits = Limits {
        max_queue: o.max_queue,
        max_live: o.max_live.unwrap_or(Limits::default().max_live),
    };
    settings.max_cases = o.max_cases;
    settings.allow_overload = o.allow_overload;
    settings.check(model)?;
    Ok(settings)
}

/// Prints a warning for each pool whose offered load exceeds its capacity.
pub(crate) fn warn_overload(model: &Model) {
    for w in overload_warnings(model) {
        super::failure::warn(&format!("warning: {w}"));
    }
}

/// Parses `I/N` or `auto/N` (the index from the batch system's array variable).
fn parse_shard(text: &str) -> Result<(u32, u32), Failure> {
    let bad = || {
        Failure::usage(format!(
            "--shard `{text}`: write I/N with 0 <= I < N, or auto/N"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.parse().map_err(|_| bad())?;
    let i: u32 = if i == "auto" {
        let var = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .ok_or_else(|| Failure::usage("--shard auto/N needs SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX"))?;
        var.trim().parse().map_err(|_| bad())?
    } else {
        i.parse().map_err(|_| bad())?
    };
    if n > MAX_SHARDS {
        return Err(Failure::usage(format!(
            "--shard `{text}`: at most {MAX_SHARDS} shards"
        )));
    }
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Parses an optional `--shard`; a shard writes its partial result to `--out`, so it needs one.
pub(crate) fn shard_arg(
    shard: Option<&str>,
    out: Option<&Path>,
) -> Result<Option<(u32, u32)>, Failure> {
    let Some(text) = shard else {
        return Ok(None);
    };
    let shard = parse_shard(text)?;
    if out.is_none() {
        return Err(Failure::usage(
            "--shard needs --out DIR (the partial result is written there for `procsim merge`)",
        ));
    }
    Ok(Some(shard))
}
