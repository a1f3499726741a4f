//! The Kaplan-Meier (product-limit) estimate of patience survival, with
//! Greenwood's variance: at each time t at which citizens left, S(t) =
//! Π (1 − d/n) over leave times up to t (d left at that time, n still
//! waiting just before it: their wait reached it, whether they then left
//! or were called), and Var S(t) = S(t)² Σ d / (n (n − d)) (Klein and
//! Moeschberger, *Survival Analysis*, 2nd ed., sections 4.2-4.3). A call at
//! the same time as a leave counts as still waiting at it.
//!
//! No-shows (left at an unknown time before their call) are not in it:
//! their proper estimator is Turnbull's (interval-censored data); the
//! parametric fits use them.

use serde::Serialize;

/// Points kept at most; beyond, every k-th leave time (and the last).
pub const MAX_POINTS: usize = 250;

/// The estimate just after one leave time.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    /// Wait, in minutes.
    pub t_min: f64,
    /// Still waiting (at risk) just before it.
    pub at_risk: usize,
    /// Left at it.
    pub left: usize,
    /// S(t).
    pub survival: f64,
    /// Greenwood 95% band, S ± 1.96 · sd, clipped to [0, 1].
    pub low: f64,
    /// Its upper end.
    pub high: f64,
}

/// The product-limit estimate.
#[derive(Debug, Clone, Serialize)]
pub struct KaplanMeier {
    /// Distinct leave times.
    pub times: usize,
    /// Every `every`-th of them is kept (1: all), and the last.
    pub every: usize,
    /// The longest wait observed (a leave or a call), minutes: the curve
    /// holds its last value up to it.
    pub until_min: f64,
    /// The curve.
    pub points: Vec<Point>,
}

/// The estimate from leave times `left` and call times `called` (minutes).
pub fn estimate(left: &[f64], called: &[f64]) -> KaplanMeier {
    let mut all: Vec<(f64, bool)> = left
        .iter()
        .map(|&t| (t, true))
        .chain(called.iter().map(|&t| (t, false)))
        .collect();
    // Leaves before calls at the same time (calls still at risk then).
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = all.len();
    let (mut s, mut sum) = (1.0f64, 0.0f64);
    let mut points = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let j = i + all[i..].iter().take_while(|p| p.0 == t).count();
        let d = all[i..j].iter().filter(|p| p.1).count();
        if d > 0 {
            let (n, d_f) = (at_risk as f64, d as f64);
            s *= 1.0 - d_f / n;
            if at_risk > d {
                sum += d_f / (n * (n - d_f));
            }
            let sd = if s > 0.0 { s * sum.sqrt() } else { 0.0 };
            points.push(Point {
                t_min: t,
                at_risk,
                left: d,
                survival: s,
                low: (s - 1.96 * sd).max(0.0),
                high: (s + 1.96 * sd).min(1.0),
            });
        }
        at_risk -= j - i;
        i = j;
    }
    let times = points.len();
    let every = times.div_ceil(MAX_POINTS).max(1);
    if every > 1 {
        let last = points.last().copied();
        points = points.into_iter().step_by(every).collect();
        if let (Some(l), Some(p)) = (last, points.last()) {
            if p.t_min != l.t_min {
                points.push(l);
            }
        }
    }
    KaplanMeier {
        times,
        every,
        until_min: all.last().map_or(0.0, |p| p.0),
        points,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tiny_sample_by_hand() {
        // Leaves at 2, 4, 4, 7; calls at 3, 4, 8 (7 waits).
        // t=2: n 7, d 1: S = 6/7;            Σ = 1/(7·6) = 1/42
        // t=3: a call, n becomes 5 at t=4.
        // t=4: n 5, d 2: S = 6/7 · 3/5 = 18/35; Σ += 2/(5·3) = 2/15
        //      (the call at 4 is still at risk then)
        // t=7: n 2, d 1: S = 18/35 · 1/2 = 9/35; Σ += 1/(2·1) = 1/2
        let km = super::estimate(&[2.0, 4.0, 4.0, 7.0], &[3.0, 4.0, 8.0]);
        let s: Vec<f64> = km.points.iter().map(|p| p.survival).collect();
        let want = [6.0 / 7.0, 18.0 / 35.0, 9.0 / 35.0];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
        let n: Vec<usize> = km.points.iter().map(|p| p.at_risk).collect();
        assert_eq!(n, [7, 5, 2]);
        let sum = 1.0 / 42.0 + 2.0 / 15.0 + 0.5;
        let sd = 9.0 / 35.0 * f64::sqrt(sum);
        let p = km.points[2];
        assert!((p.high - (9.0 / 35.0 + 1.96 * sd)).abs() < 1e-12);
        assert_eq!(p.low, 0.0, "9/35 − 1.96 sd is below 0: clipped");
        assert_eq!(km.until_min, 8.0);
    }

    #[test]
    fn many_leave_times_are_thinned_keeping_the_last() {
        let left: Vec<f64> = (1..=1000).map(f64::from).collect();
        let km = super::estimate(&left, &[]);
        assert_eq!(km.times, 1000);
        assert_eq!(km.every, 4);
        let last = km.points.last().unwrap();
        assert_eq!((last.t_min, last.survival), (1000.0, 0.0));
        assert!(km.points.len() <= super::MAX_POINTS + 1);
    }
}
