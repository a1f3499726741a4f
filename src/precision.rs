//! Replications to a precision: run replications in batches until the 95%
//! confidence interval of chosen KPIs is as narrow as asked.
//!
//! The rule is Hoad, Robinson and Davies' (2010) replication algorithm:
//! after `n` replications the interval half-width of every chosen KPI must
//! be within the precision (relative to the mean, or absolute), and stay
//! within it for a look-ahead of further replications (5, or 5% of `n` past
//! 100), so that one lucky batch does not stop it. The answer is the number
//! of replications once the look-ahead holds; it never goes below a minimum
//! or above a maximum.
//!
//! The decision after `n` replications reads only replications `0..n`,
//! whose values depend only on the seed (not on threads or batches), so the
//! same file and flags always give the same answer. A run with that many
//! replications (`--reps N`) then gives the results.

use crate::model::Model;
use crate::simulate::{RunSettings, Simulation, SimulationError};
use crate::stats::t975;
use crate::summary::kpi_keys;
use std::sync::atomic::AtomicBool;

/// How narrow the intervals must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Half-width at most this share of the mean's magnitude (0.05: ±5%).
    Relative(f64),
    /// Half-width at most this much, in the KPI's unit.
    Absolute(f64),
}

/// What to replicate for.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// KPI keys whose intervals must all be narrow enough.
    pub kpis: Vec<String>,
    /// How narrow.
    pub tolerance: Tolerance,
    /// Replications before the first look (at least 2).
    pub min: u32,
    /// Replications at most.
    pub max: u32,
    /// Look-ahead at up to 100 replications (scaled past 100).
    pub look_ahead: u32,
}

impl Goal {
    /// The defaults: at least 10 replications, at most 1000, look-ahead 5.
    pub fn new(kpis: Vec<String>, tolerance: Tolerance) -> Goal {
        Goal {
            kpis,
            tolerance,
            min: 10,
            max: 1000,
            look_ahead: 5,
        }
    }

    /// The look-ahead after a first success at `n` replications: the
    /// configured count, or that share of `n` per hundred past 100.
    fn look_ahead_at(&self, n: u32) -> u32 {
        if n <= 100 {
            self.look_ahead
        } else {
            (u64::from(self.look_ahead) * u64::from(n)).div_ceil(100) as u32
        }
    }
}

/// Why replicating stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every interval was narrow enough, and stayed so over the look-ahead.
    Met,
    /// The maximum was reached first.
    Maximum,
}

/// One KPI's interval at the answer (of a design's KPI, or of a design's
/// paired difference from the baseline).
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The KPI key, with the design for a difference (`wait_min: B - A`).
    pub kpi: String,
    /// Mean over the replications.
    pub mean: f64,
    /// 95% half-width (Student t).
    pub half_width: f64,
    /// What a relative precision is relative to: the KPI's mean, or for a
    /// difference the baseline's mean.
    pub reference: f64,
}

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Replications {
    /// Replications to run.
    pub replications: u32,
    /// Why it stopped there.
    pub stopped: Stopped,
    /// The first count at which every interval was narrow enough (the
    /// look-ahead then confirmed it), when there was one.
    pub first_met: Option<u32>,
    /// Each chosen KPI's interval over `replications`.
    pub intervals: Vec<Interval>,
    /// Replications simulated to decide (the batches run a little ahead).
    pub simulated: u32,
}

/// A goal that cannot be pursued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrecisionError {
    /// A KPI key that a design does not measure.
    #[error("--kpi {key}: not a KPI of {file}; `procsim kpis` lists the names (pools.NAME.KPI, processes.NAME.KPI for the levels below the scenario)")]
    UnknownKpi {
        /// The key.
        key: String,
        /// The design's file.
        file: String,
    },
    /// No KPI chosen.
    #[error("--precision needs at least one --kpi KEY whose interval must be narrow enough")]
    NoKpi,
    /// A tolerance that is not a positive number.
    #[error(
        "the precision must be a number above 0 (relative: 0.05 for ±5% of the mean), not {0}"
    )]
    BadTolerance(f64),
    /// Minimum and maximum that leave no room.
    #[error("replications to a precision need a minimum of at least 2 and a maximum not below it (got {min} and {max})")]
    BadBounds {
        /// The minimum.
        min: u32,
        /// The maximum.
        max: u32,
    },
    /// The simulation failed.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
}

/// The interval of `values` (the replications that measured the KPI).
fn interval(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((mean, t975(n as u64 - 1) * (variance / n as f64).sqrt()))
}

/// One quantity whose interval must be narrow: per replication its value
/// and the value a relative precision refers to (the same, or for a paired
/// difference the baseline's); `None` where the replication had no value.
#[derive(Debug, Clone, Default)]
struct Column {
    values: Vec<Option<f64>>,
    reference: Vec<Option<f64>>,
}

impl Column {
    /// The same values, as their own reference.
    #[cfg(test)]
    fn of(values: Vec<Option<f64>>) -> Column {
        Column {
            reference: values.clone(),
            values,
        }
    }

    /// Mean and half-width over the first `n` replications, and the
    /// reference's mean.
    fn interval(&self, n: u32) -> Option<(f64, f64, f64)> {
        let measured: Vec<f64> = self.values[..n as usize]
            .iter()
            .flatten()
            .copied()
            .collect();
        let reference: Vec<f64> = self.reference[..n as usize]
            .iter()
            .flatten()
            .copied()
            .collect();
        let (mean, half_width) = interval(&measured)?;
        let scale = reference.iter().sum::<f64>() / reference.len().max(1) as f64;
        Some((mean, half_width, scale))
    }

    /// Whether the interval over the first `n` replications is narrow enough.
    fn narrow_enough(&self, n: u32, tolerance: Tolerance) -> bool {
        self.interval(n)
            .is_some_and(|(_, half_width, scale)| match tolerance {
                Tolerance::Relative(r) => half_width <= r * scale.abs(),
                Tolerance::Absolute(a) => half_width <= a,
            })
    }
}

/// Decides from the columns' per-replication values how many replications
/// the goal needs, or `None` when more values are needed to tell.
fn decide(goal: &Goal, columns: &[Column]) -> Option<(u32, Stopped, Option<u32>)> {
    let available = columns.first().map_or(0, |c| c.values.len()) as u32;
    let met_at = |n: u32| columns.iter().all(|c| c.narrow_enough(n, goal.tolerance));
    let mut first_met: Option<u32> = None;
    for n in goal.min..=goal.max {
        if n > available {
            return None;
        }
        if met_at(n) {
            let first = *first_met.get_or_insert(n);
            if n >= first + goal.look_ahead_at(first) {
                return Some((n, Stopped::Met, Some(first)));
            }
        } else {
            first_met = None;
        }
    }
    Some((goal.max, Stopped::Maximum, first_met))
}

/// Runs replications of `model` (with `settings`' seed, threads and limits)
/// in batches until `goal` is met or its maximum reached.
pub fn replications_for(
    model: &Model,
    settings: &RunSettings,
    goal: &Goal,
    stop: &AtomicBool,
) -> Result<Replications, PrecisionError> {
    replications_for_designs(&[(model, settings)], goal, stop)
}

/// The same for a comparison: with more than one design, the intervals are
/// those of each design's differences from the first (the baseline),
/// replication by replication (paired when the designs share their seed),
/// and a relative precision is relative to the baseline's mean.
pub fn replications_for_designs(
    designs: &[(&Model, &RunSettings)],
    goal: &Goal,
    stop: &AtomicBool,
) -> Result<Replications, PrecisionError> {
    if goal.kpis.is_empty() {
        return Err(PrecisionError::NoKpi);
    }
    let tolerance = match goal.tolerance {
        Tolerance::Relative(t) | Tolerance::Absolute(t) => t,
    };
    if !(tolerance > 0.0 && tolerance.is_finite()) {
        return Err(PrecisionError::BadTolerance(tolerance));
    }
    if goal.min < 2 || goal.max < goal.min {
        return Err(PrecisionError::BadBounds {
            min: goal.min,
            max: goal.max,
        });
    }
    // Per design, the position of each chosen KPI in its value rows.
    let positions: Vec<Vec<usize>> = designs
        .iter()
        .map(|(model, _)| {
            let keys = kpi_keys(model);
            goal.kpis
                .iter()
                .map(|k| {
                    keys.iter()
                        .position(|key| key == k)
                        .ok_or_else(|| PrecisionError::UnknownKpi {
                            key: k.clone(),
                            file: model.file.clone(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    // Which (design, KPI) each column follows, and its label.
    let followed: Vec<(usize, usize, String)> = if designs.len() == 1 {
        (0..goal.kpis.len())
            .map(|k| (0, k, goal.kpis[k].clone()))
            .collect()
    } else {
        (1..designs.len())
            .flat_map(|d| {
                let name = &designs[d].0.name;
                let base = &designs[0].0.name;
                (0..goal.kpis.len())
                    .map(move |k| (d, k, format!("{}: {name} - {base}", goal.kpis[k])))
            })
            .collect()
    };
    let mut columns = vec![Column::default(); followed.len()];
    let threads = designs[0].1.worker_threads() as u32;
    loop {
        if let Some((n, stopped, first_met)) = decide(goal, &columns) {
            let intervals = followed
                .iter()
                .zip(&columns)
                .map(|((_, _, label), column)| {
                    let (mean, half_width, reference) =
                        column.interval(n).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
                    Interval {
                        kpi: label.clone(),
                        mean,
                        half_width,
                        reference,
                    }
                })
                .collect();
            return Ok(Replications {
                replications: n,
                stopped,
                first_met,
                intervals,
                simulated: columns[0].values.len() as u32,
            });
        }
        // The next batch: the minimum first, then a quarter more (at least
        // a replication per thread), never past the maximum.
        let have = columns[0].values.len() as u32;
        let batch = if have == 0 {
            goal.min
        } else {
            (have / 4).max(threads).max(1)
        };
        let upto = (have + batch).min(goal.max);
        let mut rows = Vec::new();
        for (model, settings) in designs {
            let mut batch_settings = (*settings).clone();
            batch_settings.replications = goal.max;
            batch_settings.only = Some(have..upto);
            let run = Simulation::new(model)
                .settings(batch_settings)
                .stop(stop)
                .run()?;
            rows.push(run.data.values);
        }
        for ((d, k, _), column) in followed.iter().zip(&mut columns) {
            for (base_row, own_row) in rows[0].iter().zip(&rows[*d]) {
                let own = own_row[positions[*d][*k]];
                let base = base_row[positions[0][*k]];
                if designs.len() == 1 {
                    column.values.push(own);
                } else {
                    column.values.push(own.zip(base).map(|(a, b)| a - b));
                }
                column.reference.push(base);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(min: u32, max: u32) -> Goal {
        Goal {
            min,
            max,
            ..Goal::new(vec!["k".into()], Tolerance::Absolute(1.0))
        }
    }

    #[test]
    fn the_interval_is_student_t() {
        // 1, 2, 3: mean 2, sd 1, half-width t(2) / sqrt(3) = 4.3027 / 1.7321.
        let (mean, hw) = interval(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(mean, 2.0);
        assert!((hw - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6, "{hw}");
        assert!(interval(&[1.0]).is_none());
    }

    #[test]
    fn the_look_ahead_must_hold_before_it_stops() {
        // Values alternating 0, 2: the interval narrows as 1/sqrt(n) and
        // first fits ±1 at n = 8 (half-width 0.894), then stays; with a
        // look-ahead of 5 the answer is 13.
        let column: Vec<Option<f64>> = (0..40).map(|i| Some(f64::from(i % 2) * 2.0)).collect();
        let hw = |n: usize| {
            let v: Vec<f64> = column[..n].iter().flatten().copied().collect();
            interval(&v).unwrap().1
        };
        let first = (2..40).find(|&n| hw(n) <= 1.0).unwrap();
        assert!((first..40).all(|n| hw(n) <= 1.0));
        let got = decide(&goal(2, 100), &[Column::of(column.clone())]);
        assert_eq!(
            got,
            Some((first as u32 + 5, Stopped::Met, Some(first as u32)))
        );
        // Too few values to tell yet.
        assert_eq!(
            decide(&goal(2, 100), &[Column::of(column[..first + 2].to_vec())]),
            None
        );
        // A maximum below the answer stops there.
        assert_eq!(
            decide(&goal(2, first as u32 + 2), &[Column::of(column.clone())]),
            Some((first as u32 + 2, Stopped::Maximum, Some(first as u32)))
        );
    }

    #[test]
    fn a_wide_replication_in_the_look_ahead_starts_over() {
        // Narrow from the start, then one outlier inside the look-ahead:
        // the count restarts after it.
        let mut column: Vec<Option<f64>> = (0..200).map(|i| Some(f64::from(i % 2) * 0.2)).collect();
        column[12] = Some(40.0);
        let (n, stopped, first) = decide(&goal(10, 300), &[Column::of(column)]).unwrap();
        assert_eq!(stopped, Stopped::Met);
        assert!(first.unwrap() > 12, "{first:?}");
        assert_eq!(n, first.unwrap() + 5);
    }

    #[test]
    fn past_a_hundred_the_look_ahead_is_five_percent() {
        let g = goal(2, 1000);
        assert_eq!(g.look_ahead_at(100), 5);
        assert_eq!(g.look_ahead_at(101), 6);
        assert_eq!(g.look_ahead_at(400), 20);
    }
}
