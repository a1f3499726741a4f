//! `procsim compare`: a baseline and designs with the same seeds (paired
//! differences); a table, Markdown, JSON, and the report with `--out`.

use super::failure::{emit, warn, Failure};
use super::progress::{use_color, Progress};
use super::settings::load_model;
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::report::files::OutDir;
use crate::simulate::Simulation;
use std::path::{Path, PathBuf};

pub(crate) fn compare(
    ctx: &Context,
    baseline: &Path,
    designs: &[PathBuf],
    out: Option<&Path>,
    json: bool,
    markdown: Option<&[String]>,
    o: &Overrides,
) -> Result<i32, Failure> {
    let mut loaded = vec![load_model(ctx, baseline, o)?];
    for d in designs {
        loaded.push(load_model(ctx, d, o)?);
    }
    let (bm, bs) = &loaded[0];
    for (m, s) in &loaded[1..] {
        let why = crate::compare::why_unpaired((bm, bs), (m, s));
        if !why.is_empty() {
            let why: Vec<String> = why.iter().map(ToString::to_string).collect();
            warn(&format!(
                "note: `{}` cannot be paired with the baseline (its replications do not see the same citizens): {}; intervals are Welch's",
                m.name,
                why.join("; ")
            ));
        }
    }
    let mut outdir = match out {
        Some(dir) => Some(
            OutDir::prepare_with_manifest(dir)
                .map_err(|e| Failure::write(format!("cannot write to {}", dir.display()), e))?,
        ),
        None => None,
    };
    let total: u64 = loaded.iter().map(|(_, s)| u64::from(s.replications)).sum();
    let progress = Progress::new(ctx, "compare", total);
    let mut runs = Vec::new();
    for (m, s) in &loaded {
        let tick = |r| progress.tick_of(Some(&m.name), r);
        runs.push(
            Simulation::new(m)
                .settings(s.clone())
                .progress(&tick)
                .stop(stop_flag())
                .run()?,
        );
    }
    progress.finish();
    let comparison = crate::compare::compare(&runs[0], &runs[1..]);
    if let Some(mut dir) = outdir.take() {
        crate::report::write_comparison(&mut dir, &comparison, &runs)
            .map_err(|e| Failure::write("writing the report", e))?;
        if interrupted() {
            return Err(EngineError::Interrupted.into());
        }
        dir.commit()
            .map_err(|e| Failure::write("writing the report", e))?;
    }
    if let Some(keys) = markdown {
        let mut keys: Vec<String> = keys.iter().filter(|k| !k.is_empty()).cloned().collect();
        if keys.is_empty() {
            keys = crate::kpi::headlines()
                .iter()
                .map(|k| k.name.to_string())
                .collect();
        }
        emit(&crate::report::table::comparison_markdown(
            &comparison,
            &keys,
        ));
    } else if json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&comparison).unwrap_or_default()
        ));
    } else {
        emit(&crate::report::table::comparison_table(
            &comparison,
            use_color(),
        ));
    }
    Ok(0)
}
