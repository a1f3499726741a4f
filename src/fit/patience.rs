//! Patience from `left` tickets, per process and pool (the `serve` step).
//!
//! Waits are censored data: a citizen who left waited exactly their
//! patience; one who was called waited at least their wait without leaving.
//! Three families are fitted by maximum likelihood with that censoring
//! ([`censored`]): exponential (its mean in closed form, the total time at
//! risk divided by the number who left; e.g. Lawless, *Statistical Models
//! and Methods for Lifetime Data*, 2nd ed., section 2.2), Weibull and
//! lognormal; the one with the lowest AIC among those that converge is
//! chosen. With fewer than [`MIN_LEFT`] who left (no-shows included) only
//! the exponential is fitted. A no-show (called and gone) left at some
//! time before the call: a left-censored wait, F(call) in the likelihood.
//! The Kaplan-Meier curve ([`km`]) is the family-free estimate the report
//! sets the fits against; it leaves no-shows out. `left` tickets whose log
//! gives no leaving time cannot say how long they waited: they are counted
//! but left out.

pub mod censored;
pub mod km;

use super::read::{Ticket, TicketOutcome};
use censored::{Candidate, Family, Sample};
use serde::Serialize;
use std::collections::BTreeMap;

/// Fewer citizens who left than this are fitted as exponential only.
pub const MIN_LEFT: usize = 20;

/// The patience of one process at one pool.
#[derive(Debug, Clone, Serialize)]
pub struct Patience {
    /// Process (item) name.
    pub process: String,
    /// Pool.
    pub pool: String,
    /// Citizens who left, with a leaving time.
    pub left: usize,
    /// `left` tickets without a leaving time (not used).
    pub left_untimed: usize,
    /// Citizens called (censored waits).
    pub served: usize,
    /// No-shows: called and gone, left at an unknown time before the call.
    pub no_show: usize,
    /// Total time in the queue of those who left and those called, in
    /// minutes (no-shows' is unknown).
    pub at_risk_min: f64,
    /// The exponential mean patience, in minutes.
    pub mean_min: f64,
    /// Its approximate 95% interval (the mean times exp(±1.96/√left)
    /// without no-shows; with them √left becomes the square root of the
    /// observed information in the log mean).
    pub ci95_min: (f64, f64),
    /// The chosen family (lowest AIC among those that converged).
    pub family: &'static str,
    /// The chosen family's mean patience, in minutes.
    pub family_mean_min: f64,
    /// Whether too few left to fit more than the exponential.
    pub exp_only: bool,
    /// Every family fitted, the chosen first, then by AIC.
    pub families: Vec<Candidate>,
    /// The Kaplan-Meier estimate of patience survival.
    pub kaplan_meier: km::KaplanMeier,
}

impl Patience {
    /// The chosen family's fit.
    pub fn chosen(&self) -> &Candidate {
        &self.families[0]
    }
}

/// Waits in minutes of one (process, pool): left, called, no-shows'
/// calls, untimed leaves.
#[derive(Default)]
struct Waits {
    left: Vec<f64>,
    called: Vec<f64>,
    gone: Vec<f64>,
    untimed: usize,
}

/// Patience of every (process, pool) with at least one citizen who left
/// or did not show.
pub fn infer(tickets: &[Ticket]) -> Vec<Patience> {
    let mut acc: BTreeMap<(&str, &str), Waits> = BTreeMap::new();
    for t in tickets {
        let w = acc.entry((&t.item, &t.pool)).or_default();
        let wait = |at: jiff::civil::DateTime| at.duration_since(t.issued).as_secs_f64() / 60.0;
        match (t.outcome, t.service, t.left_at) {
            (TicketOutcome::Served, Some((c, _)), _) => w.called.push(wait(c)),
            (TicketOutcome::Left, _, Some(l)) => w.left.push(wait(l)),
            (TicketOutcome::Left, _, None) => w.untimed += 1,
            (TicketOutcome::NoShow, _, Some(c)) => w.gone.push(wait(c)),
            _ => {}
        }
    }
    acc.into_iter()
        .filter(|(_, w)| !w.left.is_empty() || !w.gone.is_empty())
        .map(|((process, pool), w)| estimate(process, pool, w))
        .collect()
}

fn estimate(process: &str, pool: &str, w: Waits) -> Patience {
    let kaplan_meier = km::estimate(&w.left, &w.called);
    let at_risk_min = w.left.iter().chain(&w.called).sum();
    let (left, served, no_show) = (w.left.len(), w.called.len(), w.gone.len());
    let sample = Sample::new(w.left, w.called, w.gone);
    let exp_only = left + no_show < MIN_LEFT;
    let exp = censored::fit(Family::Exp, &sample);
    let ci95_min = censored::exp_interval(&exp, &sample);
    let mut families = vec![exp];
    if !exp_only {
        families.push(censored::fit(Family::Weibull, &sample));
        families.push(censored::fit(Family::Lognormal, &sample));
    }
    // Converged fits first, each group by AIC.
    families.sort_by(|a, b| b.converged.cmp(&a.converged).then(a.aic.total_cmp(&b.aic)));
    Patience {
        process: process.to_string(),
        pool: pool.to_string(),
        left,
        left_untimed: w.untimed,
        served,
        no_show,
        at_risk_min,
        mean_min: families
            .iter()
            .find(|c| c.family == "exp")
            .map_or(f64::NAN, |c| c.mean_min),
        ci95_min,
        family: families[0].family,
        family_mean_min: families[0].mean_min,
        exp_only,
        families,
        kaplan_meier,
    }
}
