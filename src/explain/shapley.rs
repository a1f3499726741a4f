//! Shapley values of levers from the value of every subset of them: pure
//! arithmetic on a table, no simulation (the orchestration is in
//! `explain.rs`).
//!
//! A table `v` has one entry per subset of k levers, indexed by bitmask
//! (bit i set: lever i applied), so `v[0]` is the baseline and
//! `v[2^k - 1]` the design. Lever i's Shapley value (Shapley 1953) is its
//! marginal effect averaged over every order in which the levers could be
//! applied:
//!
//! φ_i = Σ_{S ⊆ N∖{i}} |S|! (k − |S| − 1)! / k! · (v(S ∪ {i}) − v(S)),
//!
//! and the values add up to v(N) − v(∅) (efficiency).

/// The number of levers of a table of `len` = 2^k subsets.
fn levers_of(len: usize) -> usize {
    len.trailing_zeros() as usize
}

/// Exact Shapley values from a table of 2^k subset values.
pub fn shapley(v: &[f64]) -> Vec<f64> {
    let k = levers_of(v.len());
    // weight[s] = s! (k - s - 1)! / k!, by the recurrence
    // weight[s + 1] = weight[s] (s + 1) / (k - s - 1).
    let mut weight = vec![0.0; k.max(1)];
    if k > 0 {
        weight[0] = 1.0 / k as f64;
        for s in 0..k - 1 {
            weight[s + 1] = weight[s] * (s + 1) as f64 / (k - s - 1) as f64;
        }
    }
    (0..k)
        .map(|i| {
            let bit = 1usize << i;
            (0..v.len())
                .filter(|s| s & bit == 0)
                .map(|s| weight[s.count_ones() as usize] * (v[s | bit] - v[s]))
                .sum()
        })
        .collect()
}

/// Lever i's effect alone: v({i}) − v(∅).
pub fn alone(v: &[f64], i: usize) -> f64 {
    v[1 << i] - v[0]
}

/// The two-factor interaction of levers i and j in the 2^k factorial
/// design: the second difference v(S+i+j) − v(S+i) − v(S+j) + v(S)
/// averaged over the 2^(k−2) subsets S of the other levers (Box, Hunter &
/// Hunter, ch. 5). Positive: together they do more than the sum of their
/// separate effects; 0 for levers that act independently.
pub fn interaction(v: &[f64], i: usize, j: usize) -> f64 {
    let (a, b) = (1usize << i, 1usize << j);
    let others: Vec<usize> = (0..v.len()).filter(|s| s & (a | b) == 0).collect();
    let sum: f64 = others
        .iter()
        .map(|&s| v[s | a | b] - v[s | a] - v[s | b] + v[s])
        .sum();
    sum / others.len() as f64
}

/// The subsets (bitmasks) a permutation passes through: ∅, {p0},
/// {p0, p1}, ..., all.
pub fn prefixes(perm: &[usize]) -> Vec<u64> {
    let mut mask = 0u64;
    let mut out = vec![mask];
    for &i in perm {
        mask |= 1 << i;
        out.push(mask);
    }
    out
}

/// Each lever's marginal effect when the levers are applied in the order
/// `perm`: they add up to v(all) − v(∅) for any order.
pub fn marginals(v: impl Fn(u64) -> f64, perm: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; perm.len()];
    let mut mask = 0u64;
    let mut before = v(mask);
    for &i in perm {
        mask |= 1 << i;
        let after = v(mask);
        out[i] = after - before;
        before = after;
    }
    out
}

/// Shapley values estimated from sampled orders: the mean of
/// [`marginals`] over `perms` (Castro, Gómez & Tejada 2009). Still
/// efficient, since each order's marginals are.
pub fn sampled(v: impl Fn(u64) -> f64, perms: &[Vec<usize>]) -> Vec<f64> {
    let k = perms.first().map_or(0, Vec::len);
    let mut sum = vec![0.0; k];
    for p in perms {
        for (s, m) in sum.iter_mut().zip(marginals(&v, p)) {
            *s += m;
        }
    }
    sum.iter().map(|s| s / perms.len().max(1) as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn additive_levers_get_their_own_effect_and_no_interaction() {
        // v(S) = 5 + Σ_{i ∈ S} a_i with a = (2, -3, 0.5).
        let a = [2.0, -3.0, 0.5];
        let v: Vec<f64> = (0..8)
            .map(|s: usize| {
                5.0 + (0..3)
                    .filter(|i| s >> i & 1 == 1)
                    .map(|i| a[i])
                    .sum::<f64>()
            })
            .collect();
        close(&shapley(&v), &a);
        for (i, a_i) in a.iter().enumerate() {
            assert_eq!(alone(&v, i), *a_i);
        }
        assert_eq!(interaction(&v, 0, 1), 0.0);
        assert_eq!(interaction(&v, 1, 2), 0.0);
    }

    #[test]
    fn a_pure_interaction_splits_equally() {
        // Two levers that only work together: v(∅) = v({0}) = v({1}) = 0, v(both) = 1.
        let v = [0.0, 0.0, 0.0, 1.0];
        close(&shapley(&v), &[0.5, 0.5]);
        assert_eq!(alone(&v, 0), 0.0);
        assert_eq!(interaction(&v, 0, 1), 1.0);
    }

    #[test]
    fn three_levers_by_hand() {
        // Bit 0 = lever 1, bit 1 = lever 2, bit 2 = lever 3:
        // v(∅)=0, v(1)=1, v(2)=2, v(12)=4, v(3)=0, v(13)=1, v(23)=2, v(123)=6.
        let v = [0.0, 1.0, 2.0, 4.0, 0.0, 1.0, 2.0, 6.0];
        // Lever 1's marginals over the 6 orders 123, 132, 213, 231, 312, 321:
        // 1, 1, 2, 4, 1, 4 -> 13/6; lever 2: 3, 5, 2, 2, 5, 2 -> 19/6;
        // lever 3: 2, 0, 2, 0, 0, 0 -> 4/6. Sum 6 = v(123) - v(∅).
        close(&shapley(&v), &[13.0 / 6.0, 19.0 / 6.0, 4.0 / 6.0]);
        // The second difference of levers 1 and 2: with lever 3 off
        // 4 - 1 - 2 + 0 = 1, on 6 - 1 - 2 + 0 = 3: mean 2.
        assert_eq!(interaction(&v, 0, 1), 2.0);
        // All six orders sampled give the exact values.
        let orders = [
            vec![0, 1, 2],
            vec![0, 2, 1],
            vec![1, 0, 2],
            vec![1, 2, 0],
            vec![2, 0, 1],
            vec![2, 1, 0],
        ];
        close(
            &sampled(|m| v[m as usize], &orders),
            &[13.0 / 6.0, 19.0 / 6.0, 4.0 / 6.0],
        );
        assert_eq!(prefixes(&[2, 0, 1]), [0, 4, 5, 7]);
    }

    #[test]
    fn symmetric_levers_get_equal_values_and_a_null_lever_zero() {
        // Levers 0 and 1 symmetric (v depends on how many of them are on),
        // lever 2 changes nothing.
        let v: Vec<f64> = (0..8usize)
            .map(|s| [0.0, 3.0, 10.0][(s & 1) + (s >> 1 & 1)])
            .collect();
        let phi = shapley(&v);
        assert_eq!(phi[2], 0.0);
        close(&phi[..2], &[5.0, 5.0]);
    }
}
