//! Random streams: counter-based, so that any draw is a pure function of
//! where it happens, not of what happened before.
//!
//! The spec's "Randomness" section asks that every random source has its own
//! stream derived from (seed, replication, source name), and that a case's
//! draws depend on its arrival stream, its number in that stream and the step.
//! [`StreamKey`] hashes those coordinates into a 64-bit key; [`StreamRng`] is
//! SplitMix64 started from that key (Steele, Lea and Flood 2014: a counter
//! passed through a strong 64-bit finalizer). Deriving a generator costs a
//! few multiplications, so the engine makes one per (case, step, pass)
//! without storing any per-case state: two designs that share a seed and
//! their arrival streams draw the very same numbers for the same citizens
//! (common random numbers by construction), whatever the thread count.

use rand::TryRng;
use std::convert::Infallible;

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finalizer (a bijective 64-bit mix).
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a name: a stable id for a named random source.
pub fn name_hash(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// Coordinates of a random stream, folded into one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey(u64);

impl StreamKey {
    /// The root of a replication: (master seed, replication number).
    pub fn replication(seed: u64, replication: u64) -> Self {
        StreamKey(mix64(
            mix64(seed ^ 0x5eed_5eed_5eed_5eed).wrapping_add(replication.wrapping_mul(GOLDEN)),
        ))
    }

    /// A sub-stream of this one, identified by a number (a name hash, a case
    /// number, a pass count).
    #[inline]
    pub fn child(self, id: u64) -> Self {
        // One finalizer pass over the key and the spread-out id: distinct
        // ids give distinct keys (the finalizer is a bijection), and keys
        // land far apart on SplitMix64's cycle, so streams do not overlap.
        StreamKey(mix64(self.0 ^ id.wrapping_add(1).wrapping_mul(GOLDEN)))
    }

    /// The generator of this stream.
    #[inline]
    pub fn rng(self) -> StreamRng {
        StreamRng { state: self.0 }
    }
}

/// SplitMix64 generator; implements rand's `Rng` so rand_distr samples from it.
#[derive(Debug, Clone)]
pub struct StreamRng {
    state: u64,
}

impl StreamRng {
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl TryRng for StreamRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let root = StreamKey::replication(42, 0);
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = root.child(1).rng();
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = root.child(1).rng();
                move |_| r.next_u64()
            })
            .collect();
        let c = root.child(2).rng().next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
        assert_ne!(StreamKey::replication(42, 1), root);
    }

    #[test]
    fn uniform_mean_is_one_half() {
        let mut r = StreamKey::replication(1, 0).rng();
        let n = 200_000;
        let mean: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        // sd of the mean = sqrt(1/12/n) = 6.5e-4; allow 5 sd.
        assert!((mean - 0.5).abs() < 3.3e-3, "{mean}");
    }
}
