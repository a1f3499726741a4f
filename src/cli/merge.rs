//! `procsim merge`: combine the partial results of a sharded run or sweep
//! into the output one machine gives.

use super::failure::{emit, Failure};
use super::sweep::publish;
use crate::merge::{merge_dirs, merge_sweep, read_part, Part, Partial};
use crate::report::files::OutDir;
use crate::report::run_files::{summary_json, write_merged_files};
use crate::sweep::Sweep;
use std::path::{Path, PathBuf};

pub(crate) fn merge(parts: &[PathBuf], out: &Path, json: bool) -> Result<i32, Failure> {
    let mut runs = Vec::new();
    let mut sweeps = Vec::new();
    for p in parts {
        match read_part(p)? {
            Part::Run(partial) => runs.push((*partial, p)),
            Part::Sweep(partial) => sweeps.push((partial, p)),
        }
    }
    match (runs.first(), sweeps.first()) {
        (Some((_, run)), Some((_, sweep))) => Err(Failure::usage(format!(
            "{} is a shard of `run` but {} is a shard of `sweep`; merge each command's shards on their own",
            run.display(),
            sweep.display()
        ))),
        (None, Some(_)) => {
            let merged = merge_sweep(sweeps.into_iter().map(|s| s.0).collect())?;
            let chart_targets = merged
                .points
                .first()
                .map_or(Vec::new(), |p| p.targets.clone());
            let sweep = Sweep::from_merged(&merged);
            publish(&sweep, &chart_targets, Some(prepare(out)?), json)
        }
        (_, None) => merge_run(runs, out, json),
    }
}

fn prepare(out: &Path) -> Result<OutDir, Failure> {
    OutDir::prepare_with_manifest(out)
        .map_err(|e| Failure::write(format!("cannot write to {}", out.display()), e))
}

fn merge_run(parts: Vec<(Partial, &PathBuf)>, out: &Path, json: bool) -> Result<i32, Failure> {
    let merged = merge_dirs(parts.into_iter().map(|(p, d)| (p, d.clone())).collect())?;
    let mut dir = prepare(out)?;
    write_merged_files(&merged, &mut dir)
        .and_then(|()| dir.commit())
        .map_err(|e| Failure::write("writing output", e))?;
    // As `run` prints: --quiet silences progress output, not the result.
    if json {
        emit(&format!("{}\n", summary_json(&merged.summary)));
    } else {
        emit(&crate::report::table::summary_table(&merged.summary));
    }
    Ok(0)
}
