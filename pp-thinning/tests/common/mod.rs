//! Helpers shared by the integration tests.

use pp_core::EventSequence;

/// Times (as bit patterns) and marks of a sequence, for bit-identity checks.
pub fn bits(seq: &EventSequence) -> Vec<(u64, u32)> {
    seq.times()
        .iter()
        .map(|t| t.to_bits())
        .zip(seq.marks().iter().copied())
        .collect()
}
