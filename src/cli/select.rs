//! `compare --select KPI --delta D`: the best design with a guarantee (KN;
//! see [`crate::selection`]).

use super::failure::{emit, Failure};
use crate::kpi::Better;
use crate::model::Model;
use crate::selection::{select_best, SelectError, SelectGoal, Selection};
use crate::simulate::RunSettings;

/// The flags of a selection.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct SelectArgs {
    /// Select the best design by this KPI (its better direction, in kpis.md)
    /// with Kim and Nelson's sequential procedure, instead of comparing.
    #[arg(long, value_name = "KPI", requires = "delta",
          conflicts_with_all = ["out", "markdown", "precision", "precision_abs", "reps"])]
    select: Option<String>,
    /// With --select: differences smaller than this do not matter (the
    /// indifference zone, in the KPI's unit).
    #[arg(long, value_name = "D")]
    delta: Option<f64>,
    /// With --select: the selection is within --delta of the best with
    /// probability at least 1 - alpha.
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    alpha: f64,
}

impl SelectArgs {
    /// Runs the selection when one was asked for; prints it (a table, or
    /// JSON) and gives the exit code.
    pub(crate) fn run(
        &self,
        designs: &[(Model, RunSettings)],
        json: bool,
    ) -> Option<Result<i32, Failure>> {
        let kpi = self.select.as_deref()?;
        let goal = SelectGoal {
            alpha: self.alpha,
            ..SelectGoal::new(kpi, self.delta.unwrap_or(f64::NAN))
        };
        let borrowed: Vec<(&Model, &RunSettings)> = designs.iter().map(|(m, s)| (m, s)).collect();
        Some(
            select_best(&borrowed, &goal, super::stop_flag())
                .map_err(|e| match e {
                    SelectError::Simulation(e) => e.into(),
                    other => Failure::usage(other),
                })
                .map(|selection| {
                    let names: Vec<&str> = designs.iter().map(|(m, _)| m.name.as_str()).collect();
                    if json {
                        emit(&format!("{}\n", selection_json(&goal, &names, &selection)));
                    } else {
                        emit(&selection_text(&goal, &names, &selection));
                    }
                    0
                }),
        )
    }
}

fn direction(better: Better) -> &'static str {
    match better {
        Better::Lower => "lower is better",
        Better::Higher => "higher is better",
        Better::Neutral => "no better direction",
    }
}

/// The selection as JSON.
fn selection_json(goal: &SelectGoal, names: &[&str], s: &Selection) -> String {
    let designs: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(d, name)| {
            serde_json::json!({
                "design": name,
                "mean": s.means[d],
                "replications": s.replications[d],
                "eliminated_at": s.eliminated_at[d],
                "selected": d == s.selected,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "method": "KN (Kim and Nelson 2001), fully sequential, common random numbers",
        "kpi": goal.kpi,
        "better": direction(s.better),
        "delta": goal.delta,
        "alpha": goal.alpha,
        "first_stage": goal.n0,
        "selected": names[s.selected],
        "guaranteed": !s.at_maximum,
        "replications": s.replications.iter().map(|&n| u64::from(n)).sum::<u64>(),
        "fixed_sample_replications": u64::from(s.fixed_sample) * names.len() as u64,
        "designs": designs,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The selection as a few lines and a table.
fn selection_text(goal: &SelectGoal, names: &[&str], s: &Selection) -> String {
    let mut out = format!(
        "Best by {} ({}), KN with delta {} and alpha {}:\n",
        goal.kpi,
        direction(s.better),
        goal.delta,
        goal.alpha
    );
    if s.at_maximum {
        out += &format!(
            "selected: {} (best mean after the maximum of {} replications; NOT guaranteed)\n\n",
            names[s.selected], goal.max
        );
    } else {
        out += &format!(
            "selected: {}: with probability at least {}% its true mean is within {} of the best design's\n\n",
            names[s.selected],
            (1.0 - goal.alpha) * 100.0,
            goal.delta
        );
    }
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    out += &format!(
        "{:<width$}  {:>12}  {:>12}  {}\n",
        "design", "mean", "replications", "outcome"
    );
    for (d, name) in names.iter().enumerate() {
        let outcome = if d == s.selected {
            "selected".to_string()
        } else {
            format!(
                "eliminated after {} replications",
                s.eliminated_at[d].unwrap_or(0)
            )
        };
        out += &format!(
            "{name:<width$}  {:>12.4}  {:>12}  {outcome}\n",
            s.means[d], s.replications[d]
        );
    }
    let used: u64 = s.replications.iter().map(|&n| u64::from(n)).sum();
    out += &format!(
        "\n{used} replications in all; a fixed-sample plan with the same guarantee: {} ({} per design)\n",
        u64::from(s.fixed_sample) * names.len() as u64,
        s.fixed_sample
    );
    out
}
