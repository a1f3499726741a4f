//! Paired differences between a baseline and designs.
//!
//! When the runs share seed and replication count, replication i of every
//! design saw the same citizens (common random numbers), so the difference
//! of each KPI is computed per replication and its interval is a paired
//! t-interval: much narrower than comparing two independent means. When
//! they do not, the interval falls back to Welch's.

use crate::check::welch_half_width;
use crate::cli::{self, Context, Failure, OverrideSettings, Progress};
use crate::kpi::{better, Better};
use crate::simulate::{self, Run};
use crate::stats::{t975, Estimate, Tally};
use crate::summary::{kpi_keys, Summary};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One KPI of a design against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Baseline mean.
    pub before: f64,
    /// Design mean.
    pub after: f64,
    /// after - before (mean over replications).
    pub diff: f64,
    /// Half-width of the 95% interval of `diff` (paired, or Welch).
    pub diff_ci95: f64,
    /// Change in percent of `before` (null when before is 0).
    pub change_pct: Option<f64>,
    /// The interval excludes 0.
    pub significant: bool,
    /// Whether the interval is paired by replication.
    pub paired: bool,
}

/// Whether a change is an improvement, a deterioration or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Significant and in the better direction.
    Better,
    /// Significant and in the worse direction.
    Worse,
    /// Significant, but the KPI has no better direction.
    Changed,
    /// Not significant.
    Same,
}

impl Diff {
    /// The 95% interval of the change in percent of `before` (`None` when
    /// before is 0). Every KPI is non-negative, so none can fall by more
    /// than 100%: the lower end is cut there (the interval of `diff` can
    /// reach past it when a KPI falls to about 0).
    pub fn change_pct_ci95(&self) -> Option<(f64, f64)> {
        (self.before != 0.0).then(|| {
            let pct = |d: f64| 100.0 * d / self.before.abs();
            (
                pct(self.diff - self.diff_ci95).max(-100.0),
                pct(self.diff + self.diff_ci95),
            )
        })
    }

    /// The verdict for a KPI key.
    pub fn verdict(&self, key: &str) -> Verdict {
        if !self.significant {
            return Verdict::Same;
        }
        match (better(key), self.diff < 0.0) {
            (Better::Neutral, _) => Verdict::Changed,
            (Better::Lower, true) | (Better::Higher, false) => Verdict::Better,
            _ => Verdict::Worse,
        }
    }
}

/// A design and its differences.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DesignComparison {
    /// The design's summary.
    pub summary: Summary,
    /// Differences by dotted KPI key.
    pub vs_baseline: IndexMap<String, Diff>,
}

/// The comparison JSON of `cli.md`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// The baseline's summary.
    pub baseline: Summary,
    /// Each design.
    pub designs: Vec<DesignComparison>,
}

/// Paired differences when seeds and replications match, Welch's otherwise.
pub fn compare(baseline: &Run, designs: &[Run]) -> Comparison {
    let base_keys = kpi_keys(&baseline.model);
    let base_index: IndexMap<&str, usize> = base_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for d in designs {
        let paired = d.settings.seed == baseline.settings.seed
            && d.data.replications == baseline.data.replications;
        let keys = kpi_keys(&d.model);
        let mut diffs = IndexMap::new();
        for (j, key) in keys.iter().enumerate() {
            let Some(&i) = base_index.get(key.as_str()) else {
                continue;
            };
            let before: Vec<Option<f64>> = baseline.data.values.iter().map(|v| v[i]).collect();
            let after: Vec<Option<f64>> = d.data.values.iter().map(|v| v[j]).collect();
            if let Some(diff) = diff_of(&before, &after, paired) {
                diffs.insert(key.clone(), diff);
            }
        }
        out.push(DesignComparison {
            summary: d.summary.clone(),
            vs_baseline: diffs,
        });
    }
    Comparison {
        baseline: baseline.summary.clone(),
        designs: out,
    }
}

/// The difference of two KPI columns (per replication).
pub fn diff_of(before: &[Option<f64>], after: &[Option<f64>], paired: bool) -> Option<Diff> {
    let b = Estimate::from_values(before)?;
    let a = Estimate::from_values(after)?;
    let (diff, half, paired) = if paired {
        let mut t = Tally::default();
        for (x, y) in before.iter().zip(after) {
            if let (Some(x), Some(y)) = (x, y) {
                t.add(y - x);
            }
        }
        match t.mean() {
            Some(m) => {
                let half = t
                    .variance()
                    .map_or(0.0, |v| t975(t.count() - 1) * (v / t.count() as f64).sqrt());
                (m, half, true)
            }
            None => return None,
        }
    } else {
        let nb = before.iter().flatten().count() as u32;
        let na = after.iter().flatten().count() as u32;
        (a.mean - b.mean, welch_half_width(&b, nb, &a, na), false)
    };
    Some(Diff {
        before: b.mean,
        after: a.mean,
        diff,
        diff_ci95: half,
        change_pct: (b.mean != 0.0).then(|| 100.0 * diff / b.mean.abs()),
        significant: diff.abs() > half && diff != 0.0,
        paired,
    })
}

/// A sentence for a report: "mean wait fell from 18.2 to 6.4 min (-65%, 95% CI -68% to -61%)".
pub fn sentence(label: &str, unit: &str, d: &Diff) -> String {
    use crate::report::format_value;
    let verb = if !d.significant {
        "did not change significantly"
    } else if d.diff < 0.0 {
        "fell"
    } else {
        "rose"
    };
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    let pct = match (d.change_pct, d.change_pct_ci95()) {
        (Some(p), Some((lo, hi))) => format!(" ({p:+.0}%, 95% CI {lo:+.0}% to {hi:+.0}%)"),
        _ => format!(
            " (diff {} ± {})",
            format_value(d.diff),
            format_value(d.diff_ci95)
        ),
    };
    if d.significant {
        format!(
            "{label} {verb} from {} to {}{unit}{pct}",
            format_value(d.before),
            format_value(d.after)
        )
    } else {
        format!(
            "{label} {verb}: {} vs {}{unit}{pct}",
            format_value(d.before),
            format_value(d.after)
        )
    }
}

/// Runs `compare` from the CLI.
pub fn cli_compare(
    ctx: &Context,
    baseline: &Path,
    designs: &[PathBuf],
    out: Option<&Path>,
    json: bool,
    markdown: Option<&[String]>,
    o: &OverrideSettings,
) -> Result<i32, Failure> {
    let mut loaded = vec![cli::load_model(baseline, o)?];
    for d in designs {
        loaded.push(cli::load_model(d, o)?);
    }
    let first = &loaded[0].1;
    for (m, s) in &loaded[1..] {
        if s.seed != first.seed || s.replications != first.replications {
            eprintln!(
                "note: `{}` has seed {} and {} replications, the baseline {} and {}: the runs cannot be paired, intervals are Welch's",
                m.name, s.seed, s.replications, first.seed, first.replications
            );
        }
    }
    let mut outdir = match out {
        Some(dir) => Some(
            crate::report::files::OutDir::prepare(dir).map_err(|e| Failure {
                code: 2,
                message: format!("error: cannot write to {}: {e}", dir.display()),
            })?,
        ),
        None => None,
    };
    let total: u64 = loaded.iter().map(|(_, s)| u64::from(s.replications)).sum();
    let progress = Progress::new(ctx, "compare", total);
    let mut runs = Vec::new();
    for (m, s) in &loaded {
        let mut s = s.clone();
        s.threads = ctx.threads;
        runs.push(simulate::simulate(
            m,
            &s,
            &|r| progress.tick(r),
            cli::stop_flag(),
        )?);
    }
    progress.finish();
    let comparison = compare(&runs[0], &runs[1..]);
    if let Some(dir) = &mut outdir {
        crate::report::write_comparison(dir, &comparison, &runs).map_err(|e| Failure {
            code: 2,
            message: format!("error: writing the report: {e}"),
        })?;
    }
    if let Some(dir) = outdir {
        if cli::stop_flag().load(std::sync::atomic::Ordering::SeqCst) {
            return Err(crate::engine::EngineError::Interrupted.into());
        }
        dir.commit().map_err(|e| Failure {
            code: 2,
            message: format!("error: writing the report: {e}"),
        })?;
    }
    if let Some(keys) = markdown {
        let mut keys: Vec<String> = keys.iter().filter(|k| !k.is_empty()).cloned().collect();
        if keys.is_empty() {
            keys = [
                "wait_min",
                "wait_p90_min",
                "hall_min",
                "visits",
                "lead_time_wd",
                "lead_time_p90_wd",
                "on_time_rate",
                "abandon_rate",
            ]
            .iter()
            .map(|k| k.to_string())
            .collect();
        }
        cli::print(&crate::report::table::comparison_markdown(
            &comparison,
            &keys,
        ));
    } else if json {
        cli::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&comparison).unwrap_or_default()
        ));
    } else {
        cli::print(&crate::report::table::comparison_table(
            &comparison,
            cli::use_color(),
        ));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(before: f64, diff: f64, diff_ci95: f64) -> Diff {
        Diff {
            before,
            after: before + diff,
            diff,
            diff_ci95,
            change_pct: (before != 0.0).then(|| 100.0 * diff / before),
            significant: diff.abs() > diff_ci95,
            paired: true,
        }
    }

    #[test]
    fn percent_intervals_stop_at_minus_100() {
        // A wait of 20 min falling to about 0.1 (± 0.4): -99.5%, the
        // interval of the difference reaches -101.5%, cut at -100%.
        let (lo, hi) = diff(20.0, -19.9, 0.4).change_pct_ci95().unwrap();
        assert_eq!(lo, -100.0);
        assert!((hi - -97.5).abs() < 1e-9, "{hi}");
        // Away from -100% the interval is the difference's, in percent.
        let (lo, hi) = diff(10.0, -5.0, 1.0).change_pct_ci95().unwrap();
        assert!((lo - -60.0).abs() < 1e-9 && (hi - -40.0).abs() < 1e-9);
        // No percent of a baseline of 0.
        assert_eq!(diff(0.0, 0.3, 0.1).change_pct_ci95(), None);
    }
}
