//! `procsim sweep`: run a scenario once per value of one parameter (same
//! seed, so every point sees the same citizens), and find the smallest value
//! that meets every target.

use crate::check::check_targets;
use crate::cli::{self, Context, Failure, OverrideSettings, Progress};
use crate::report::chart::{self, ChartSpec};
use crate::report::files::OutDir;
use crate::report::format_value;
use crate::simulate;
use crate::stats::Estimate;
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

/// Runs `sweep` from the CLI.
pub fn cli_sweep(
    ctx: &Context,
    path: &Path,
    set: &str,
    kpis: &[String],
    out: Option<&Path>,
    json: bool,
    o: &OverrideSettings,
) -> Result<i32, Failure> {
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
    let mut outdir = match out {
        Some(dir) => Some(OutDir::prepare(dir).map_err(|e| Failure {
            code: 2,
            message: format!("error: cannot write to {}: {e}", dir.display()),
        })?),
        None => None,
    };
    // Guards (case count, --reps) before any simulation.
    for m in &models {
        cli::settings_checked(m, o, false)?;
    }
    let reps = o.reps.unwrap_or(models[0].replications);
    let progress = Progress::new(
        ctx,
        &format!("sweep {key}"),
        u64::from(reps) * models.len() as u64,
    );
    let mut points = Vec::new();
    for (v, m) in values.iter().zip(&models) {
        let mut s = cli::settings_for(m, o)?;
        s.threads = ctx.threads;
        let run = simulate::simulate(m, &s, &|r| progress.tick(r), cli::stop_flag())?;
        let targets = check_targets(m, &run.summary);
        points.push(SweepPoint {
            value: v.clone(),
            number: leading_number(v),
            kpis: kpi_keys
                .iter()
                .map(|k| run.summary.get(k).copied().flatten())
                .collect(),
            meets_targets: (!targets.is_empty()).then(|| targets.iter().all(|t| t.passed)),
        });
    }
    progress.finish();
    let smallest = points
        .iter()
        .filter(|p| p.meets_targets == Some(true))
        .min_by(|a, b| {
            a.number
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.number.unwrap_or(f64::INFINITY))
        })
        .map(|p| p.value.clone());
    let sweep = Sweep {
        scenario: models[0].name.clone(),
        key: key.clone(),
        kpis: kpi_keys.clone(),
        points,
        smallest_meeting_targets: smallest,
    };
    let table = sweep_table(&sweep, !models[0].targets.is_empty());
    if let Some(dir) = &mut outdir {
        write_sweep(dir, &sweep, &models[0]).map_err(|e| Failure {
            code: 2,
            message: format!("error: writing output: {e}"),
        })?;
    }
    if let Some(dir) = outdir {
        dir.commit().map_err(|e| Failure {
            code: 2,
            message: format!("error: writing output: {e}"),
        })?;
    }
    if json {
        cli::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&sweep).unwrap_or_default()
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

fn write_sweep(dir: &mut OutDir, s: &Sweep, model: &crate::model::Model) -> std::io::Result<()> {
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
            let bounds: Vec<(String, f64)> = model
                .targets
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
