//! Statistics: per-replication accumulators (Welford tallies, time-weighted
//! levels, HDR-histogram quantiles) and the across-replication summary
//! (mean, Student-t 95% half-width, min, max).
//!
//! Quantiles use an HDR histogram with 3 significant digits (relative error
//! at most 0.1%, well inside the 1% the KPIs promise) of millionths of a
//! unit, so values down to 0.0001 (a lead time of a few minutes in working
//! days) keep their 3 digits too; memory per replication is bounded
//! whatever the run length, and histograms merge exactly across
//! replications and shards.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Running count, mean and variance (Welford 1962; merge by Chan et al. 1979).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Tally {
    /// Adds one observation.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The mean, or `None` without observations.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// Sample variance (n - 1), or `None` with fewer than two observations.
    pub(crate) fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| self.m2 / (self.n - 1) as f64)
    }

    /// Combines two tallies as if all observations had gone into one.
    pub fn merge(&mut self, other: &Tally) {
        if other.n == 0 {
            return;
        }
        let n = self.n + other.n;
        let d = other.mean - self.mean;
        self.mean += d * other.n as f64 / n as f64;
        self.m2 += other.m2 + d * d * (self.n as f64) * (other.n as f64) / n as f64;
        self.n = n;
    }
}

/// Count and sum: the mean of many observations at the cost of one
/// addition each. The engine's per-observation accumulators need only the
/// mean (confidence intervals come from the spread *between* replications),
/// so they skip Welford's division per observation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mean {
    n: u64,
    sum: f64,
}

impl Mean {
    /// Adds one observation.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Adds the observations of another accumulator.
    pub fn merge(&mut self, other: &Mean) {
        self.n += other.n;
        self.sum += other.sum;
    }

    /// The mean, or `None` without observations.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// Quantiles of non-negative values, kept in an HDR histogram of
/// millionths of a unit (3 significant digits from 0.0001 up). Serialized as its
/// non-empty buckets, `[[value, count], ...]` (for sharded runs' partials);
/// reading them back gives the same quantiles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "Vec<[u64; 2]>", from = "Vec<[u64; 2]>")]
pub struct Quantiles {
    hist: Histogram<u64>,
}

impl Default for Quantiles {
    fn default() -> Self {
        Quantiles::new()
    }
}

/// Resolution of [`Quantiles`]: values are stored in millionths. (Thousandths
/// rounded a p90 lead time of 0.00186 working days to 0.002, one bucket for
/// every replication and so a zero-width interval; HDR's relative precision
/// only starts above its 2,048 exact unit buckets, so the scale sets where
/// small values lose digits.)
const QUANTILE_SCALE: f64 = 1_000_000.0;

impl From<Quantiles> for Vec<[u64; 2]> {
    fn from(q: Quantiles) -> Self {
        q.hist
            .iter_recorded()
            .map(|v| [v.value_iterated_to(), v.count_at_value()])
            .collect()
    }
}

impl From<Vec<[u64; 2]>> for Quantiles {
    fn from(buckets: Vec<[u64; 2]>) -> Self {
        let mut q = Quantiles::new();
        for [value, count] in buckets {
            // Values beyond the auto-resizing range of a damaged file are dropped.
            let _ = q.hist.record_n(value.min(u64::MAX / 4), count);
        }
        q
    }
}

impl Quantiles {
    /// An empty histogram.
    pub fn new() -> Self {
        // 3 significant digits; auto-resizing so any value fits.
        let mut hist = Histogram::new(3).unwrap_or_else(|_| unreachable_histogram());
        hist.auto(true);
        Quantiles { hist }
    }

    /// Adds one value (negative values count as 0).
    #[inline]
    pub fn add(&mut self, x: f64) {
        // Adding one half and truncating (the cast) rounds a non-negative
        // value to the nearest integer without a libm call.
        let v = x.max(0.0) * QUANTILE_SCALE + 0.5;
        let v = if v < 9.0e18 { v as u64 } else { u64::MAX / 4 };
        // Auto-resize makes recording infallible for values below u64::MAX / 2.
        let _ = self.hist.record(v);
    }

    /// Adds `n` values of 0 at once.
    pub(crate) fn add_zeros(&mut self, n: u64) {
        if n > 0 {
            let _ = self.hist.record_n(0, n);
        }
    }

    /// The q-quantile (0..=1), or `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        (!self.hist.is_empty()).then(|| self.hist.value_at_quantile(q) as f64 / QUANTILE_SCALE)
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Adds all values of another histogram.
    pub fn merge(&mut self, other: &Quantiles) {
        let _ = self.hist.add(&other.hist);
    }

    /// (value, cumulative share) points for an ECDF chart, at most `points` of them.
    pub(crate) fn ecdf(&self, points: usize) -> Vec<(f64, f64)> {
        if self.hist.is_empty() {
            return Vec::new();
        }
        (0..=points)
            .map(|i| {
                let q = i as f64 / points as f64;
                (self.hist.value_at_quantile(q) as f64 / QUANTILE_SCALE, q)
            })
            .collect()
    }
}

/// Service at a pool's `serve` steps of the citizens who joined its queue
/// in one hour of the day (the columns `delay_probability`, `wait_mean_min`
/// and `wait_p90_min` of `hourly.csv`). Integer counts and waits in
/// thousandths of a minute, so sums are exact in any order (a sharded run
/// merges to the same bytes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArrivalHour {
    /// Services started.
    pub served: u64,
    /// Of those, how many waited at all.
    pub delayed: u64,
    /// Their waits summed, in thousandths of a minute (each rounded).
    pub wait_milli_min: i64,
    /// The positive waits in minutes (the zeros are `served - delayed`).
    pub waits: Quantiles,
}

impl ArrivalHour {
    /// Adds one service start after a wait of `wait_min` minutes.
    pub fn add(&mut self, wait_min: f64) {
        self.served += 1;
        self.wait_milli_min += (wait_min * 1000.0).round() as i64;
        if wait_min > 0.0 {
            self.delayed += 1;
            self.waits.add(wait_min);
        }
    }

    /// Adds another hour's services (saturating, as a damaged partial may hold anything).
    pub fn merge(&mut self, other: &ArrivalHour) {
        self.served = self.served.saturating_add(other.served);
        self.delayed = self.delayed.saturating_add(other.delayed);
        self.wait_milli_min = self.wait_milli_min.saturating_add(other.wait_milli_min);
        self.waits.merge(&other.waits);
    }

    /// The share of services that started after a wait; `None` without services.
    pub fn delay_probability(&self) -> Option<f64> {
        (self.served > 0).then(|| self.delayed as f64 / self.served as f64)
    }

    /// The mean wait in minutes; `None` without services.
    pub fn wait_mean_min(&self) -> Option<f64> {
        (self.served > 0).then(|| self.wait_milli_min as f64 / 1000.0 / self.served as f64)
    }

    /// The q-quantile of the waits (zeros included); `None` without services.
    pub fn wait_quantile(&self, q: f64) -> Option<f64> {
        let mut all = self.waits.clone();
        all.add_zeros(self.served.saturating_sub(self.waits.count()));
        all.quantile(q)
    }
}

fn unreachable_histogram() -> Histogram<u64> {
    // Histogram::new(3) only fails for sigfig > 5; keep a safe fallback anyway.
    Histogram::new_with_bounds(1, 2, 1).unwrap_or_else(|_| std::process::abort())
}

/// Summary of one KPI across replications, as in the summary JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (Student t, n - 1 df); 0 with one replication.
    pub ci95: f64,
    /// Smallest replication value.
    pub min: f64,
    /// Largest replication value.
    pub max: f64,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df == 0 {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// A t statistic's scale: the standard error of a difference and its
/// degrees of freedom (paired: n - 1; Welch: Welch-Satterthwaite).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TScale {
    /// Standard error of the difference.
    pub se: f64,
    /// Degrees of freedom (at least 1).
    pub df: f64,
}

impl TScale {
    /// Half-width of the 95% interval of the difference.
    pub fn half_width(&self) -> f64 {
        t975(self.df.floor().max(1.0) as u64) * self.se
    }

    /// Two-sided p-value of `diff` against 0: 1 for a difference of 0,
    /// 0 for a nonzero difference without noise.
    pub fn p_value(&self, diff: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        if diff == 0.0 {
            return 1.0;
        }
        if self.se <= 0.0 {
            return 0.0;
        }
        let t = (diff / self.se).abs();
        StudentsT::new(0.0, 1.0, self.df.floor().max(1.0))
            .map(|d| (2.0 * d.sf(t)).min(1.0))
            .unwrap_or(f64::NAN)
    }
}

/// Welch's scale for the difference of two means known by their
/// summaries (sd recovered from the t half-width).
pub(crate) fn welch(a: &Estimate, n_a: u32, b: &Estimate, n_b: u32) -> TScale {
    let var = |e: &Estimate, n: u32| -> f64 {
        if n < 2 {
            return 0.0;
        }
        let se = e.ci95 / t975(u64::from(n) - 1);
        se * se
    };
    let (va, vb) = (var(a, n_a), var(b, n_b));
    let se2 = va + vb;
    let df_den = if n_a > 1 {
        va * va / f64::from(n_a - 1)
    } else {
        0.0
    } + if n_b > 1 {
        vb * vb / f64::from(n_b - 1)
    } else {
        0.0
    };
    let df = if df_den > 0.0 {
        se2 * se2 / df_den
    } else {
        1.0
    };
    TScale {
        se: se2.max(0.0).sqrt(),
        df: df.max(1.0),
    }
}

impl Estimate {
    /// Summarises replication values; `None` entries (no data in that
    /// replication) are left out; `None` when no replication has data.
    pub fn from_values(values: &[Option<f64>]) -> Option<Estimate> {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        if present.is_empty() {
            return None;
        }
        let mut tally = Tally::default();
        for &v in &present {
            tally.add(v);
        }
        let mean = tally.mean().unwrap_or(0.0);
        let ci95 = match tally.variance() {
            Some(var) => t975(tally.count() - 1) * (var / tally.count() as f64).sqrt(),
            None => 0.0,
        };
        Some(Estimate {
            mean,
            ci95,
            min: present.iter().copied().fold(f64::INFINITY, f64::min),
            max: present.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_survive_json_and_merge_alike() {
        let values: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 1000) as f64 * 0.731)
            .collect();
        let mut whole = Quantiles::new();
        let (mut a, mut b) = (Quantiles::new(), Quantiles::new());
        for (i, &x) in values.iter().enumerate() {
            whole.add(x);
            if i % 3 == 0 {
                a.add(x)
            } else {
                b.add(x)
            }
        }
        let text = serde_json::to_string(&a).unwrap();
        assert!(text.starts_with("[["), "{}", &text[..20]);
        let mut back: Quantiles = serde_json::from_str(&text).unwrap();
        back.merge(&b);
        assert_eq!(back.count(), whole.count());
        assert_eq!(back.ecdf(200), whole.ecdf(200));
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(back.quantile(q), whole.quantile(q), "q = {q}");
        }
    }

    #[test]
    fn tally_merge_equals_one_pass() {
        let xs: Vec<f64> = (0..100).map(|i| (i as f64 * 0.37).sin() * 10.0).collect();
        let mut all = Tally::default();
        xs.iter().for_each(|&x| all.add(x));
        let (mut a, mut b) = (Tally::default(), Tally::default());
        xs[..40].iter().for_each(|&x| a.add(x));
        xs[40..].iter().for_each(|&x| b.add(x));
        a.merge(&b);
        assert_eq!(a.count(), 100);
        assert!((a.mean().unwrap() - all.mean().unwrap()).abs() < 1e-12);
        assert!((a.variance().unwrap() - all.variance().unwrap()).abs() < 1e-9);
    }

    #[test]
    fn quantiles_within_a_tenth_of_a_percent() {
        let mut q = Quantiles::new();
        for i in 1..=100_000 {
            q.add(i as f64 / 100.0);
        }
        let p90 = q.quantile(0.9).unwrap();
        assert!((p90 - 900.0).abs() / 900.0 < 1e-3, "{p90}");
    }

    #[test]
    fn small_quantiles_keep_three_significant_digits() {
        // Uniform on (0, 0.002] in 10,000 equal steps: the p90 is 0.0018 and
        // the p10 0.0002 (the i-th value is the i/10,000 quantile). Three
        // significant digits: relative error below 0.1% (HDR's bound);
        // thousandths gave 0.002 and 0.000.
        let mut q = Quantiles::new();
        for i in 1..=10_000 {
            q.add(0.002 * i as f64 / 10_000.0);
        }
        for (p, exact) in [(0.9, 0.0018), (0.1, 0.0002), (0.5, 0.001)] {
            let got = q.quantile(p).unwrap();
            assert!((got - exact).abs() / exact < 1e-3, "p{p}: {got} vs {exact}");
        }
        // Large values keep theirs: a 600-minute wait.
        let mut big = Quantiles::new();
        big.add(600.0);
        assert!((big.quantile(0.5).unwrap() - 600.0).abs() / 600.0 < 1e-3);
    }

    #[test]
    fn t_interval_matches_the_table() {
        // t(0.975, 9) = 2.262 (any t table).
        assert!((t975(9) - 2.262).abs() < 1e-3);
        let e = Estimate::from_values(&[Some(1.0), Some(2.0), Some(3.0), None]).unwrap();
        assert_eq!(e.mean, 2.0);
        // sd = 1, n = 3: 4.303 / sqrt(3) = 2.484.
        assert!((e.ci95 - 2.484).abs() < 1e-3);
        assert_eq!((e.min, e.max), (1.0, 3.0));
        assert!(Estimate::from_values(&[None]).is_none());
    }
}
