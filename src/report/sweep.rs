//! A sweep's files: `sweep.json`, `sweep.csv` and one chart per KPI
//! against the swept value, with the targets' bounds.

use super::chart::{self, ChartSpec, Ticks};
use super::files::OutDir;
use crate::model::Target;
use crate::sweep::Sweep;

/// Writes the sweep's files; `targets` are the first point's (the bounds drawn in the charts).
pub(crate) fn write_sweep(dir: &mut OutDir, s: &Sweep, targets: &[Target]) -> std::io::Result<()> {
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
            let whole = pts.iter().all(|p| p.0.fract() == 0.0);
            let share = crate::kpi::find(k).is_some_and(|k| k.is_share());
            let spec = ChartSpec::ErrorLines {
                title: format!("{} against {}", crate::kpi::describe(k), s.key),
                x_label: s.key.clone(),
                y_label: crate::kpi::describe(k),
                series: vec![(s.scenario.clone(), pts)],
                bounds,
                x_ticks: if whole { Ticks::Integer } else { Ticks::Plain },
                y_ticks: if share { Ticks::Share } else { Ticks::Plain },
            };
            let r = chart::render(&spec).map_err(std::io::Error::other)?;
            let stem = k.replace('.', "_");
            dir.write(&format!("charts/sweep_{stem}.svg"), r.svg.as_bytes())?;
            dir.write(&format!("charts/sweep_{stem}.png"), &r.png)?;
        }
    }
    Ok(())
}
