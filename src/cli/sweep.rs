//! `procsim sweep`: one run per value of a parameter, its table and files;
//! with `--shard` one share written for `procsim merge`.

use super::failure::{emit, warn, Failure};
use super::progress::Progress;
use super::settings::{settings_for, shard_arg, warn_overload};
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::merge::SWEEP_PARTIAL_FILE;
use crate::model::Target;
use crate::report::files::OutDir;
use crate::report::sweep::write_sweep;
use crate::report::table::sweep_table;
use crate::simulate::RunSettings;
use crate::sweep::{plan, Sweep, SweepPlan};
use std::path::Path;

/// The arguments of `sweep`.
pub(crate) struct SweepArgs<'a> {
    pub(crate) path: &'a Path,
    pub(crate) set: &'a str,
    pub(crate) kpis: &'a [String],
    pub(crate) out: Option<&'a Path>,
    pub(crate) json: bool,
    pub(crate) shard: Option<&'a str>,
}

/// Runs the whole sweep, or with `--shard` one share of it written as a
/// partial result for `procsim merge`.
pub(crate) fn sweep(ctx: &Context, args: &SweepArgs, o: &Overrides) -> Result<i32, Failure> {
    let shard = shard_arg(args.shard, args.out)?;
    let plan = plan(args.path, args.set, args.kpis)?;
    // Guards (case count, --reps) for every point before any warning or simulation.
    let settings = plan
        .models
        .iter()
        .map(|m| settings_for(ctx, m, o))
        .collect::<Result<Vec<RunSettings>, Failure>>()?;
    plan.models.iter().for_each(warn_overload);
    let outdir = match args.out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let outdir = match (shard, outdir) {
        // `shard_arg` made sure a shard has an output directory.
        (Some(shard), Some(dir)) => return run_shard(ctx, &plan, &settings, shard, dir),
        (_, outdir) => outdir,
    };
    let total = settings.iter().map(|s| u64::from(s.replications)).sum();
    let progress = Progress::new(ctx, "sweep", total);
    let labels: Vec<String> = (0..plan.values.len()).map(|i| plan.label(i)).collect();
    let tick = |i: usize, r| progress.tick_of(Some(&labels[i]), r);
    let sweep = plan.run(&settings, &tick, stop_flag())?;
    progress.finish();
    publish(&sweep, &plan.models[0].targets, outdir, args.json)
}

/// Runs one shard's share of the (point, replication) pairs and writes
/// `sweep-partial.json`.
fn run_shard(
    ctx: &Context,
    plan: &SweepPlan,
    settings: &[RunSettings],
    shard: (u32, u32),
    mut dir: OutDir,
) -> Result<i32, Failure> {
    let replications: Vec<u32> = settings.iter().map(|s| s.replications).collect();
    let ranges = crate::merge::sweep_shares(&replications, shard);
    let mine: u64 = ranges.iter().map(|r| u64::from(r.end - r.start)).sum();
    let progress = Progress::new(ctx, &format!("sweep shard {}/{}", shard.0, shard.1), mine);
    let labels: Vec<String> = (0..plan.values.len()).map(|i| plan.label(i)).collect();
    let tick = |i: usize, r| progress.tick_of(Some(&labels[i]), r);
    let partial = plan.run_share(settings, shard, &tick, stop_flag())?;
    progress.finish();
    let text = serde_json::to_string(&partial).unwrap_or_default();
    let written = dir.path().display().to_string();
    dir.write(SWEEP_PARTIAL_FILE, text.as_bytes())
        .map_err(|e| Failure::write("writing output", e))?;
    if interrupted() {
        return Err(EngineError::Interrupted.into());
    }
    dir.commit()
        .map_err(|e| Failure::write("writing output", e))?;
    if !ctx.quiet {
        let total: u64 = replications.iter().map(|&r| u64::from(r)).sum();
        let ran: Vec<String> = plan
            .values
            .iter()
            .zip(&ranges)
            .filter(|(_, r)| !r.is_empty())
            .map(|(v, r)| format!("{}={v} replications {}..{}", plan.key, r.start, r.end))
            .collect();
        // A shard of a long sweep spans many values: name the first and last.
        let what = match ran.as_slice() {
            [] => "none: there are fewer pairs than shards".to_string(),
            [_] | [_, _] | [_, _, _] => ran.join(", "),
            [first, .., last] => format!("{first} through {last}, {} values", ran.len()),
        };
        warn(&format!(
            "shard {}/{}: {mine} of the sweep's {total} (value, replication) pairs ({what}) written to {written}; combine the shards with `procsim merge`",
            shard.0, shard.1
        ));
    }
    Ok(0)
}

/// Writes the sweep's files (if asked) and prints its table or JSON;
/// `targets` are the first point's (bounds in the charts, the targets column).
pub(crate) fn publish(
    sweep: &Sweep,
    targets: &[Target],
    outdir: Option<OutDir>,
    json: bool,
) -> Result<i32, Failure> {
    let table = sweep_table(sweep, !targets.is_empty());
    if let Some(mut dir) = outdir {
        write_sweep(&mut dir, sweep, targets)
            .and_then(|()| dir.commit())
            .map_err(|e| Failure::write("writing output", e))?;
    }
    if json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(sweep).unwrap_or_default()
        ));
    } else {
        emit(&table);
    }
    Ok(0)
}
