//! Paired differences between a baseline and designs.
//!
//! When the runs share seed, replication count and arrival streams (see
//! [`why_unpaired`]), replication i of every design saw the same citizens
//! (common random numbers), so the difference of each KPI is computed per
//! replication and its interval is a paired t-interval: much narrower than
//! comparing two independent means. When they do not, the interval falls
//! back to Welch's.
//!
//! Each difference carries a p-value (the same t statistic as its
//! interval), adjusted over the KPIs of the design's comparison (see
//! [`crate::multiplicity`]); `significant` and the verdicts use the
//! adjusted value, the intervals stay unadjusted.

use crate::kpi::{better, find, split_key, Better, Level};
use crate::model::{Arrival, Model};
use crate::multiplicity::Multiplicity;
use crate::simulate::{Run, RunSettings};
use crate::stats::{welch, Estimate, TScale, Tally};
use crate::summary::{kpi_keys, Summary};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One KPI of a design against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Baseline mean.
    pub before: f64,
    /// Design mean.
    pub after: f64,
    /// after - before (mean over replications).
    pub diff: f64,
    /// Half-width of the 95% interval of `diff` (paired, or Welch); `None`
    /// (null in JSON) when a side has fewer than two replications with a
    /// value: one replication says nothing about the noise, so there is no
    /// interval, and nothing is significant.
    pub diff_ci95: Option<f64>,
    /// Change in percent of `before` (null when before is 0).
    pub change_pct: Option<f64>,
    /// Two-sided p-value of the difference (the t statistic of the
    /// interval); `None` without an interval.
    #[serde(default)]
    pub p_value: Option<f64>,
    /// The p-value adjusted over the KPIs of the comparison (see
    /// [`Comparison::multiplicity`]).
    #[serde(default)]
    pub p_adjusted: Option<f64>,
    /// The adjusted p-value is below 0.05 (the unadjusted interval may
    /// exclude 0 while this is false).
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
    /// `None` too without an interval of `diff`.
    pub fn change_pct_ci95(&self) -> Option<(f64, f64)> {
        let half = self.diff_ci95?;
        (self.before != 0.0).then(|| {
            let pct = |d: f64| 100.0 * d / self.before.abs();
            (pct(self.diff - half).max(-100.0), pct(self.diff + half))
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

/// The comparison JSON (`comparison.json`, described in `docs/files.md`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// How the p-values were adjusted, and over which KPIs.
    #[serde(default)]
    pub multiplicity: Multiplicity,
    /// The baseline's summary.
    pub baseline: Summary,
    /// Each design.
    pub designs: Vec<DesignComparison>,
}

/// Why a design's replication i does not see the baseline's citizens of
/// replication i (so the runs cannot be paired).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unpaired {
    /// Different master seeds.
    Seed {
        /// The baseline's.
        baseline: u64,
        /// The design's.
        design: u64,
    },
    /// Different replication counts.
    Replications {
        /// The baseline's.
        baseline: u32,
        /// The design's.
        design: u32,
    },
    /// Arrival streams by other names: each name keys its own random
    /// stream, so a renamed stream draws other citizens.
    StreamNames {
        /// Streams only the baseline has.
        baseline_only: Vec<String>,
        /// Streams only the design has.
        design_only: Vec<String>,
    },
    /// Streams of the same name that draw differently: their arrival
    /// pattern, process mix or channel differ.
    StreamDraws {
        /// The streams.
        streams: Vec<String>,
    },
    /// The calendar (when the hall is open, so when hall streams arrive) or
    /// the horizon (when streams stop) differ.
    CalendarOrHorizon,
}

impl std::fmt::Display for Unpaired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Unpaired::Seed { baseline, design } => {
                write!(f, "seed {design}, the baseline {baseline}")
            }
            Unpaired::Replications { baseline, design } => {
                write!(f, "{design} replications, the baseline {baseline}")
            }
            Unpaired::StreamNames {
                baseline_only,
                design_only,
            } => {
                let mut parts = Vec::new();
                if !design_only.is_empty() {
                    parts.push(format!(
                        "arrival streams {} only in the design",
                        list(design_only)
                    ));
                }
                if !baseline_only.is_empty() {
                    parts.push(format!(
                        "arrival streams {} only in the baseline",
                        list(baseline_only)
                    ));
                }
                write!(
                    f,
                    "{} (a stream's name keys its random numbers)",
                    parts.join(" and ")
                )
            }
            Unpaired::StreamDraws { streams } => write!(
                f,
                "arrival streams {} differ in pattern, mix or channel",
                list(streams)
            ),
            Unpaired::CalendarOrHorizon => write!(f, "the calendar or horizon differs"),
        }
    }
}

/// What decides the citizens a stream brings (as comparable text), beyond the seed, replication
/// and stream name: the arrival pattern, the process mix (by process name:
/// ids depend on declaration order) and the channel. Not `mean_rate`, which
/// follows from these, nor anything downstream of arrival (pools, steps,
/// patience): a design may change those and still meet the same citizens.
fn stream_draws(model: &Model, a: &Arrival) -> String {
    let mix: Vec<(f64, &str)> = a
        .mix
        .iter()
        .map(|&(p, id)| (p, model.processes.get(id).map_or("", |p| p.name.as_str())))
        .collect();
    format!("{:?} {mix:?} {:?}", a.pattern, a.channel)
}

/// Why replication i of `design` would not see the same citizens as
/// replication i of `baseline` (empty: the runs can be paired). Same
/// citizens need the same seed and replications, the same arrival streams
/// by name, each drawing the same way ([`Unpaired::StreamDraws`]), over the
/// same calendar and horizon.
pub fn why_unpaired(
    baseline: (&Model, &RunSettings),
    design: (&Model, &RunSettings),
) -> Vec<Unpaired> {
    let ((bm, bs), (dm, ds)) = (baseline, design);
    let mut why = Vec::new();
    if bs.seed != ds.seed {
        why.push(Unpaired::Seed {
            baseline: bs.seed,
            design: ds.seed,
        });
    }
    if bs.replications != ds.replications {
        why.push(Unpaired::Replications {
            baseline: bs.replications,
            design: ds.replications,
        });
    }
    let names = |m: &Model| -> Vec<String> { m.arrivals.iter().map(|a| a.name.clone()).collect() };
    let (bn, dn) = (names(bm), names(dm));
    let baseline_only: Vec<String> = bn.iter().filter(|n| !dn.contains(n)).cloned().collect();
    let design_only: Vec<String> = dn.iter().filter(|n| !bn.contains(n)).cloned().collect();
    if !baseline_only.is_empty() || !design_only.is_empty() {
        why.push(Unpaired::StreamNames {
            baseline_only,
            design_only,
        });
    }
    let streams: Vec<String> = bm
        .arrivals
        .iter()
        .filter_map(|b| {
            let d = dm.arrivals.iter().find(|d| d.name == b.name)?;
            (stream_draws(bm, b) != stream_draws(dm, d)).then(|| b.name.clone())
        })
        .collect();
    if !streams.is_empty() {
        why.push(Unpaired::StreamDraws { streams });
    }
    if format!("{:?} {:?}", bm.calendar, bm.horizon)
        != format!("{:?} {:?}", dm.calendar, dm.horizon)
    {
        why.push(Unpaired::CalendarOrHorizon);
    }
    why
}

/// Paired differences when the runs see the same citizens ([`why_unpaired`]
/// is empty), Welch's otherwise; p-values adjusted by Holm over all the
/// KPIs of each design.
pub fn compare(baseline: &Run, designs: &[Run]) -> Comparison {
    compare_with(baseline, designs, Multiplicity::default())
}

/// [`compare`] with the p-values adjusted as `multiplicity` says.
pub fn compare_with(baseline: &Run, designs: &[Run], multiplicity: Multiplicity) -> Comparison {
    let base_keys = kpi_keys(&baseline.model);
    let base_index: IndexMap<&str, usize> = base_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for d in designs {
        let paired = d.data.replications == baseline.data.replications
            && why_unpaired(
                (&baseline.model, &baseline.settings),
                (&d.model, &d.settings),
            )
            .is_empty();
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
        adjust(&mut diffs, multiplicity);
        out.push(DesignComparison {
            summary: d.summary.clone(),
            vs_baseline: diffs,
        });
    }
    Comparison {
        multiplicity,
        baseline: baseline.summary.clone(),
        designs: out,
    }
}

/// Whether `key` is one of the registry's headline KPIs.
fn is_headline(key: &str) -> bool {
    matches!(split_key(key), Some((Level::Scenario, _, _)))
        && find(key).is_some_and(|k| k.headline.is_some())
}

/// Adjusts the p-values of one design's differences over its families
/// (all KPIs, or the headline KPIs and the rest apart) and sets
/// `significant` from the adjusted values.
pub fn adjust(diffs: &mut IndexMap<String, Diff>, multiplicity: Multiplicity) {
    let families: Vec<bool> = if multiplicity.headline_family {
        vec![true, false]
    } else {
        vec![true]
    };
    for family in families {
        let member = |key: &str| !multiplicity.headline_family || is_headline(key) == family;
        let tested: Vec<(&String, f64)> = diffs
            .iter()
            .filter(|(k, _)| member(k))
            .filter_map(|(k, d)| d.p_value.map(|p| (k, p)))
            .collect();
        let p: Vec<f64> = tested.iter().map(|t| t.1).collect();
        let adjusted = multiplicity.adjustment.adjust(&p);
        let keys: Vec<String> = tested.iter().map(|t| t.0.clone()).collect();
        for (key, q) in keys.iter().zip(adjusted) {
            let d = &mut diffs[key.as_str()];
            d.p_adjusted = Some(q);
            d.significant = q < 0.05 && d.diff != 0.0;
        }
    }
}

/// The difference of two KPI columns (per replication), with its
/// unadjusted p-value (`significant` when that is below 0.05: the
/// interval excludes 0).
pub fn diff_of(before: &[Option<f64>], after: &[Option<f64>], paired: bool) -> Option<Diff> {
    let b = Estimate::from_values(before)?;
    let a = Estimate::from_values(after)?;
    // A half-width needs a spread: two values on each side (two pairs).
    let (diff, scale, paired) = if paired {
        let mut t = Tally::default();
        for (x, y) in before.iter().zip(after) {
            if let (Some(x), Some(y)) = (x, y) {
                t.add(y - x);
            }
        }
        let m = t.mean()?;
        let scale = t.variance().map(|v| TScale {
            se: (v / t.count() as f64).sqrt(),
            df: (t.count() - 1) as f64,
        });
        (m, scale, true)
    } else {
        let nb = before.iter().flatten().count() as u32;
        let na = after.iter().flatten().count() as u32;
        let scale = (nb >= 2 && na >= 2).then(|| welch(&b, nb, &a, na));
        (a.mean - b.mean, scale, false)
    };
    let half = scale.map(|s| s.half_width());
    // A KPI equal in every replication of both sides tests nothing (and
    // would only dilute the adjustment of the others).
    let p_value = scale
        .filter(|s| s.se > 0.0 || diff != 0.0)
        .map(|s| s.p_value(diff));
    Some(Diff {
        before: b.mean,
        after: a.mean,
        diff,
        diff_ci95: half,
        change_pct: (b.mean != 0.0).then(|| 100.0 * diff / b.mean.abs()),
        p_value,
        p_adjusted: p_value,
        significant: half.is_some_and(|h| diff.abs() > h && diff != 0.0),
        paired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(before: f64, diff: f64, diff_ci95: f64) -> Diff {
        Diff {
            before,
            after: before + diff,
            diff,
            diff_ci95: Some(diff_ci95),
            change_pct: (before != 0.0).then(|| 100.0 * diff / before),
            p_value: None,
            p_adjusted: None,
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
