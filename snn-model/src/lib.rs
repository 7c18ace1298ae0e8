//! # snn-model
//!
//! The spike-response-model network of MATH.md §3: parameters, basis functions, activations, membrane potentials (direct and incremental), its `Intensity`, exact fully observed log-likelihood and gradient, and `srm-snn/v1` model files.
//!
//! Not built yet: this crate is a compiling skeleton.
