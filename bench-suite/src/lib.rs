//! # bench-suite
//!
//! Criterion benchmarks for every hot path and the `reproduce` program that reruns the reference's three experiments (MATH.md §7).
//!
//! Not built yet: this crate is a compiling skeleton.
