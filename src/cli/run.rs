//! `procsim run`: simulate one scenario; print its KPI table or summary
//! JSON, write its files with `--out`, or a shard's partial result.

use super::failure::{emit, warn, Failure};
use super::progress::Progress;
use super::settings::{load_model, shard_arg};
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::merge::{share, Partial, PARTIAL_FILE};
use crate::report::files::{OutDir, Streams};
use crate::report::run_files::{simulate_into, summary_json, write_run_files};
use crate::simulate::Simulation;
use std::path::Path;

/// The logs `run --log` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// `tickets.csv`: a queue-ticket log, one row per visit to a `serve` step.
    Tickets,
}

/// The arguments of `run`.
pub(crate) struct RunArgs<'a> {
    pub(crate) path: &'a Path,
    pub(crate) out: Option<&'a Path>,
    pub(crate) json: bool,
    pub(crate) events: bool,
    pub(crate) log: Option<LogFormat>,
    pub(crate) shard: Option<&'a str>,
    pub(crate) timing: bool,
    pub(crate) precision: &'a super::precision::PrecisionArgs,
}

pub(crate) fn run(ctx: &Context, args: &RunArgs, overrides: &Overrides) -> Result<i32, Failure> {
    let started = std::time::Instant::now();
    let (model, mut settings) = load_model(ctx, args.path, overrides)?;
    args.precision.apply(&model, &mut settings, ctx.quiet)?;
    let shard = shard_arg(args.shard, args.out)?;
    if let Some(shard) = shard {
        let range = share(u64::from(settings.replications), shard);
        // Within 0..=replications, so a u32.
        settings.only = Some(range.start as u32..range.end as u32);
    }
    if args.events && args.out.is_none() {
        return Err(Failure::usage(
            "--events needs --out DIR (events.csv is written there)",
        ));
    }
    if args.log.is_some() && args.out.is_none() {
        return Err(Failure::usage(
            "--log needs --out DIR (tickets.csv is written there)",
        ));
    }
    let streams = Streams {
        cases: true,
        events: args.events,
        tickets: args.log == Some(LogFormat::Tickets),
    };
    let mut outdir = match args.out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let progress = Progress::new(ctx, &model.name, u64::from(settings.range().len() as u32));
    let tick = |r| progress.tick(r);
    let run = match &mut outdir {
        Some(dir) => simulate_into(dir, &model, &settings, streams, &tick, stop_flag())?,
        None => Simulation::new(&model)
            .settings(settings.clone())
            .progress(&tick)
            .stop(stop_flag())
            .run()?,
    };
    progress.finish();
    if args.timing {
        let wall = started.elapsed().as_secs_f64();
        let threads = if ctx.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            ctx.threads
        };
        warn(&format!(
            "timing: {} events, {} cases, {:.3} s wall (load + simulate + statistics), {:.0} events/s, {:.0} cases/s, {} threads",
            run.data.events,
            run.data.cases,
            wall,
            run.data.events as f64 / wall,
            run.data.cases as f64 / wall,
            threads
        ));
    }
    if let Some(mut dir) = outdir {
        // A shard writes only its partial result, no summary that could be
        // mistaken for the whole run's; it does so last, recording the part
        // files (now in place) so that `merge` can check them.
        if shard.is_none() {
            write_run_files(&run, &mut dir).map_err(|e| Failure::write("writing output", e))?;
        }
        if interrupted() {
            return Err(EngineError::Interrupted.into());
        }
        let root = dir.path().to_path_buf();
        dir.commit()
            .map_err(|e| Failure::write("writing output", e))?;
        if let Some(shard) = shard {
            let write_partial = || -> std::io::Result<()> {
                let part = Partial::of(&run, shard).with_part_files(&root)?;
                let mut dir = OutDir::prepare(&root)?;
                dir.write(
                    PARTIAL_FILE,
                    serde_json::to_string(&part).unwrap_or_default().as_bytes(),
                )?;
                dir.commit()
            };
            write_partial().map_err(|e| Failure::write("writing output", e))?;
        }
    }
    if let Some((i, n)) = shard {
        if !ctx.quiet {
            let range = settings.range();
            warn(&format!(
                "shard {i}/{n}: replications {}..{} written to {}; combine the shards with `procsim merge`",
                range.start,
                range.end,
                args.out.map(|p| p.display().to_string()).unwrap_or_default()
            ));
        }
        return Ok(0);
    }
    if args.json {
        emit(&format!("{}\n", summary_json(&run.summary)));
    } else {
        emit(&crate::report::table::summary_table(&run.summary));
    }
    Ok(0)
}
