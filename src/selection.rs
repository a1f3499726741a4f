//! Selecting the best of several designs with a guarantee: Kim and
//! Nelson's fully sequential procedure KN (2001), made for common random
//! numbers.
//!
//! With probability at least 1 - alpha, the design it selects has a true
//! mean of the chosen KPI within `delta` of the best design's (the
//! indifference zone). Every design starts with `n0` replications; the
//! variances of the pairwise differences over those fix how wide each
//! pair's continuation region is; then each surviving design gets one more
//! replication at a time, and a design whose mean falls clearly behind
//! another's (by more than the region's half-width, which shrinks with
//! every replication) is eliminated. It stops when one design is left.
//!
//! Replication r of every design sees the same citizens when the designs
//! share their seed (compare's pairing), which is what makes the pairwise
//! variances small. The decisions read replications in order and depend
//! only on the seed, so the result is the same on any thread count.

use crate::kpi::{self, Better};
use crate::model::Model;
use crate::simulate::{RunSettings, Simulation, SimulationError};
use crate::summary::kpi_keys;
use std::sync::atomic::AtomicBool;

/// What to select by.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectGoal {
    /// The KPI key; its better direction (kpis.md) says what "best" is.
    pub kpi: String,
    /// The indifference zone: a difference smaller than this does not matter.
    pub delta: f64,
    /// 1 - alpha is the guaranteed probability of a correct selection.
    pub alpha: f64,
    /// First-stage replications of every design (at least 2).
    pub n0: u32,
    /// Replications per design at most (the procedure's own bound is
    /// usually far lower).
    pub max: u32,
}

impl SelectGoal {
    /// alpha 0.05, 10 first-stage replications, at most 10,000.
    pub fn new(kpi: &str, delta: f64) -> SelectGoal {
        SelectGoal {
            kpi: kpi.to_string(),
            delta,
            alpha: 0.05,
            n0: 10,
            max: 10_000,
        }
    }
}

/// The result of a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The index of the selected design.
    pub selected: usize,
    /// Per design, the replications its elimination (or the selection) read.
    pub replications: Vec<u32>,
    /// Per design, the replication count at which it was eliminated
    /// (`None` for the selected design).
    pub eliminated_at: Vec<Option<u32>>,
    /// Per design, the KPI's mean over its replications.
    pub means: Vec<f64>,
    /// Replications per design that a fixed-sample plan with the same
    /// guarantee would run (the procedure's bound: the largest pairwise
    /// h² S² / delta², plus one).
    pub fixed_sample: u32,
    /// Lower or higher is better.
    pub better: Better,
    /// Stopped at [`SelectGoal::max`] with more than one design left (the
    /// best mean among them is selected, without the guarantee).
    pub at_maximum: bool,
}

/// A selection that cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    /// A KPI key a design does not measure.
    #[error("--select {key}: not a KPI of {file}; `procsim kpis` lists the names")]
    UnknownKpi {
        /// The key.
        key: String,
        /// The design's file.
        file: String,
    },
    /// A KPI with no better direction (utilization, say).
    #[error("--select {0}: this KPI has no better direction (neither lower nor higher is better), so there is no best design by it")]
    Neutral(String),
    /// A replication without a value of the KPI.
    #[error("--select {kpi}: replication {replication} of {file} has no value of it (no case it measures); choose a KPI every replication measures")]
    NoValue {
        /// The key.
        kpi: String,
        /// The design's file.
        file: String,
        /// The replication.
        replication: u32,
    },
    /// Parameters outside their ranges.
    #[error("selection needs --delta above 0, alpha in (0, 1), at least 2 first-stage replications and a maximum not below them (got delta {delta}, alpha {alpha}, n0 {n0}, max {max})")]
    BadParameters {
        /// The indifference zone.
        delta: f64,
        /// Alpha.
        alpha: f64,
        /// First stage.
        n0: u32,
        /// Maximum.
        max: u32,
    },
    /// Fewer than two designs.
    #[error("selection needs at least two designs")]
    TooFewDesigns,
    /// The simulation failed.
    #[error(transparent)]
    Simulation(#[from] SimulationError),
}

/// KN's constant h² for `k` designs, first stage `n0` and `alpha`.
fn h_squared(k: usize, n0: u32, alpha: f64) -> f64 {
    let eta = 0.5 * ((2.0 * alpha / (k as f64 - 1.0)).powf(-2.0 / (f64::from(n0) - 1.0)) - 1.0);
    2.0 * eta * (f64::from(n0) - 1.0)
}

/// What [`kn`] decided (the fields of [`Selection`] it knows).
#[derive(Debug, PartialEq)]
struct Outcome {
    selected: usize,
    replications: Vec<u32>,
    eliminated_at: Vec<Option<u32>>,
    fixed_sample: u32,
    at_maximum: bool,
}

/// KN on per-replication values (`values[d][r]`, the KPI of design `d` in
/// replication `r`, as many as needed), where smaller is better. `more`
/// is asked for at least `r` values of the designs still in, when the
/// procedure needs them. Returns the selection's indices and counts.
fn kn<F>(
    k: usize,
    goal: &SelectGoal,
    values: &mut Vec<Vec<f64>>,
    mut more: F,
) -> Result<Outcome, SelectError>
where
    F: FnMut(&mut Vec<Vec<f64>>, &[usize], u32) -> Result<(), SelectError>,
{
    let n0 = goal.n0;
    let everyone: Vec<usize> = (0..k).collect();
    more(values, &everyone, n0)?;
    let h2 = h_squared(k, n0, goal.alpha);
    // Pairwise variances of the differences over the first stage.
    let mut s2 = vec![vec![0.0; k]; k];
    let mut bound = 0u32;
    for i in 0..k {
        for l in 0..k {
            if i == l {
                continue;
            }
            let d: Vec<f64> = (0..n0 as usize)
                .map(|r| values[i][r] - values[l][r])
                .collect();
            let mean = d.iter().sum::<f64>() / f64::from(n0);
            s2[i][l] = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n0 - 1);
            let n_il = (h2 * s2[i][l] / goal.delta.powi(2)).floor();
            bound = bound.max(n_il.min(f64::from(u32::MAX - 1)) as u32);
        }
    }
    let fixed_sample = bound.saturating_add(1).max(n0);
    let mut alive: Vec<usize> = everyone;
    let mut eliminated_at = vec![None; k];
    let mut r = n0;
    let mean = |values: &Vec<Vec<f64>>, d: usize, r: u32| {
        values[d][..r as usize].iter().sum::<f64>() / f64::from(r)
    };
    loop {
        let means: Vec<(usize, f64)> = alive.iter().map(|&d| (d, mean(values, d, r))).collect();
        let out: Vec<usize> = means
            .iter()
            .filter(|&&(i, mi)| {
                means.iter().any(|&(l, ml)| {
                    let w = (goal.delta / (2.0 * f64::from(r)))
                        * (h2 * s2[i][l] / goal.delta.powi(2) - f64::from(r));
                    l != i && mi > ml + w.max(0.0)
                })
            })
            .map(|&(i, _)| i)
            .collect();
        for &i in &out {
            eliminated_at[i] = Some(r);
        }
        alive.retain(|d| !out.contains(d));
        // Past the bound every difference eliminates; only exact ties are
        // left, and the first of them is as good as any.
        if alive.len() == 1 || r > bound || r >= goal.max {
            let at_maximum = alive.len() > 1 && r >= goal.max && r <= bound;
            let best = *alive
                .iter()
                .min_by(|&&a, &&b| mean(values, a, r).total_cmp(&mean(values, b, r)))
                .expect("one design is always left");
            for &d in &alive {
                if d != best {
                    eliminated_at[d] = Some(r);
                }
            }
            let replications = (0..k).map(|d| eliminated_at[d].unwrap_or(r)).collect();
            return Ok(Outcome {
                selected: best,
                replications,
                eliminated_at,
                fixed_sample,
                at_maximum,
            });
        }
        r += 1;
        more(values, &alive, r)?;
    }
}

/// Runs KN among `designs` (each with its settings' seed, threads and
/// limits) for `goal`.
pub fn select_best(
    designs: &[(&Model, &RunSettings)],
    goal: &SelectGoal,
    stop: &AtomicBool,
) -> Result<Selection, SelectError> {
    if designs.len() < 2 {
        return Err(SelectError::TooFewDesigns);
    }
    let delta_ok = goal.delta > 0.0 && goal.delta.is_finite();
    let alpha_ok = goal.alpha > 0.0 && goal.alpha < 1.0;
    if !delta_ok || !alpha_ok || goal.n0 < 2 || goal.max < goal.n0 {
        return Err(SelectError::BadParameters {
            delta: goal.delta,
            alpha: goal.alpha,
            n0: goal.n0,
            max: goal.max,
        });
    }
    let better = kpi::better(&goal.kpi);
    let sign = match better {
        Better::Lower => 1.0,
        Better::Higher => -1.0,
        Better::Neutral => return Err(SelectError::Neutral(goal.kpi.clone())),
    };
    let columns: Vec<usize> = designs
        .iter()
        .map(|(model, _)| {
            kpi_keys(model)
                .iter()
                .position(|key| *key == goal.kpi)
                .ok_or_else(|| SelectError::UnknownKpi {
                    key: goal.kpi.clone(),
                    file: model.file.clone(),
                })
        })
        .collect::<Result<_, _>>()?;
    let threads = designs[0].1.worker_threads() as u32;
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); designs.len()];
    // Values in "smaller is better" form; batches run a little ahead.
    let more = |values: &mut Vec<Vec<f64>>, who: &[usize], r: u32| {
        for &d in who {
            let have = values[d].len() as u32;
            if have >= r {
                continue;
            }
            let upto = (have + (have / 4).max(threads)).max(r).min(goal.max);
            let (model, settings) = designs[d];
            let mut batch = settings.clone();
            batch.replications = goal.max;
            batch.only = Some(have..upto);
            let run = Simulation::new(model).settings(batch).stop(stop).run()?;
            for (row, replication) in run.data.values.iter().zip(have..) {
                let v = row[columns[d]].ok_or_else(|| SelectError::NoValue {
                    kpi: goal.kpi.clone(),
                    file: model.file.clone(),
                    replication,
                })?;
                values[d].push(sign * v);
            }
        }
        Ok(())
    };
    let Outcome {
        selected,
        replications,
        eliminated_at,
        fixed_sample,
        at_maximum,
    } = kn(designs.len(), goal, &mut values, more)?;
    let means = replications
        .iter()
        .zip(&values)
        .map(|(&n, v)| sign * v[..n as usize].iter().sum::<f64>() / f64::from(n))
        .collect();
    Ok(Selection {
        selected,
        replications,
        eliminated_at,
        means,
        fixed_sample,
        better,
        at_maximum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h_squared_is_kim_and_nelson_s() {
        // k = 2, n0 = 10, alpha = 0.05: eta = ((0.1)^(-2/9) - 1) / 2.
        let eta: f64 = (0.1f64.powf(-2.0 / 9.0) - 1.0) / 2.0;
        assert!((h_squared(2, 10, 0.05) - 18.0 * eta).abs() < 1e-12);
        // 10^(2/9) = e^(0.511 686) = 1.668 101 by hand.
        assert!((eta - 0.334_050).abs() < 1e-5, "{eta}");
    }

    #[test]
    fn a_clearly_worse_design_goes_at_once_and_a_tie_is_broken() {
        // Design 1 is worse by 10 with no noise in the differences: S² = 0,
        // so the region is empty and it goes after the first stage.
        let goal = SelectGoal {
            n0: 5,
            ..SelectGoal::new("k", 1.0)
        };
        let base: Vec<f64> = (0..50).map(|i| f64::from(i % 3)).collect();
        let mut values = vec![base.clone(), base.iter().map(|x| x + 10.0).collect()];
        let o = kn(2, &goal, &mut values, |_, _, _| Ok(())).unwrap();
        assert_eq!(
            (o.selected, o.replications, o.eliminated_at, o.at_maximum),
            (0, vec![5, 5], vec![None, Some(5)], false)
        );
        // Identical designs: past the bound only a tie is left; the first wins.
        let mut values = vec![base.clone(), base];
        let o = kn(2, &goal, &mut values, |_, _, _| Ok(())).unwrap();
        assert_eq!(o.selected, 0);
    }
}
