//! # pp-thinning
//!
//! Exact simulation by thinning (Lewis–Shedler, Ogata; MATH.md §2) for anything that implements pp-core's `Intensity` plus a bound: global and local bounds, bound-violation detection, streaming, reproducible parallel sequences.
//!
//! Not built yet: this crate is a compiling skeleton.
