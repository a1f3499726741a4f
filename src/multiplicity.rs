//! Many KPIs tested at once: adjusted p-values, so that the markers of a
//! comparison (▲ better, ▼ worse) are not noise marked as effects.
//!
//! A comparison tests 50-150 KPIs; at 5% each, two designs that differ
//! only by chance show a few "significant" changes. Holm's step-down
//! method (1979) bounds the chance of any false marker (the familywise
//! error) by 5% whatever the KPIs' dependence; Benjamini and Hochberg's
//! (1995) bounds the expected share of false markers among the marked
//! (the false discovery rate), and marks more when there are many real
//! changes. The intervals stay unadjusted.

use serde::{Deserialize, Serialize};

/// How the p-values of one family of KPIs are adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// Holm's step-down (familywise error at most the level).
    #[default]
    Holm,
    /// Benjamini-Hochberg (false discovery rate at most the level).
    BenjaminiHochberg,
    /// No adjustment: each KPI at its own 5%.
    None,
}

impl Adjustment {
    /// The words the command line and the outputs use.
    pub const CHOICES: [(&'static str, Adjustment); 3] = [
        ("holm", Adjustment::Holm),
        ("bh", Adjustment::BenjaminiHochberg),
        ("none", Adjustment::None),
    ];

    /// A short description for people, e.g. in a table's footnote.
    pub fn describe(self) -> &'static str {
        match self {
            Adjustment::Holm => "Holm (familywise error 5%)",
            Adjustment::BenjaminiHochberg => "Benjamini-Hochberg (false discovery rate 5%)",
            Adjustment::None => "none (each KPI at 5%)",
        }
    }

    /// The adjusted p-values of `p` (same order): each is at least its
    /// raw value and at most 1, and a KPI is significant at level α when
    /// its adjusted value is below α.
    pub fn adjust(self, p: &[f64]) -> Vec<f64> {
        let m = p.len();
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
        let mut out = vec![0.0; m];
        match self {
            Adjustment::None => out.copy_from_slice(p),
            Adjustment::Holm => {
                // The i-th smallest (from 0) times m - i, made monotone
                // upwards.
                let mut running: f64 = 0.0;
                for (i, &k) in order.iter().enumerate() {
                    running = running.max((p[k] * (m - i) as f64).min(1.0));
                    out[k] = running;
                }
            }
            Adjustment::BenjaminiHochberg => {
                // The i-th smallest (from 1) times m / i, made monotone
                // downwards from the largest.
                let mut running: f64 = 1.0;
                for (i, &k) in order.iter().enumerate().rev() {
                    running = running.min(p[k] * m as f64 / (i + 1) as f64);
                    out[k] = running.min(1.0);
                }
            }
        }
        out
    }
}

/// Which KPIs form one family: all the KPIs of a comparison together, or
/// the headline KPIs as a family of their own (and the rest as another).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Multiplicity {
    /// The adjustment.
    pub adjustment: Adjustment,
    /// Test the headline KPIs as their own family.
    pub headline_family: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn holm_by_hand() {
        // Sorted 0.01, 0.02, 0.03, 0.04 times 4, 3, 2, 1: 0.04, 0.06,
        // 0.06, 0.04 -> monotone 0.04, 0.06, 0.06, 0.06; given unsorted.
        let p = [0.03, 0.01, 0.04, 0.02];
        close(&Adjustment::Holm.adjust(&p), &[0.06, 0.04, 0.06, 0.06]);
        // Capped at 1.
        close(&Adjustment::Holm.adjust(&[0.5, 0.6]), &[1.0, 1.0]);
    }

    #[test]
    fn benjamini_hochberg_by_hand() {
        // Sorted 0.01, 0.02, 0.03, 0.5 times 4/1, 4/2, 4/3, 4/4: 0.04,
        // 0.04, 0.04, 0.5; monotone from the top: unchanged.
        let p = [0.5, 0.03, 0.01, 0.02];
        close(
            &Adjustment::BenjaminiHochberg.adjust(&p),
            &[0.5, 0.04, 0.04, 0.04],
        );
        // A larger p-value's bound carries down: 0.04 × 2/1 = 0.08 but
        // 0.045 × 2/2 = 0.045 is smaller, so both are 0.045.
        close(
            &Adjustment::BenjaminiHochberg.adjust(&[0.04, 0.045]),
            &[0.045, 0.045],
        );
    }

    #[test]
    fn no_adjustment_and_empty() {
        close(&Adjustment::None.adjust(&[0.2, 0.01]), &[0.2, 0.01]);
        assert!(Adjustment::Holm.adjust(&[]).is_empty());
    }
}
