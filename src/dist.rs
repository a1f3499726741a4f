//! Distributions of durations: validated values with known means.
//!
//! Each family of the scenario format maps to a [`Dist`]; [`Dist::new`]
//! checks the parameters and returns an error a user can act on.
//! Amounts are in seconds (clock units) or in working days (`wd`), as
//! [`Dist::working_days`] says; the engine converts working days through the
//! calendar.

use crate::rng::StreamRng;
use rand_distr::Distribution;

/// The family and parameters of a distribution, as written in a scenario
/// (amounts already in seconds or in working days).
#[derive(Debug, Clone, PartialEq)]
pub enum Family {
    /// Always this value.
    Constant(f64),
    /// Exponential with this mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Lognormal with the mean and sd of the value itself.
    Lognormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Normal truncated at 0 (negative draws are redrawn), unless negatives are allowed.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Gamma by mean and sd.
    Gamma {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Erlang: the sum of `k` exponentials, total mean `mean`.
    Erlang {
        /// Number of phases.
        k: u32,
        /// Mean.
        mean: f64,
    },
    /// Triangular.
    Triangular {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Weibull with shape and scale.
    Weibull {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
    },
    /// Resampled uniformly from these values.
    Empirical(Vec<f64>),
}

/// A sampler built from a [`Family`]: rand_distr's samplers where they exist.
#[derive(Debug, Clone)]
enum Sampler {
    Constant(f64),
    Exp(rand_distr::Exp<f64>),
    LogNormal(rand_distr::LogNormal<f64>),
    Normal(rand_distr::Normal<f64>),
    Gamma(rand_distr::Gamma<f64>),
    Triangular(rand_distr::Triangular<f64>),
    Uniform { min: f64, width: f64 },
    Weibull(rand_distr::Weibull<f64>),
    Empirical(Vec<f64>),
}

/// A validated distribution of durations.
#[derive(Debug, Clone)]
pub struct Dist {
    family: Family,
    sampler: Sampler,
    working_days: bool,
    /// Every amount was written in calendar days (`d`).
    calendar_days: bool,
    allow_negative: bool,
    mean: f64,
}

impl PartialEq for Dist {
    fn eq(&self, other: &Self) -> bool {
        self.family == other.family
            && self.working_days == other.working_days
            && self.allow_negative == other.allow_negative
    }
}

/// Standard normal cumulative distribution function.
fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal density.
fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

impl Dist {
    /// Validates the parameters; `allow_negative` admits values below 0
    /// (punctuality), otherwise every value must be at least 0.
    pub fn new(family: Family, working_days: bool, allow_negative: bool) -> Result<Dist, String> {
        // Durations in messages, in the unit family the user wrote.
        let show = |v: f64| -> String {
            if working_days {
                format!("{v}wd")
            } else {
                crate::time::Duration::Clock(v).to_string()
            }
        };
        let finite = |name: &str, v: f64| -> Result<(), String> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number"))
            }
        };
        let non_negative = |name: &str, v: f64| -> Result<(), String> {
            finite(name, v)?;
            if v < 0.0 && !allow_negative {
                Err(format!("{name} must be at least 0 (it is {})", show(v)))
            } else {
                Ok(())
            }
        };
        let positive = |name: &str, v: f64| -> Result<(), String> {
            finite(name, v)?;
            if v <= 0.0 {
                Err(format!(
                    "{name} must be greater than 0 (it is {})",
                    if name == "shape" {
                        v.to_string()
                    } else {
                        show(v)
                    }
                ))
            } else {
                Ok(())
            }
        };
        let sd_ok = |sd: f64| -> Result<(), String> {
            finite("sd", sd)?;
            if sd < 0.0 {
                Err(format!("sd must be at least 0 (it is {})", show(sd)))
            } else {
                Ok(())
            }
        };
        let bad = |e: &dyn std::fmt::Display| format!("invalid parameters: {e}");
        let (sampler, mean) = match &family {
            Family::Constant(v) => {
                non_negative("the duration", *v)?;
                (Sampler::Constant(*v), *v)
            }
            Family::Exponential { mean } => {
                positive("mean", *mean)?;
                (
                    Sampler::Exp(rand_distr::Exp::new(1.0 / mean).map_err(|e| bad(&e))?),
                    *mean,
                )
            }
            Family::Lognormal { mean, sd } => {
                positive("mean", *mean)?;
                sd_ok(*sd)?;
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - sigma2 / 2.0;
                let d = rand_distr::LogNormal::new(mu, sigma2.sqrt()).map_err(|e| bad(&e))?;
                (Sampler::LogNormal(d), *mean)
            }
            Family::Normal { mean, sd } => {
                if allow_negative {
                    finite("mean", *mean)?;
                } else {
                    positive("mean", *mean)?;
                }
                sd_ok(*sd)?;
                let d = rand_distr::Normal::new(*mean, *sd).map_err(|e| bad(&e))?;
                // Mean of the normal truncated at 0: m + s*phi(a)/Phi(a), a = m/s.
                let m = if allow_negative || *sd == 0.0 {
                    *mean
                } else {
                    let a = mean / sd;
                    mean + sd * normal_pdf(a) / normal_cdf(a)
                };
                (Sampler::Normal(d), m)
            }
            Family::Gamma { mean, sd } => {
                positive("mean", *mean)?;
                positive("sd", *sd)?;
                let shape = (mean / sd).powi(2);
                let scale = sd * sd / mean;
                let d = rand_distr::Gamma::new(shape, scale).map_err(|e| bad(&e))?;
                (Sampler::Gamma(d), *mean)
            }
            Family::Erlang { k, mean } => {
                if *k == 0 {
                    return Err("k must be a whole number of at least 1".into());
                }
                positive("mean", *mean)?;
                let d = rand_distr::Gamma::new(f64::from(*k), mean / f64::from(*k))
                    .map_err(|e| bad(&e))?;
                (Sampler::Gamma(d), *mean)
            }
            Family::Triangular { min, mode, max } => {
                non_negative("min", *min)?;
                finite("mode", *mode)?;
                finite("max", *max)?;
                if !(min <= mode && mode <= max) || min == max {
                    return Err(format!(
                        "triangular needs min <= mode <= max with min < max (got {}, {}, {})",
                        show(*min),
                        show(*mode),
                        show(*max)
                    ));
                }
                let d = rand_distr::Triangular::new(*min, *max, *mode).map_err(|e| bad(&e))?;
                (Sampler::Triangular(d), (min + mode + max) / 3.0)
            }
            Family::Uniform { min, max } => {
                non_negative("min", *min)?;
                finite("max", *max)?;
                if max < min {
                    return Err(format!(
                        "uniform needs min <= max (got {} and {})",
                        show(*min),
                        show(*max)
                    ));
                }
                (
                    Sampler::Uniform {
                        min: *min,
                        width: max - min,
                    },
                    (min + max) / 2.0,
                )
            }
            Family::Weibull { shape, scale } => {
                positive("shape", *shape)?;
                positive("scale", *scale)?;
                let d = rand_distr::Weibull::new(*scale, *shape).map_err(|e| bad(&e))?;
                let mean = scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape);
                (Sampler::Weibull(d), mean)
            }
            Family::Empirical(values) => {
                if values.is_empty() {
                    return Err("an empirical distribution needs at least one value".into());
                }
                for v in values {
                    non_negative("every value", *v)?;
                }
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                (Sampler::Empirical(values.clone()), mean)
            }
        };
        Ok(Dist {
            family,
            sampler,
            working_days,
            calendar_days: false,
            allow_negative,
            mean,
        })
    }

    /// The family and its parameters.
    pub fn family(&self) -> &Family {
        &self.family
    }

    /// Whether amounts are working days (else seconds).
    pub fn working_days(&self) -> bool {
        self.working_days
    }

    /// Marks the amounts as written in calendar days (`d`): a delay that
    /// picks a day rather than an instant (see [`Dist::in_days`]).
    pub(crate) fn written_in_days(mut self, yes: bool) -> Self {
        self.calendar_days = yes;
        self
    }

    /// Whether every amount was written in days (`d` or `wd`): as a return
    /// delay, it chooses the day of the return, not its time.
    pub fn in_days(&self) -> bool {
        self.working_days || self.calendar_days
    }

    /// The mean, in seconds or working days.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// One draw, in seconds or working days.
    #[inline]
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        match &self.sampler {
            Sampler::Constant(v) => *v,
            Sampler::Exp(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Normal(d) => {
                if self.allow_negative {
                    return d.sample(rng);
                }
                // Truncated at 0 by redrawing; give up after many tries (a
                // mean far below 0 is rejected by validation).
                for _ in 0..1000 {
                    let v = d.sample(rng);
                    if v >= 0.0 {
                        return v;
                    }
                }
                0.0
            }
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Uniform { min, width } => min + width * rng.uniform(),
            Sampler::Weibull(d) => d.sample(rng),
            Sampler::Empirical(values) => {
                let i = ((rng.uniform() * values.len() as f64) as usize).min(values.len() - 1);
                values[i]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    /// Sample mean and sd check: the sample mean of n draws lies within
    /// 5 standard errors of the theoretical mean (a false alarm once in
    /// about 3.5 million runs).
    fn check_mean(family: Family, sd: f64) {
        let d = Dist::new(family.clone(), false, false).unwrap();
        let mut rng = StreamKey::replication(7, 0).rng();
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
        let se = sd / (n as f64).sqrt();
        assert!(
            (mean - d.mean()).abs() < 5.0 * se + 1e-12,
            "{family:?}: {mean} vs {}",
            d.mean()
        );
    }

    #[test]
    fn sample_means_match_theory() {
        check_mean(Family::Exponential { mean: 5.0 }, 5.0);
        check_mean(Family::Lognormal { mean: 8.0, sd: 4.0 }, 4.0);
        check_mean(Family::Gamma { mean: 8.0, sd: 4.0 }, 4.0);
        check_mean(Family::Erlang { k: 3, mean: 9.0 }, 9.0 / 3f64.sqrt());
        check_mean(
            Family::Triangular {
                min: 2.0,
                mode: 5.0,
                max: 15.0,
            },
            2.8,
        );
        check_mean(Family::Uniform { min: 1.0, max: 3.0 }, 0.58);
        check_mean(
            Family::Weibull {
                shape: 1.5,
                scale: 10.0,
            },
            4.7,
        );
        check_mean(Family::Normal { mean: 2.0, sd: 2.0 }, 2.0);
        check_mean(Family::Empirical(vec![3.0, 4.0, 4.0, 7.0, 12.0]), 3.4);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Dist::new(
            Family::Normal {
                mean: 5.0,
                sd: -1.0
            },
            false,
            false
        )
        .is_err());
        assert!(Dist::new(
            Family::Triangular {
                min: 5.0,
                mode: 2.0,
                max: 9.0
            },
            false,
            false
        )
        .is_err());
        assert!(Dist::new(Family::Empirical(vec![]), false, false).is_err());
        assert!(Dist::new(Family::Exponential { mean: 0.0 }, false, false).is_err());
        assert!(Dist::new(Family::Constant(-1.0), false, false).is_err());
        assert!(Dist::new(Family::Constant(-1.0), false, true).is_ok());
    }
}
