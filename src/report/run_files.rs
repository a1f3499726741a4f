//! The files of a run under `--out DIR`: `summary.json`, `summary.csv`, `replications.csv`,
//! `hourly.csv`, `charts/`, and `cases.csv` (with `events.csv` if asked)
//! streamed while the replications run, one part file per replication,
//! appended in replication order.

use super::files::{
    activity_labels, append_part, CsvObserver, OutDir, Streams, CASES_HEADER, EVENTS_HEADER,
    TICKETS_HEADER,
};
use crate::merge::Merged;
use crate::model::Model;
use crate::simulate::{self, Run, RunSettings, SimulationError};
use crate::summary::Summary;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::AtomicBool;

/// Why a run into a directory failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunFilesError {
    /// The simulation failed.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
    /// An output file could not be written.
    #[error("writing {file}: {source}")]
    Write {
        /// The file.
        file: String,
        /// The cause.
        source: io::Error,
    },
}

fn write_error(file: &str) -> impl Fn(io::Error) -> RunFilesError + '_ {
    move |source| RunFilesError::Write {
        file: file.to_string(),
        source,
    }
}

/// The summary as pretty JSON (`run --json`, `summary.json`).
pub(crate) fn summary_json(s: &Summary) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default()
}

/// Runs `model` and streams `cases.csv` (and `events.csv`, `tickets.csv`
/// as `streams` asks) into `dir` (to temporary names, renamed on
/// [`OutDir::commit`]).
pub(crate) fn simulate_into(
    dir: &mut OutDir,
    model: &Model,
    settings: &RunSettings,
    streams: Streams,
    progress: &(dyn Fn(u32) + Sync),
    stop: &AtomicBool,
) -> Result<Run, RunFilesError> {
    settings.check(model)?;
    let labels = activity_labels(model);
    let open = |dir: &mut OutDir, name: &str, header: &str| -> io::Result<BufWriter<File>> {
        let mut w = BufWriter::new(dir.reserve(name)?);
        w.write_all(header.as_bytes())?;
        Ok(w)
    };
    let mut cases = open(dir, "cases.csv", CASES_HEADER).map_err(write_error("cases.csv"))?;
    let mut events_out = match streams.events {
        true => Some(open(dir, "events.csv", EVENTS_HEADER).map_err(write_error("events.csv"))?),
        false => None,
    };
    let mut tickets_out = match streams.tickets {
        true => Some(open(dir, "tickets.csv", TICKETS_HEADER).map_err(write_error("tickets.csv"))?),
        false => None,
    };
    let streams = Streams {
        cases: true,
        ..streams
    };
    let scratch = dir.scratch().clone();
    let mut io_error: Option<io::Error> = None;
    let run = simulate::simulate_observed(
        model,
        settings,
        |r| CsvObserver::new(model, &labels, &scratch, r, streams),
        |_, mut obs| {
            let res = (|| -> io::Result<()> {
                obs.close()?;
                if let Some(p) = &obs.parts.0 {
                    append_part(&mut cases, p)?;
                }
                if let (Some(p), Some(w)) = (&obs.parts.1, events_out.as_mut()) {
                    append_part(w, p)?;
                }
                if let (Some(p), Some(w)) = (&obs.parts.2, tickets_out.as_mut()) {
                    append_part(w, p)?;
                }
                Ok(())
            })();
            if let Err(e) = res {
                io_error.get_or_insert(e);
            }
            Ok(())
        },
        progress,
        stop,
    );
    // Part files of a failed or interrupted run are removed with the
    // other temporaries when `dir` is dropped.
    let run = run.map_err(SimulationError::from)?;
    if let Some(e) = io_error {
        return Err(write_error("cases.csv")(e));
    }
    // Flushed and on disk before the commit renames them into place.
    let finish = |w: &mut BufWriter<File>| w.flush().and_then(|()| w.get_ref().sync_all());
    finish(&mut cases).map_err(write_error("cases.csv"))?;
    if let Some(w) = events_out.as_mut() {
        finish(w).map_err(write_error("events.csv"))?;
    }
    if let Some(w) = tickets_out.as_mut() {
        finish(w).map_err(write_error("tickets.csv"))?;
    }
    Ok(run.refuse_overload()?)
}

/// Runs `model` and writes into `dir` what `procsim run --out DIR`
/// writes (with `events.csv` when `events`), replacing the files of an
/// earlier run there as the command does. For a library caller (the
/// Python package) that wants the files and the run. Setting `stop`
/// ends the run early ([`crate::engine::EngineError::Interrupted`]),
/// leaving the directory as it was.
pub fn run_to_dir(
    model: &Model,
    settings: &RunSettings,
    dir: &std::path::Path,
    events: bool,
    stop: &AtomicBool,
) -> Result<Run, RunFilesError> {
    let mut out =
        OutDir::prepare_with_manifest(dir).map_err(write_error("the output directory"))?;
    let streams = Streams {
        cases: true,
        events,
        tickets: false,
    };
    let run = simulate_into(&mut out, model, settings, streams, &|_| {}, stop)?;
    // The engine polls `stop` every 65,536 events: a short run can end
    // after it was set. Stopped is stopped, as for the command.
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(SimulationError::from(crate::engine::EngineError::Interrupted).into());
    }
    write_run_files(&run, &mut out).map_err(write_error("output"))?;
    out.commit().map_err(write_error("output"))?;
    Ok(run)
}

/// Writes summary.json, summary.csv, replications.csv, hourly.csv and charts/ (the
/// run's distributions and profiles as SVG and PNG).
pub(crate) fn write_run_files(run: &Run, dir: &mut OutDir) -> io::Result<()> {
    dir.write(
        "summary.json",
        format!("{}\n", summary_json(&run.summary)).as_bytes(),
    )?;
    dir.write("summary.csv", super::csv::summary(&run.summary).as_bytes())?;
    dir.write("replications.csv", super::csv::replications(run).as_bytes())?;
    dir.write("hourly.csv", super::csv::hourly(run).as_bytes())?;
    super::write_charts(dir, super::run_charts(&[super::ChartInput::from(run)]))?;
    Ok(())
}

/// Writes what a single run would have from merged shards: the files of
/// [`write_run_files`], and the part files the shards recorded
/// (`cases.csv`, `events.csv`, `tickets.csv`) concatenated from `merged.part_dirs` in
/// shard order ([`crate::merge::merge_dirs`] has checked them).
pub(crate) fn write_merged_files(merged: &Merged, dir: &mut OutDir) -> io::Result<()> {
    dir.write(
        "summary.json",
        format!("{}\n", summary_json(&merged.summary)).as_bytes(),
    )?;
    dir.write(
        "summary.csv",
        super::csv::summary(&merged.summary).as_bytes(),
    )?;
    let data = &merged.data;
    let replications =
        super::csv::replications_from(&merged.keys, &data.replications, &data.values);
    dir.write("replications.csv", replications.as_bytes())?;
    let hourly = super::csv::hourly_from(&merged.pools, &data.hourly, &data.by_arrival_hour);
    dir.write("hourly.csv", hourly.as_bytes())?;
    let chart_input = super::ChartInput {
        name: &merged.summary.scenario,
        pools: merged.pools.iter().map(String::as_str).collect(),
        hall: merged.hall.clone(),
        summary: &merged.summary,
        data: &merged.data,
    };
    super::write_charts(dir, super::run_charts(&[chart_input]))?;
    for name in &merged.files {
        let mut body = Vec::new();
        for (k, part) in merged.part_dirs.iter().enumerate() {
            let f = part.join(name);
            let text = std::fs::read(&f)
                .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", f.display())))?;
            // Every part but the first loses its header line.
            let start = if k == 0 {
                0
            } else {
                text.iter()
                    .position(|&b| b == b'\n')
                    .map_or(text.len(), |i| i + 1)
            };
            body.extend_from_slice(&text[start..]);
        }
        dir.write(name, &body)?;
    }
    Ok(())
}
