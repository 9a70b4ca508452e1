//! Keyed, invertible permutations of `0..n` (a balanced Feistel network over
//! the next even power of two, with cycle walking), so seeded identifiers
//! look random yet map back to their equity's index without an index.

/// A keyed permutation of `0..domain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Permutation {
    key: u64,
    domain: u64,
    half_bits: u32,
}

/// Rounds of the Feistel network.
const ROUNDS: u64 = 6;

/// A 64-bit mix (splitmix64's finaliser).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Permutation {
    /// A permutation of `0..domain` (domain ≥ 1) keyed by `key`.
    pub(crate) fn new(key: u64, domain: u64) -> Self {
        let bits = 64 - domain.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        Self {
            key,
            domain: domain.max(1),
            half_bits,
        }
    }

    fn mask(&self) -> u64 {
        (1u64 << self.half_bits) - 1
    }

    fn round(&self, round: u64, half: u64) -> u64 {
        mix(self.key ^ mix(round.wrapping_mul(0x1000_0000_01b3) ^ half)) & self.mask()
    }

    fn encrypt_once(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half_bits, x & self.mask());
        for round in 0..ROUNDS {
            let next = left ^ self.round(round, right);
            left = right;
            right = next;
        }
        (left << self.half_bits) | right
    }

    fn decrypt_once(&self, y: u64) -> u64 {
        let (mut left, mut right) = (y >> self.half_bits, y & self.mask());
        for round in (0..ROUNDS).rev() {
            let previous = right ^ self.round(round, left);
            right = left;
            left = previous;
        }
        (left << self.half_bits) | right
    }

    /// The image of `x` (which must be below the domain).
    pub(crate) fn apply(&self, x: u64) -> u64 {
        let mut y = self.encrypt_once(x);
        while y >= self.domain {
            y = self.encrypt_once(y);
        }
        y
    }

    /// The preimage of `y`, or `None` if `y` is outside the domain.
    pub(crate) fn invert(&self, y: u64) -> Option<u64> {
        if y >= self.domain {
            return None;
        }
        let mut x = self.decrypt_once(y);
        while x >= self.domain {
            x = self.decrypt_once(x);
        }
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_bijection_and_inverts() {
        for domain in [1_u64, 7, 26 * 26 * 26, 1000] {
            let p = Permutation::new(42, domain);
            let mut seen = vec![false; domain as usize];
            for x in 0..domain {
                let y = p.apply(x);
                assert!(y < domain);
                assert!(!seen[y as usize]);
                seen[y as usize] = true;
                assert_eq!(p.invert(y), Some(x));
            }
        }
        let big = Permutation::new(7, 31_u64.pow(8));
        for x in [0, 1, 999_999, 123_456_789] {
            assert_eq!(big.invert(big.apply(x)), Some(x));
        }
        assert_eq!(big.invert(31_u64.pow(8)), None);
    }
}
