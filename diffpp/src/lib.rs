//! # diffpp
//!
//! The ExpConcrete (Gumbel-softmax) distribution and the differentiable point process (MATH.md §4–5): soft thinning, its log density and the reverse sweep for path-wise gradients.
//!
//! Not built yet: this crate is a compiling skeleton.
