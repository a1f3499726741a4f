//! Maximum likelihood for censored waits: the patience families
//! exponential, Weibull and lognormal fitted to a [`Sample`] of exact,
//! right-censored and left-censored times.
//!
//! The log-likelihood is Σ ln f(t) over citizens who left at t, Σ ln S(c)
//! over those called at c (they would have waited longer: right-censored),
//! and Σ ln F(c) over no-shows called at c (they had left at some time in
//! (0, c]: left-censored; Klein and Moeschberger, *Survival Analysis*, 2nd
//! ed., section 3.5). Without left-censored times the exponential mean has
//! the closed form time at risk / number who left; every other case is
//! maximised numerically by Nelder-Mead on unconstrained parameters (log
//! mean; log shape and log scale; log-scale mean and log sd), started from
//! the exponential estimate.

use serde::Serialize;
use statrs::function::erf::erfc;
use std::f64::consts::{LN_2, PI, SQRT_2};

/// A leave at 0 (to the second) is taken as one within the first second
/// (left-censored at it, in minutes): no family but the exponential has a
/// finite density at 0.
pub const FIRST_SECOND_MIN: f64 = 1.0 / 60.0;

/// Censored times in minutes, rounded to the second (as ticket systems
/// record them, and so that a year's log has thousands of distinct values,
/// not millions), each distinct value with its count.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Left at t (exact).
    pub exact: Vec<Time>,
    /// Called at c, still there (right-censored).
    pub right: Vec<Time>,
    /// Called at c and gone (left-censored: left in (0, c]).
    pub left: Vec<Time>,
}

/// A distinct time in minutes, its logarithm and how many had it.
#[derive(Debug, Clone, Copy)]
pub struct Time {
    /// Minutes.
    pub t: f64,
    /// ln t.
    pub ln_t: f64,
    /// How many.
    pub n: f64,
}

/// Distinct values to the second with their counts, sorted.
fn counted(x: Vec<f64>) -> Vec<Time> {
    let mut secs: Vec<i64> = x.iter().map(|t| (t * 60.0).round() as i64).collect();
    secs.sort_unstable();
    let mut out: Vec<Time> = Vec::new();
    for v in secs {
        let t = v as f64 / 60.0;
        match out.last_mut() {
            Some(w) if w.t == t => w.n += 1.0,
            _ => out.push(Time {
                t,
                ln_t: t.ln(),
                n: 1.0,
            }),
        }
    }
    out
}

impl Sample {
    /// A sample from waits in minutes: `left` (exact), `called`
    /// (right-censored) and `gone` (left-censored). Leaves at 0 (to the
    /// second) become left-censored at [`FIRST_SECOND_MIN`].
    pub fn new(left: Vec<f64>, called: Vec<f64>, gone: Vec<f64>) -> Sample {
        let (zero, exact): (Vec<f64>, Vec<f64>) = left.into_iter().partition(|t| *t < 0.5 / 60.0);
        let gone = gone
            .into_iter()
            .chain(zero.into_iter().map(|_| FIRST_SECOND_MIN))
            .map(|c| c.max(FIRST_SECOND_MIN))
            .collect();
        Sample {
            exact: counted(exact),
            right: counted(called),
            left: counted(gone),
        }
    }

    fn count(v: &[Time]) -> f64 {
        v.iter().map(|p| p.n).sum()
    }

    fn total(v: &[Time]) -> f64 {
        v.iter().map(|p| p.t * p.n).sum()
    }
}

/// A patience family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Exponential (one parameter, the mean).
    Exp,
    /// Weibull (shape, scale).
    Weibull,
    /// Lognormal (mean and sd of the time itself).
    Lognormal,
}

impl Family {
    /// The family's name in the scenario format.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exp => "exp",
            Family::Weibull => "weibull",
            Family::Lognormal => "lognormal",
        }
    }

    /// (ln f(t), ln S(t), ln F(t)) at t minutes, given ln t, for
    /// unconstrained `theta`.
    fn logs(self, theta: &[f64], ln_t: f64) -> (f64, f64, f64) {
        match self {
            Family::Exp | Family::Weibull => {
                let (k, ln_scale) = match self {
                    Family::Exp => (1.0, theta[0]),
                    _ => (theta[0].exp(), theta[1]),
                };
                let z = (k * (ln_t - ln_scale)).exp();
                (
                    k.ln() - ln_scale + (k - 1.0) * (ln_t - ln_scale) - z,
                    -z,
                    (-(-z).exp_m1()).ln(),
                )
            }
            Family::Lognormal => {
                let sigma = theta[1].exp();
                let u = (ln_t - theta[0]) / sigma;
                let ln = |p: f64| p.max(f64::MIN_POSITIVE).ln();
                (
                    -ln_t - theta[1] - 0.5 * (2.0 * PI).ln() - u * u / 2.0,
                    ln(0.5 * erfc(u / SQRT_2)),
                    ln(0.5 * erfc(-u / SQRT_2)),
                )
            }
        }
    }

    /// The log-likelihood of `theta` on `s`.
    fn ln_l(self, theta: &[f64], s: &Sample) -> f64 {
        let mut l = 0.0;
        // Only the needed part of `logs` survives inlining in each loop.
        for x in &s.exact {
            l += x.n * self.logs(theta, x.ln_t).0;
        }
        for x in &s.right {
            l += x.n * self.logs(theta, x.ln_t).1;
        }
        for x in &s.left {
            l += x.n * self.logs(theta, x.ln_t).2;
        }
        if l.is_nan() {
            f64::NEG_INFINITY
        } else {
            l
        }
    }

    /// The survival function S(t), t in minutes, of `theta`.
    fn survival(self, theta: &[f64], t: f64) -> f64 {
        if t <= 0.0 {
            1.0
        } else {
            self.logs(theta, t.ln()).1.exp()
        }
    }

    /// The format's parameters (durations in minutes) and the mean.
    fn params(self, theta: &[f64]) -> (Vec<(&'static str, f64)>, f64) {
        match self {
            Family::Exp => {
                let m = theta[0].exp();
                (vec![("mean", m)], m)
            }
            Family::Weibull => {
                let (k, scale) = (theta[0].exp(), theta[1].exp());
                let m = scale * statrs::function::gamma::gamma(1.0 + 1.0 / k);
                (vec![("shape", k), ("scale", scale)], m)
            }
            Family::Lognormal => {
                let s2 = (2.0 * theta[1]).exp();
                let m = (theta[0] + s2 / 2.0).exp();
                (vec![("mean", m), ("sd", m * s2.exp_m1().sqrt())], m)
            }
        }
    }
}

/// One family fitted by maximum likelihood.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// `exp`, `weibull` or `lognormal`.
    pub family: &'static str,
    /// Parameters in the format's words, durations in minutes: `mean`
    /// (exp, lognormal), `sd` (lognormal), `shape` and `scale` (Weibull).
    pub params: Vec<(&'static str, f64)>,
    /// The fitted mean patience, in minutes.
    pub mean_min: f64,
    /// The maximised log-likelihood (densities per minute).
    pub ln_l: f64,
    /// Akaike's information criterion, 2k − 2 ln L.
    pub aic: f64,
    /// Whether the maximisation converged (only those are chosen from).
    pub converged: bool,
    #[serde(skip)]
    kind: Family,
    #[serde(skip)]
    theta: Vec<f64>,
}

impl Candidate {
    /// The fitted survival function at `t` minutes.
    pub fn survival(&self, t: f64) -> f64 {
        self.kind.survival(&self.theta, t)
    }

    /// A named parameter, NaN if the family has none of that name.
    pub fn param(&self, name: &str) -> f64 {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

/// Minimises `f` from `start` by Nelder-Mead (the standard coefficients:
/// reflection 1, expansion 2, contraction ½, shrink ½; Nelder and Mead,
/// Computer Journal 7, 1965). Returns the point and whether the simplex
/// collapsed (its values within 1e-10 relative) before the iteration limit.
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, start: &[f64], step: f64) -> (Vec<f64>, bool) {
    let n = start.len();
    let mut pts: Vec<(Vec<f64>, f64)> = (0..=n)
        .map(|i| {
            let mut p = start.to_vec();
            if i > 0 {
                p[i - 1] += step;
            }
            let v = f(&p);
            (p, v)
        })
        .collect();
    let at = |c: &[f64], w: &[f64], a: f64| -> Vec<f64> {
        c.iter().zip(w).map(|(c, w)| c + a * (w - c)).collect()
    };
    for _ in 0..4000 {
        pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (pts[0].1, pts[n].1);
        let spread = pts
            .iter()
            .flat_map(|(p, _)| p.iter().zip(&pts[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if best.is_finite() && (worst - best).abs() <= 1e-10 * (1.0 + best.abs()) && spread < 1e-7 {
            return (pts.swap_remove(0).0, true);
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|(p, _)| p[j]).sum::<f64>() / n as f64)
            .collect();
        let reflected = at(&centroid, &pts[n].0, -1.0);
        let fr = f(&reflected);
        if fr < pts[0].1 {
            let expanded = at(&centroid, &pts[n].0, -2.0);
            let fe = f(&expanded);
            pts[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < pts[n - 1].1 {
            pts[n] = (reflected, fr);
        } else {
            let contracted = if fr < pts[n].1 {
                at(&centroid, &reflected, 0.5)
            } else {
                at(&centroid, &pts[n].0, 0.5)
            };
            let fc = f(&contracted);
            if fc < fr.min(pts[n].1) {
                pts[n] = (contracted, fc);
            } else {
                let best = pts[0].0.clone();
                for (p, v) in pts.iter_mut().skip(1) {
                    *p = at(&best, p, 0.5);
                    *v = f(p);
                }
            }
        }
    }
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    (pts.swap_remove(0).0, false)
}

/// The exponential mean in closed form (time at risk over those who left)
/// when nothing is left-censored; else a start that counts each
/// left-censored time as a leave at half of it.
fn exp_mean(s: &Sample) -> f64 {
    let risk = Sample::total(&s.exact) + Sample::total(&s.right) + Sample::total(&s.left) / 2.0;
    risk / (Sample::count(&s.exact) + Sample::count(&s.left))
}

/// Fits `family` to `s` (which has at least one leave, exact or not).
pub fn fit(family: Family, s: &Sample) -> Candidate {
    let m = exp_mean(s);
    let (theta, converged) = match family {
        Family::Exp if s.left.is_empty() => (vec![m.ln()], m.is_finite() && m > 0.0),
        Family::Exp => nelder_mead(|t| -family.ln_l(t, s), &[m.ln()], 0.3),
        // Weibull from shape 1 (the exponential); lognormal from the
        // median of the exponential and log sd 1.
        Family::Weibull => nelder_mead(|t| -family.ln_l(t, s), &[0.0, m.ln()], 0.3),
        Family::Lognormal => nelder_mead(|t| -family.ln_l(t, s), &[(m * LN_2).ln(), 0.0], 0.3),
    };
    let ln_l = family.ln_l(&theta, s);
    let (params, mean_min) = family.params(&theta);
    Candidate {
        family: family.name(),
        params,
        mean_min,
        ln_l,
        aic: 2.0 * theta.len() as f64 - 2.0 * ln_l,
        converged: converged && ln_l.is_finite(),
        kind: family,
        theta,
    }
}

/// The approximate 95% interval of the exponential mean: mean ·
/// exp(±1.96/√I), I the observed information in the log mean, which is the
/// number who left when none is left-censored (then the interval is
/// today's mean · exp(±1.96/√left)); else a central second difference.
pub fn exp_interval(c: &Candidate, s: &Sample) -> (f64, f64) {
    let info = if s.left.is_empty() {
        Sample::count(&s.exact)
    } else {
        let h = 1e-3;
        let l = |d: f64| Family::Exp.ln_l(&[c.theta[0] + d], s);
        -(l(h) - 2.0 * l(0.0) + l(-h)) / (h * h)
    };
    let k = (1.96 / info.sqrt()).exp();
    (c.mean_min / k, c.mean_min * k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_is_the_time_at_risk_over_leaves() {
        // Leaves at 30 and 20, calls at 10 and 20: 80 / 2 = 40 min, and
        // ln L = −2 ln 40 − 80/40.
        let s = Sample::new(vec![30.0, 20.0], vec![10.0, 20.0], vec![]);
        let c = fit(Family::Exp, &s);
        assert!((c.mean_min - 40.0).abs() < 1e-12);
        assert!((c.ln_l - (-2.0 * 40f64.ln() - 2.0)).abs() < 1e-9);
        let (lo, hi) = exp_interval(&c, &s);
        let k = (1.96 / 2f64.sqrt()).exp();
        assert!((lo - 40.0 / k).abs() < 1e-9 && (hi - 40.0 * k).abs() < 1e-9);
    }

    #[test]
    fn a_left_censored_exponential_solves_its_score_equation() {
        // The score in the rate λ: d/λ − T + Σ c e^(−λc)/(1 − e^(−λc)) = 0,
        // d leaves, T the time at risk of leaves and calls.
        let s = Sample::new(vec![5.0, 12.0, 30.0], vec![8.0, 20.0], vec![4.0, 15.0]);
        let c = fit(Family::Exp, &s);
        assert!(c.converged);
        let r = 1.0 / c.mean_min;
        let score = 3.0 / r - 75.0
            + [4.0f64, 15.0]
                .iter()
                .map(|c| c * (-r * c).exp() / -(-r * c).exp_m1())
                .sum::<f64>();
        assert!(score.abs() < 1e-3, "score {score}");
    }

    #[test]
    fn weibull_without_censoring_solves_the_profile_equation() {
        // Uncensored, the Weibull MLE's shape k solves
        // Σ tᵏ ln t / Σ tᵏ − 1/k = mean ln t (as for service times).
        let x: Vec<f64> = (1..=30).map(f64::from).collect();
        let c = fit(Family::Weibull, &Sample::new(x.clone(), vec![], vec![]));
        assert!(c.converged);
        let k = c.param("shape");
        let n = x.len() as f64;
        let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
        let a: f64 = x.iter().map(|v| v.powf(k) * v.ln()).sum();
        let b: f64 = x.iter().map(|v| v.powf(k)).sum();
        assert!((a / b - 1.0 / k - mean_ln).abs() < 1e-5, "k {k}");
        assert!((c.param("scale").powf(k) / (b / n) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn lognormal_without_censoring_is_the_mean_and_sd_of_the_logs() {
        let x: Vec<f64> = (1..=30).map(f64::from).collect();
        let c = fit(Family::Lognormal, &Sample::new(x.clone(), vec![], vec![]));
        let n = x.len() as f64;
        let mu = x.iter().map(|v| v.ln()).sum::<f64>() / n;
        let s2 = x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>() / n;
        assert!((c.mean_min - (mu + s2 / 2.0).exp()).abs() < 1e-5 * c.mean_min);
    }

    /// Uniforms in (0, 1) from SplitMix64 (Steele, Lea and Flood 2014),
    /// independent of the crate's generators.
    fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
    }

    #[test]
    fn censored_weibull_is_recovered_and_chosen_by_aic() {
        // Patience Weibull(shape 2, scale 10 min), each citizen called
        // after an exp(8 min) wait: the wait is the smaller, censored
        // when the call comes first (about 40% leave). Inverse-CDF draws:
        // λ (−ln U)^(1/k) and −8 ln U.
        let mut u = uniforms(20_261_203);
        let (mut left, mut called) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let t = 10.0 * (-u().ln()).sqrt();
            let c = -8.0 * u().ln();
            if t < c {
                left.push(t);
            } else {
                called.push(c);
            }
        }
        let d = left.len() as f64;
        let s = Sample::new(left, called, vec![]);
        let w = fit(Family::Weibull, &s);
        assert!(w.converged);
        // Standard errors of the uncensored MLE from the d leaves alone
        // (censoring adds little information): sd(k) ≈ k √(0.608/d),
        // sd(ln λ) ≈ √(1.109/d)/k (Cohen, Technometrics 7, 1965); 3 sd.
        let (k, scale) = (w.param("shape"), w.param("scale"));
        let sd_k = 2.0 * (0.608 / d).sqrt();
        let sd_ln = (1.109 / d).sqrt() / 2.0;
        assert!((k - 2.0).abs() < 3.0 * sd_k, "shape {k} ± {sd_k}, {d} left");
        assert!((scale / 10.0).ln().abs() < 3.0 * sd_ln, "scale {scale}");
        let e = fit(Family::Exp, &s);
        let l = fit(Family::Lognormal, &s);
        assert!(
            w.aic + 10.0 < e.aic.min(l.aic),
            "{} {} {}",
            w.aic,
            e.aic,
            l.aic
        );
        eprintln!(
            "weibull k {k:.3} (2) scale {scale:.3} (10), {d} left; AIC exp +{:.1}, lognormal +{:.1}",
            e.aic - w.aic,
            l.aic - w.aic
        );
    }
}
