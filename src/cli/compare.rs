//! `procsim compare`: a baseline and designs with the same seeds (paired
//! differences); a table, Markdown, JSON, and the report with `--out`.

use super::failure::{emit, warn, Failure};
use super::progress::{use_color, Progress};
use super::settings::load_model;
use super::{interrupted, stop_flag, Context, Overrides};
use crate::engine::EngineError;
use crate::multiplicity::Multiplicity;
use crate::report::files::OutDir;
use crate::simulate::Simulation;
use std::path::{Path, PathBuf};

/// Where the report goes, and whether its CSV is for Excel.
pub(crate) struct ReportOut<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// Write CSV with a UTF-8 byte order mark.
    pub excel: bool,
}

/// What `procsim compare` was asked for.
pub(crate) struct CompareArgs<'a> {
    /// The baseline file.
    pub baseline: &'a Path,
    /// The designs' files.
    pub designs: &'a [PathBuf],
    /// `--out` (and `--excel`).
    pub out: Option<ReportOut<'a>>,
    /// `--json`.
    pub json: bool,
    /// `--markdown KPI...`.
    pub markdown: Option<&'a [String]>,
    /// `--adjust` and `--headline-family`.
    pub multiplicity: Multiplicity,
    /// `--precision` and its flags.
    pub precision: &'a super::precision::PrecisionArgs,
    /// `--select` and its flags.
    pub select: &'a super::select::SelectArgs,
}

pub(crate) fn compare(ctx: &Context, args: CompareArgs, o: &Overrides) -> Result<i32, Failure> {
    let CompareArgs {
        baseline,
        designs,
        out,
        json,
        markdown,
        multiplicity,
        precision,
        select,
    } = args;
    let mut loaded = vec![load_model(ctx, baseline, o)?];
    for d in designs {
        loaded.push(load_model(ctx, d, o)?);
    }
    if let Some(keys) = markdown {
        check_markdown_keys(&loaded, keys)?;
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
    if let Some(done) = select.run(&loaded, json) {
        return done;
    }
    {
        let mut designs: Vec<_> = loaded.iter_mut().map(|(m, s)| (&*m, s)).collect();
        precision.apply_to_designs(&mut designs, ctx.quiet)?;
    }
    let excel = out.as_ref().is_some_and(|o| o.excel);
    let mut outdir = match out.map(|o| o.dir) {
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
    let comparison = crate::compare::compare_with(&runs[0], &runs[1..], multiplicity);
    if let Some(mut dir) = outdir.take() {
        crate::report::write_comparison(&mut dir, &comparison, &runs, excel)
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
        emit(&format!("\n{}\n", markers_note(multiplicity)));
    } else if json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&comparison).unwrap_or_default()
        ));
    } else {
        emit(&crate::report::table::comparison_table(
            &comparison,
            use_color(ctx.color),
            terminal_width(),
        ));
        let note = crate::report::text::wrap_columns(&markers_note(multiplicity), terminal_width());
        emit(&format!("{}\n", note.trim_end()));
    }
    Ok(0)
}

/// The sentence that names how the markers were decided.
fn markers_note(m: Multiplicity) -> String {
    format!(
        "Markers: p-values adjusted over each design's KPIs by {}{}; intervals are not adjusted.",
        m.adjustment.describe(),
        if m.headline_family {
            ", the headline KPIs as a family of their own"
        } else {
            ""
        }
    )
}

/// Checks the `--markdown` KPI keys against every design before running:
/// an unknown key, or one a design lacks (a pool or process of one side
/// only), is an error with a hint, as in `sweep --kpi` and `targets:`.
fn check_markdown_keys(
    loaded: &[(crate::model::Model, crate::simulate::RunSettings)],
    keys: &[String],
) -> Result<(), Failure> {
    for k in keys.iter().filter(|k| !k.is_empty()) {
        for (m, _) in loaded {
            let pools: Vec<&str> = m.pools.iter().map(|p| p.name.as_str()).collect();
            let processes: Vec<&str> = m.processes.iter().map(|p| p.name.as_str()).collect();
            crate::kpi::check_key(k, &pools, &processes, m.costs.is_some()).map_err(|e| {
                Failure::usage(format!(
                    "--markdown: {e} (in `{}`, {}; every design must have the KPI to compare it)",
                    m.name, m.file
                ))
            })?;
        }
    }
    Ok(())
}

/// The width the terminal table must fit: `COLUMNS` when set, else the
/// terminal's width, else (not a terminal) 80 columns.
fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&n| n >= 20)
    {
        return n;
    }
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        // SAFETY: TIOCGWINSZ fills a winsize struct we own; on failure we
        // keep the default.
        let mut ws = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
        if ok && ws.ws_col >= 20 {
            return usize::from(ws.ws_col);
        }
    }
    80
}
