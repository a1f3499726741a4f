//! `procsim sweep`: run a scenario once per value of one parameter (same
//! seed, so every point sees the same citizens), and find the smallest value
//! that meets every target.
//!
//! With `--shard I/N` a process runs only its share of the sweep's
//! (point, replication) pairs (the rule is [`merge::sweep_shares`]) and
//! writes `sweep-partial.json`; `procsim merge` turns the shards' partials
//! into per-point summaries, and from there the sharded and the whole sweep
//! share one path (`Sweep::new`, then `publish`), so their files and
//! printed output are the same bytes.

use crate::check::check_targets;
use crate::cli::{self, Context, Failure, OverrideSettings, Progress};
use crate::merge::{self, Partial, PointShare, SweepPartial};
use crate::model::{Model, Target};
use crate::report::chart::{self, ChartSpec};
use crate::report::files::OutDir;
use crate::report::format_value;
use crate::simulate::{self, RunData, RunSettings};
use crate::stats::Estimate;
use crate::summary::Summary;
use serde::Serialize;
use std::path::Path;

/// One point of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    /// The value as written.
    pub value: String,
    /// Its number, when it is one (for charts and "smallest").
    pub number: Option<f64>,
    /// KPI estimates, in the order of [`Sweep::kpis`].
    pub kpis: Vec<Option<Estimate>>,
    /// Whether every target holds (None without targets).
    pub meets_targets: Option<bool>,
}

/// A whole sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// Scenario name.
    pub scenario: String,
    /// The swept key.
    pub key: String,
    /// KPI keys tabulated.
    pub kpis: Vec<String>,
    /// Points in the order given.
    pub points: Vec<SweepPoint>,
    /// The smallest value meeting every target, if any.
    pub smallest_meeting_targets: Option<String>,
}

/// Parses `KEY=V1,V2` or `KEY=A..B` (integers, step 1).
pub fn parse_set(text: &str) -> Result<(String, Vec<String>), String> {
    let (key, values) = text
        .split_once('=')
        .ok_or("write --set KEY=V1,V2,... or KEY=A..B")?;
    let key = key.trim();
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    let values: Vec<String> = if let Some((a, b)) = values.split_once("..") {
        let a: i64 = a
            .trim()
            .parse()
            .map_err(|_| format!("`{a}` is not a whole number"))?;
        let b: i64 = b
            .trim()
            .parse()
            .map_err(|_| format!("`{b}` is not a whole number"))?;
        if b < a || b - a > 1000 {
            return Err(format!(
                "range {a}..{b} must go upwards and hold at most 1000 values"
            ));
        }
        (a..=b).map(|v| v.to_string()).collect()
    } else {
        values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    if values.is_empty() {
        return Err("no values given".into());
    }
    Ok((key.to_string(), values))
}

fn leading_number(v: &str) -> Option<f64> {
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .unwrap_or(v.len());
    v[..end].parse().ok()
}

/// A sweep ready to run: one validated model and its settings per value.
struct Plan {
    key: String,
    values: Vec<String>,
    models: Vec<Model>,
    settings: Vec<RunSettings>,
    kpis: Vec<String>,
}

/// Parses `--set`, loads the scenario once per value, resolves the KPIs to
/// tabulate and applies the guards, all before any simulation.
fn plan(
    ctx: &Context,
    path: &Path,
    set: &str,
    kpis: &[String],
    o: &OverrideSettings,
) -> Result<Plan, Failure> {
    let (key, values) = parse_set(set).map_err(|e| Failure {
        code: 2,
        message: format!("error: --set {set}: {e}"),
    })?;
    let text = std::fs::read(path).map_err(|e| Failure {
        code: 2,
        message: format!("error: {}: cannot read the file: {e}", path.display()),
    })?;
    let text = String::from_utf8(text).map_err(|_| Failure {
        code: 2,
        message: format!("error: {}: the file is not UTF-8 text", path.display()),
    })?;
    let file = path.display().to_string();
    let mut models = Vec::new();
    for v in &values {
        let m = crate::scenario::load_str_with(&text, &file, &key, v)?;
        models.push(m);
    }
    let mut kpi_keys: Vec<String> = if kpis.is_empty() {
        let mut k: Vec<String> = vec!["wait_min".into(), "wait_p90_min".into()];
        for t in &models[0].targets {
            if !k.contains(&t.kpi) {
                k.push(t.kpi.clone());
            }
        }
        k
    } else {
        kpis.to_vec()
    };
    let pools: Vec<&str> = models[0].pools.iter().map(|p| p.name.as_str()).collect();
    let processes: Vec<&str> = models[0]
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for k in &kpi_keys {
        crate::kpi::check_key(k, &pools, &processes).map_err(|e| Failure {
            code: 2,
            message: format!("error: --kpi: {e}"),
        })?;
    }
    kpi_keys.dedup();
    // Guards (case count, --reps) for every point before any warning or simulation.
    for m in &models {
        cli::settings_checked(m, o, false)?;
    }
    let mut settings = Vec::new();
    for m in &models {
        let mut s = cli::settings_for(m, o)?;
        s.threads = ctx.threads;
        settings.push(s);
    }
    Ok(Plan {
        key,
        values,
        models,
        settings,
        kpis: kpi_keys,
    })
}

/// One point of the sweep from its summary over all replications.
fn point(value: &str, kpis: &[String], targets: &[Target], summary: &Summary) -> SweepPoint {
    let results = check_targets(targets, summary);
    SweepPoint {
        value: value.to_string(),
        number: leading_number(value),
        kpis: kpis
            .iter()
            .map(|k| summary.get(k).copied().flatten())
            .collect(),
        meets_targets: (!results.is_empty()).then(|| results.iter().all(|t| t.passed)),
    }
}

impl Sweep {
    /// The sweep of these points, with the planner's answer.
    fn new(scenario: &str, key: &str, kpis: &[String], points: Vec<SweepPoint>) -> Sweep {
        let smallest = points
            .iter()
            .filter(|p| p.meets_targets == Some(true))
            .min_by(|a, b| {
                a.number
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.number.unwrap_or(f64::INFINITY))
            })
            .map(|p| p.value.clone());
        Sweep {
            scenario: scenario.to_string(),
            key: key.to_string(),
            kpis: kpis.to_vec(),
            points,
            smallest_meeting_targets: smallest,
        }
    }
}

fn prepare(out: Option<&Path>) -> Result<Option<OutDir>, Failure> {
    out.map(|dir| {
        OutDir::prepare(dir).map_err(|e| Failure {
            code: 2,
            message: format!("error: cannot write to {}: {e}", dir.display()),
        })
    })
    .transpose()
}

fn write_failure(e: std::io::Error) -> Failure {
    Failure {
        code: 2,
        message: format!("error: writing output: {e}"),
    }
}

/// Runs `sweep` from the CLI: the whole sweep, or with `shard` one share
/// of it written as a partial result for `procsim merge`.
#[allow(clippy::too_many_arguments)]
pub fn cli_sweep(
    ctx: &Context,
    path: &Path,
    set: &str,
    kpis: &[String],
    out: Option<&Path>,
    json: bool,
    shard: Option<&str>,
    o: &OverrideSettings,
) -> Result<i32, Failure> {
    let shard = cli::shard_arg(shard, out)?;
    let plan = plan(ctx, path, set, kpis, o)?;
    let outdir = match (shard, prepare(out)?) {
        // `shard_arg` made sure a shard has an output directory.
        (Some(shard), Some(dir)) => return run_shard(ctx, &plan, shard, dir),
        (_, outdir) => outdir,
    };
    let total = plan
        .settings
        .iter()
        .map(|s| u64::from(s.replications))
        .sum();
    let progress = Progress::new(ctx, "sweep", total);
    let mut points = Vec::new();
    for ((v, m), s) in plan.values.iter().zip(&plan.models).zip(&plan.settings) {
        let part = format!("{}={v}", plan.key);
        let tick = |r| progress.tick_of(Some(&part), r);
        let run = simulate::simulate(m, s, &tick, cli::stop_flag())?;
        points.push(point(v, &plan.kpis, &m.targets, &run.summary));
    }
    progress.finish();
    let sweep = Sweep::new(&plan.models[0].name, &plan.key, &plan.kpis, points);
    publish(&sweep, &plan.models[0].targets, outdir, json)
}

/// Runs one shard's share of the (point, replication) pairs and writes
/// `sweep-partial.json`.
fn run_shard(
    ctx: &Context,
    plan: &Plan,
    shard: (u32, u32),
    mut dir: OutDir,
) -> Result<i32, Failure> {
    let replications: Vec<u32> = plan.settings.iter().map(|s| s.replications).collect();
    let ranges = merge::sweep_shares(&replications, shard);
    let mine: u64 = ranges.iter().map(|r| u64::from(r.end - r.start)).sum();
    let progress = Progress::new(ctx, &format!("sweep shard {}/{}", shard.0, shard.1), mine);
    let mut points = Vec::new();
    for (((v, m), s), range) in plan
        .values
        .iter()
        .zip(&plan.models)
        .zip(&plan.settings)
        .zip(&ranges)
    {
        let value = format!("{}={v}", plan.key);
        let settings = RunSettings {
            range: range.clone(),
            ..s.clone()
        };
        let part = if range.is_empty() {
            Partial::new(m, &settings, &RunData::new(m.pools.len()), shard)
        } else {
            let tick = |r| progress.tick_of(Some(&value), r);
            let run = simulate::simulate(m, &settings, &tick, cli::stop_flag())?;
            // A sweep's outputs use only the summaries: leave out the
            // histograms (100-200 kB a value on a city-hall scenario).
            Partial::of(&run, shard).without_distributions()
        };
        points.push(PointShare {
            targets: m.targets.clone(),
            part,
        });
    }
    progress.finish();
    let partial = SweepPartial {
        procsim: env!("CARGO_PKG_VERSION").to_string(),
        scenario: plan.models[0].name.clone(),
        file: plan.models[0].file.clone(),
        key: plan.key.clone(),
        values: plan.values.clone(),
        kpis: plan.kpis.clone(),
        shard,
        points,
    };
    let text = serde_json::to_string(&partial).unwrap_or_default();
    let written = dir.path().display().to_string();
    dir.write(merge::SWEEP_PARTIAL_FILE, text.as_bytes())
        .map_err(write_failure)?;
    if cli::stop_flag().load(std::sync::atomic::Ordering::SeqCst) {
        return Err(crate::engine::EngineError::Interrupted.into());
    }
    dir.commit().map_err(write_failure)?;
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
        eprintln!(
            "shard {}/{}: {mine} of the sweep's {total} (value, replication) pairs ({what}) written to {written}; combine the shards with `procsim merge`",
            shard.0, shard.1
        );
    }
    Ok(0)
}

/// Runs `merge` on the partials of a sharded sweep: writes and prints what
/// the whole sweep would have.
pub fn cli_merge(parts: Vec<SweepPartial>, out: &Path, json: bool) -> Result<i32, Failure> {
    let merged = merge::merge_sweep(parts).map_err(|e| Failure {
        code: 2,
        message: format!("error: {e}"),
    })?;
    let points = merged
        .points
        .iter()
        .map(|p| point(&p.value, &merged.kpis, &p.targets, &p.summary))
        .collect();
    let sweep = Sweep::new(&merged.scenario, &merged.key, &merged.kpis, points);
    let chart_targets = merged.points.first().map_or(&[][..], |p| &p.targets[..]);
    publish(&sweep, chart_targets, prepare(Some(out))?, json)
}

/// Writes the sweep's files (if asked) and prints its table or JSON;
/// `targets` are the first point's (bounds in the charts, the targets column).
fn publish(
    sweep: &Sweep,
    targets: &[Target],
    outdir: Option<OutDir>,
    json: bool,
) -> Result<i32, Failure> {
    let table = sweep_table(sweep, !targets.is_empty());
    if let Some(mut dir) = outdir {
        write_sweep(&mut dir, sweep, targets).map_err(write_failure)?;
        dir.commit().map_err(write_failure)?;
    }
    if json {
        cli::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(sweep).unwrap_or_default()
        ));
    } else {
        cli::print(&table);
    }
    Ok(0)
}

/// The sweep as a table, with the planner's answer.
pub fn sweep_table(s: &Sweep, has_targets: bool) -> String {
    use comfy_table::{presets, Cell, CellAlignment, Table};
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY);
    let mut header = vec![Cell::new(&s.key)];
    header.extend(s.kpis.iter().map(Cell::new));
    if has_targets {
        header.push(Cell::new("targets"));
    }
    t.set_header(header);
    for p in &s.points {
        let mut row = vec![Cell::new(&p.value)];
        for e in &p.kpis {
            row.push(
                Cell::new(
                    e.map(|e| format!("{} ± {}", format_value(e.mean), format_value(e.ci95)))
                        .unwrap_or("–".into()),
                )
                .set_alignment(CellAlignment::Right),
            );
        }
        if has_targets {
            row.push(Cell::new(match p.meets_targets {
                Some(true) => "all met",
                Some(false) => "missed",
                None => "",
            }));
        }
        t.add_row(row);
    }
    let mut out = format!("{}: sweep of {} (mean ± 95% CI)\n{t}\n", s.scenario, s.key);
    if has_targets {
        match &s.smallest_meeting_targets {
            Some(v) => out.push_str(&format!("the smallest value meeting every target is {v}\n")),
            None => out.push_str("no value meets every target\n"),
        }
    }
    out
}

fn write_sweep(dir: &mut OutDir, s: &Sweep, targets: &[Target]) -> std::io::Result<()> {
    dir.write(
        "sweep.json",
        format!("{}\n", serde_json::to_string_pretty(s).unwrap_or_default()).as_bytes(),
    )?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![s.key.clone()];
    for k in &s.kpis {
        header.push(k.to_string());
        header.push(format!("{k}_ci95"));
    }
    header.push("meets_targets".into());
    let _ = w.write_record(&header);
    for p in &s.points {
        let mut row = vec![p.value.clone()];
        for e in &p.kpis {
            row.push(e.map(|e| e.mean.to_string()).unwrap_or_default());
            row.push(e.map(|e| e.ci95.to_string()).unwrap_or_default());
        }
        row.push(p.meets_targets.map(|b| b.to_string()).unwrap_or_default());
        let _ = w.write_record(&row);
    }
    dir.write("sweep.csv", &w.into_inner().unwrap_or_default())?;
    if s.points.iter().all(|p| p.number.is_some()) {
        for (i, k) in s.kpis.iter().enumerate() {
            let pts: Vec<(f64, f64, f64)> = s
                .points
                .iter()
                .filter_map(|p| Some((p.number?, p.kpis[i]?.mean, p.kpis[i]?.ci95)))
                .collect();
            let bounds: Vec<(String, f64)> = targets
                .iter()
                .filter(|t| &t.kpi == k)
                .flat_map(|t| {
                    t.min
                        .map(|m| ("target min".to_string(), m))
                        .into_iter()
                        .chain(t.max.map(|m| ("target max".to_string(), m)))
                })
                .collect();
            let spec = ChartSpec::ErrorLines {
                title: format!("{k} against {}", s.key),
                x_label: s.key.clone(),
                y_label: k.clone(),
                series: vec![(s.scenario.clone(), pts)],
                bounds,
            };
            let r = chart::render(&spec).map_err(std::io::Error::other)?;
            let stem = k.replace('.', "_");
            dir.write(&format!("charts/sweep_{stem}.svg"), r.svg.as_bytes())?;
            dir.write(&format!("charts/sweep_{stem}.png"), &r.png)?;
        }
    }
    Ok(())
}
