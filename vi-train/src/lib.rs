//! # vi-train
//!
//! Variational training of SNNs with hidden neurons (MATH.md §6): the ELBO, the path-wise and score-function estimators, optimisers, the training loop, evaluation and the `diffsnn` program.
//!
//! Not built yet: this crate is a compiling skeleton.
