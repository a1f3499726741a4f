//! `--precision`: replications until the chosen KPIs' intervals are narrow
//! enough (see [`crate::precision`]).

use super::failure::{warn, Failure};
use crate::model::Model;
use crate::precision::{replications_for_designs, Goal, Replications, Stopped, Tolerance};
use crate::simulate::RunSettings;

/// The flags of replications to a precision.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct PrecisionArgs {
    /// Replicate until the 95% interval of every --kpi is within this share
    /// of its mean (0.05: ±5%), instead of a fixed number of replications.
    #[arg(long, value_name = "REL", conflicts_with_all = ["reps", "precision_abs"])]
    precision: Option<f64>,
    /// The same with an absolute half-width, in the KPI's unit (minutes for wait_min).
    #[arg(long, value_name = "X", conflicts_with = "reps")]
    precision_abs: Option<f64>,
    /// A KPI whose interval must be narrow enough (repeatable; needed with --precision).
    #[arg(long = "kpi", value_name = "KEY")]
    kpis: Vec<String>,
    /// With --precision: replications before the first look.
    #[arg(long, value_name = "N", default_value_t = 10)]
    min_reps: u32,
    /// With --precision: replications at most.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_reps: u32,
}

impl PrecisionArgs {
    /// The goal, when a precision was asked for.
    fn goal(&self) -> Option<Goal> {
        let tolerance = match (self.precision, self.precision_abs) {
            (Some(r), _) => Tolerance::Relative(r),
            (None, Some(a)) => Tolerance::Absolute(a),
            (None, None) => return None,
        };
        Some(Goal {
            min: self.min_reps,
            max: self.max_reps,
            ..Goal::new(self.kpis.clone(), tolerance)
        })
    }

    /// Sets `settings.replications` to what the goal needs (after running
    /// them to find out), and says so on stderr; without a goal, nothing.
    pub(crate) fn apply(
        &self,
        model: &Model,
        settings: &mut RunSettings,
        quiet: bool,
    ) -> Result<Option<Replications>, Failure> {
        self.apply_to_designs(&mut [(model, settings)], quiet)
    }

    /// The same for a comparison: every design gets the replications that
    /// the intervals of its differences from the first need.
    pub(crate) fn apply_to_designs(
        &self,
        designs: &mut [(&Model, &mut RunSettings)],
        quiet: bool,
    ) -> Result<Option<Replications>, Failure> {
        let Some(goal) = self.goal() else {
            if !self.kpis.is_empty() {
                return Err(Failure::usage(
                    "--kpi chooses the KPIs of --precision or --precision-abs; give one of them",
                ));
            }
            return Ok(None);
        };
        let fixed: Vec<(&Model, &RunSettings)> = designs.iter().map(|(m, s)| (*m, &**s)).collect();
        let answer = replications_for_designs(&fixed, &goal, super::stop_flag())
            .map_err(precision_failure)?;
        for (_, settings) in designs.iter_mut() {
            settings.replications = answer.replications;
        }
        if !quiet {
            warn(&describe(&goal, &answer));
        }
        Ok(Some(answer))
    }
}

/// A simulation error keeps its exit code; the rest are usage errors.
fn precision_failure(e: crate::precision::PrecisionError) -> Failure {
    match e {
        crate::precision::PrecisionError::Simulation(e) => e.into(),
        other => Failure::usage(other),
    }
}

/// What was decided and why, in one line per KPI.
pub(crate) fn describe(goal: &Goal, answer: &Replications) -> String {
    let wanted = match goal.tolerance {
        Tolerance::Relative(r) => format!("±{}% of the mean", r * 100.0),
        Tolerance::Absolute(a) => format!("±{a}"),
    };
    let why = match (answer.stopped, answer.first_met) {
        (Stopped::Met, Some(first)) => format!(
            "precision {wanted} met at {first} replications and held over a look-ahead to {}",
            answer.replications
        ),
        (Stopped::Met, None) => format!("precision {wanted} met"),
        (Stopped::Maximum, _) => format!(
            "precision {wanted} NOT met: stopped at the maximum of {} replications (--max-reps)",
            answer.replications
        ),
    };
    let mut lines = vec![format!(
        "{why}; running {} replications ({} simulated to decide)",
        answer.replications, answer.simulated
    )];
    for i in &answer.intervals {
        lines.push(format!(
            "  {}: {:.4} ± {:.4} ({:.1}% of the mean{})",
            i.kpi,
            i.mean,
            i.half_width,
            100.0 * i.half_width / i.reference.abs(),
            if i.kpi.contains(": ") {
                " of the baseline"
            } else {
                ""
            }
        ));
    }
    lines.join("\n")
}
