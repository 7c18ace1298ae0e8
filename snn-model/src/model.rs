//! The network's parameters: a validated builder ([`SnnBuilder`] → [`Snn`] through one
//! [`check`](SnnBuilder::check)), random initialisation as the reference, and the refractory
//! constraint.

use pp_core::{Parametric, PpError};
use rand::{Rng, RngExt};

use crate::activation::Activation;
use crate::basis::Basis;
use crate::error::{Result, SnnError};

/// A projection applied to the weights after each optimiser step.
///
/// ```
/// use snn_model::Constraint;
/// assert_eq!(Constraint::default(), Constraint::Refractory { max_diagonal: -0.1 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// No constraint.
    None,
    /// Self-connections are refractory: every `W[k][i][i] ≤ max_diagonal` (the reference
    /// clamps at −0.1).
    Refractory {
        /// The largest allowed diagonal weight.
        max_diagonal: f64,
    },
}

impl Default for Constraint {
    fn default() -> Self {
        Constraint::Refractory { max_diagonal: -0.1 }
    }
}

/// The unchecked description of a network (linfa-style builder). Every setter just records the
/// value; [`check`](Self::check) validates everything at once and returns an [`Snn`].
///
/// Defaults: `K = 2` Epanechnikov basis with centres `{0, 10}` and scale 1, sigmoid activation
/// with amplitude 5, zero bias and weights, all connections on, refractory constraint.
///
/// ```
/// use snn_model::{Activation, Basis, SnnBuilder};
/// let model = SnnBuilder::new(2, 1)
///     .basis(Basis::epanechnikov_default(2))
///     .activation(Activation::Sigmoid { amplitude: 5.0 })
///     .bias(vec![0.1, -0.2, 0.3])
///     .check()?;
/// assert_eq!(model.n_neurons(), 3);
/// assert_eq!(model.weights().len(), 2 * 3 * 3);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SnnBuilder {
    n_obs: usize,
    n_hidden: usize,
    bias: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
    connection: Option<Vec<bool>>,
    basis: Basis,
    activation: Activation,
    constraint: Constraint,
}

impl SnnBuilder {
    /// A network with `n_obs` observed neurons (indices `0..n_obs`) followed by `n_hidden`
    /// hidden ones.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(2, 4).check()?.n_hidden(), 4);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(n_obs: usize, n_hidden: usize) -> Self {
        Self {
            n_obs,
            n_hidden,
            bias: None,
            weights: None,
            connection: None,
            basis: Basis::epanechnikov_default(2),
            activation: Activation::default(),
            constraint: Constraint::default(),
        }
    }

    /// Biases `b_i`, length `N`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).bias(vec![0.5]).check()?;
    /// assert_eq!(m.bias(), &[0.5]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn bias(mut self, bias: Vec<f64>) -> Self {
        self.bias = Some(bias);
        self
    }

    /// Weights as a flat vector in the file order `[k][i][j]` (basis k, *to* i, *from* j):
    /// `weights[(k·N + i)·N + j]`, length `K·N·N`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0)
    ///     .basis(snn_model::Basis::epanechnikov_default(2))
    ///     .weights(vec![-1.0, -2.0])
    ///     .check()?;
    /// assert_eq!(m.weight(1, 0, 0), -2.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn weights(mut self, weights: Vec<f64>) -> Self {
        self.weights = Some(weights);
        self
    }

    /// The connection mask, flat `[i][j]` (`connection[i·N + j]` allows j → i), length `N·N`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).connection(vec![true, false, true, true]).check()?;
    /// assert!(!m.connected(0, 1) && m.connected(1, 0));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn connection(mut self, connection: Vec<bool>) -> Self {
        self.connection = Some(connection);
        self
    }

    /// The basis functions.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).basis(snn_model::Basis::epanechnikov_default(4)).check()?;
    /// assert_eq!(m.n_basis(), 4);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn basis(mut self, basis: Basis) -> Self {
        self.basis = basis;
        self
    }

    /// The activation.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).activation(snn_model::Activation::Exp).check()?;
    /// assert_eq!(m.activation(), snn_model::Activation::Exp);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// The constraint [`Snn::project`] applies (default: refractory, diagonal ≤ −0.1).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).constraint(snn_model::Constraint::None).check()?;
    /// assert_eq!(m.constraint(), snn_model::Constraint::None);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraint = constraint;
        self
    }

    /// Validates everything and builds the model: `N = n_obs + n_hidden ≥ 1`, the basis and
    /// activation valid, `bias` of length `N`, `weights` of length `K·N·N`, `connection` of
    /// length `N·N`, every number finite. The constraint is *not* applied (see
    /// [`Snn::project`]).
    ///
    /// ```
    /// use snn_model::{SnnBuilder, SnnError};
    /// assert!(matches!(SnnBuilder::new(0, 0).check(), Err(SnnError::InvalidValue { .. })));
    /// assert!(matches!(
    ///     SnnBuilder::new(1, 0).bias(vec![f64::NAN]).check(),
    ///     Err(SnnError::InvalidValue { .. })
    /// ));
    /// ```
    pub fn check(self) -> Result<Snn> {
        let n = self.n_obs + self.n_hidden;
        if n == 0 {
            return Err(SnnError::invalid(
                "n_obs + n_hidden",
                0,
                "a network needs at least one neuron",
            ));
        }
        if n > u32::MAX as usize {
            return Err(SnnError::invalid("n_obs + n_hidden", n, "too many neurons"));
        }
        self.basis.check()?;
        self.activation.check()?;
        if let Constraint::Refractory { max_diagonal } = self.constraint
            && !max_diagonal.is_finite()
        {
            return Err(SnnError::invalid(
                "constraint.max_diagonal",
                max_diagonal,
                "must be finite",
            ));
        }
        let k = self.basis.len();
        let bias = self.bias.unwrap_or_else(|| vec![0.0; n]);
        if bias.len() != n {
            return Err(SnnError::shape(
                "bias",
                format!("[{n}]"),
                format!("[{}]", bias.len()),
            ));
        }
        check_finite("bias", &bias, |e| format!("[{e}]"))?;
        let weights = self.weights.unwrap_or_else(|| vec![0.0; k * n * n]);
        if weights.len() != k * n * n {
            return Err(SnnError::shape(
                "weights",
                format!("[{k}][{n}][{n}] ({} numbers)", k * n * n),
                format!("{} numbers", weights.len()),
            ));
        }
        check_finite("weights", &weights, |e| {
            format!("[{}][{}][{}]", e / (n * n), (e / n) % n, e % n)
        })?;
        let mask = self.connection.unwrap_or_else(|| vec![true; n * n]);
        if mask.len() != n * n {
            return Err(SnnError::shape(
                "connection",
                format!("[{n}][{n}] ({} booleans)", n * n),
                format!("{} booleans", mask.len()),
            ));
        }
        let mut model = Snn {
            n_obs: self.n_obs,
            n_hidden: self.n_hidden,
            n,
            k,
            bias,
            weights,
            mask,
            wm: vec![0.0; k * n * n],
            basis: self.basis,
            activation: self.activation,
            constraint: self.constraint,
        };
        model.sync_masked();
        Ok(model)
    }

    /// Validates the structure as [`check`](Self::check) does, then draws the parameters as
    /// the reference initialises them: weights `U(−5, 5)` (masked entries set to 0), biases
    /// `U(−1, 1)`, then every diagonal weight `W[k][i][i] ~ U(−5, −0.1)` (drawn in the order
    /// weights `[k][i][j]`, biases, diagonals `[k][i]`). Any bias or weights given to the
    /// builder are replaced.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let m = snn_model::SnnBuilder::new(2, 4).random(&mut rng)?;
    /// assert!(m.bias().iter().all(|b| b.abs() <= 1.0));
    /// assert!((0..6).all(|i| m.weight(0, i, i) <= -0.1 && m.weight(1, i, i) >= -5.0));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn random<R: Rng + ?Sized>(self, rng: &mut R) -> Result<Snn> {
        let mut model = self.check()?;
        model.randomize(rng);
        Ok(model)
    }
}

fn check_finite(field: &str, values: &[f64], index: impl Fn(usize) -> String) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(e) => Err(SnnError::invalid(
            format!("{field}{}", index(e)),
            values[e],
            "must be finite",
        )),
    }
}

/// A checked spike-response-model network (docs/math.md §3).
///
/// Layout. The public weights are in the file order `[k][i][j]` (basis k, to i, from j), flat:
/// `weights()[(k·N + i)·N + j]`. Internally the inner loops use the *masked* weights
/// `M_ij W[k][i][j]` in the order `[i][k][j]` ([`masked_weights_ikj`](Self::masked_weights_ikj)),
/// so that the potential of neuron `i` is `b_i + ⟨row_i, Φ⟩` with the basis activations
/// `Φ[k·N + j]` of a [`BasisTracker`](crate::BasisTracker) — one contiguous dot product.
///
/// The flat parameter vector of [`Parametric`] is `[bias (N), weights [k][i][j] (K·N·N)]`.
///
/// ```
/// use pp_core::Parametric;
/// let m = snn_model::SnnBuilder::new(2, 0).check()?;
/// assert_eq!(m.n_params(), 2 + 2 * 2 * 2);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Snn {
    n_obs: usize,
    n_hidden: usize,
    n: usize,
    k: usize,
    bias: Vec<f64>,
    weights: Vec<f64>,
    mask: Vec<bool>,
    wm: Vec<f64>,
    basis: Basis,
    activation: Activation,
    constraint: Constraint,
}

impl Snn {
    /// Recomputes the masked `[i][k][j]` weights from the public ones.
    fn sync_masked(&mut self) {
        let (n, k) = (self.n, self.k);
        for kk in 0..k {
            for i in 0..n {
                for j in 0..n {
                    let w = if self.mask[i * n + j] {
                        self.weights[(kk * n + i) * n + j]
                    } else {
                        0.0
                    };
                    self.wm[(i * k + kk) * n + j] = w;
                }
            }
        }
    }

    /// Number of neurons `N`.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(2, 3).check()?.n_neurons(), 5);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn n_neurons(&self) -> usize {
        self.n
    }

    /// Number of observed neurons (indices `0..n_obs`).
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(2, 3).check()?.n_obs(), 2);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    /// Number of hidden neurons (indices `n_obs..N`).
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(2, 3).check()?.n_hidden(), 3);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn n_hidden(&self) -> usize {
        self.n_hidden
    }

    /// Number of basis functions `K`.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.n_basis(), 2);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn n_basis(&self) -> usize {
        self.k
    }

    /// Biases `b`.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.bias(), &[0.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn bias(&self) -> &[f64] {
        &self.bias
    }

    /// Weights, flat `[k][i][j]` (unmasked, as stored in files).
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.weights(), &[0.0, 0.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// `W[k][i][j]`, the weight of basis `k` from neuron `j` to neuron `i`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).weights(vec![0., 1., 2., 3., 4., 5., 6., 7.]).check()?;
    /// assert_eq!(m.weight(1, 0, 1), 5.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn weight(&self, k: usize, i: usize, j: usize) -> f64 {
        self.weights[(k * self.n + i) * self.n + j]
    }

    /// Whether the connection j → i is on.
    ///
    /// ```
    /// assert!(snn_model::SnnBuilder::new(2, 0).check()?.connected(0, 1));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn connected(&self, i: usize, j: usize) -> bool {
        self.mask[i * self.n + j]
    }

    /// The connection mask, flat `[i][j]`.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.connection(), &[true]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn connection(&self) -> &[bool] {
        &self.mask
    }

    /// The masked weights `M_ij W[k][i][j]` in the inner-loop order `[i][k][j]`:
    /// entry `(i·K + k)·N + j`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0)
    ///     .weights(vec![0., 1., 2., 3., 4., 5., 6., 7.])
    ///     .connection(vec![true, false, true, true])
    ///     .check()?;
    /// assert_eq!(m.masked_weights_ikj(), &[0., 0., 4., 0., 2., 3., 6., 7.]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn masked_weights_ikj(&self) -> &[f64] {
        &self.wm
    }

    /// The basis.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.basis().len(), 2);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn basis(&self) -> &Basis {
        &self.basis
    }

    /// The activation.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.activation().bound(), Some(5.0));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The constraint [`project`](Self::project) applies.
    ///
    /// ```
    /// assert_eq!(snn_model::SnnBuilder::new(1, 0).check()?.constraint(), snn_model::Constraint::default());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn constraint(&self) -> Constraint {
        self.constraint
    }

    /// Changes the constraint (not applied until [`project`](Self::project)).
    ///
    /// ```
    /// let mut m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// m.set_constraint(snn_model::Constraint::None);
    /// m.project();
    /// assert_eq!(m.weight(0, 0, 0), 0.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn set_constraint(&mut self, constraint: Constraint) {
        self.constraint = constraint;
    }

    /// Sets the biases (length `N`, finite).
    ///
    /// ```
    /// let mut m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// m.set_bias(&[1.0, 2.0])?;
    /// assert!(m.set_bias(&[1.0]).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn set_bias(&mut self, bias: &[f64]) -> Result<()> {
        if bias.len() != self.n {
            return Err(SnnError::shape(
                "bias",
                format!("[{}]", self.n),
                format!("[{}]", bias.len()),
            ));
        }
        check_finite("bias", bias, |e| format!("[{e}]"))?;
        self.bias.copy_from_slice(bias);
        Ok(())
    }

    /// Sets the weights, flat `[k][i][j]` (length `K·N·N`, finite).
    ///
    /// ```
    /// let mut m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// m.set_weights(&[-1.0, -0.5])?;
    /// assert_eq!(m.weight(1, 0, 0), -0.5);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<()> {
        let (n, k) = (self.n, self.k);
        if weights.len() != k * n * n {
            return Err(SnnError::shape(
                "weights",
                format!("[{k}][{n}][{n}] ({} numbers)", k * n * n),
                format!("{} numbers", weights.len()),
            ));
        }
        check_finite("weights", weights, |e| {
            format!("[{}][{}][{}]", e / (n * n), (e / n) % n, e % n)
        })?;
        self.weights.copy_from_slice(weights);
        self.sync_masked();
        Ok(())
    }

    /// Applies the constraint: with [`Constraint::Refractory`], clamps every diagonal weight
    /// `W[k][i][i]` to at most `max_diagonal`.
    ///
    /// ```
    /// let mut m = snn_model::SnnBuilder::new(1, 0).weights(vec![2.0, -3.0]).check()?;
    /// m.project();
    /// assert_eq!(m.weights(), &[-0.1, -3.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn project(&mut self) {
        if let Constraint::Refractory { max_diagonal } = self.constraint {
            let n = self.n;
            for k in 0..self.k {
                for i in 0..n {
                    let w = &mut self.weights[(k * n + i) * n + i];
                    *w = w.min(max_diagonal);
                }
            }
            self.sync_masked();
        }
    }

    /// Draws new parameters as the reference initialises them (see [`SnnBuilder::random`]).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut m = snn_model::SnnBuilder::new(3, 0).check()?;
    /// m.randomize(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2));
    /// assert!(m.weights().iter().all(|w| w.abs() <= 5.0));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn randomize<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let n = self.n;
        for k in 0..self.k {
            for i in 0..n {
                for j in 0..n {
                    let w = rng.random_range(-5.0..5.0);
                    self.weights[(k * n + i) * n + j] = if self.mask[i * n + j] { w } else { 0.0 };
                }
            }
        }
        for b in self.bias.iter_mut() {
            *b = rng.random_range(-1.0..1.0);
        }
        for k in 0..self.k {
            for i in 0..n {
                self.weights[(k * n + i) * n + i] = rng.random_range(-5.0..-0.1);
            }
        }
        self.sync_masked();
    }

    /// Potentials from basis activations: `u_i = b_i + Σ_{k,j} M_ij W[k][i][j] Φ[k·N + j]`
    /// (`phi` of length `K·N`, as written by a [`BasisTracker`](crate::BasisTracker)).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).bias(vec![1.0]).weights(vec![-2.0, 3.0]).check()?;
    /// let mut u = [0.0];
    /// m.potentials_from_activations(&[0.5, 1.0], &mut u);
    /// assert_eq!(u[0], 1.0 - 1.0 + 3.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn potentials_from_activations(&self, phi: &[f64], out: &mut [f64]) {
        let kn = self.k * self.n;
        debug_assert_eq!(phi.len(), kn);
        for (i, o) in out.iter_mut().enumerate().take(self.n) {
            let row = &self.wm[i * kn..(i + 1) * kn];
            *o = self.bias[i] + dot(row, phi);
        }
    }

    /// The penalty `‖M ⊙ W‖_F` (Frobenius norm of the masked weights, not squared).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).weights(vec![3.0, 4.0]).check()?;
    /// assert_eq!(m.masked_weight_norm(), 5.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn masked_weight_norm(&self) -> f64 {
        // Scaled to avoid overflow of the squares.
        let max = self.wm.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        if max == 0.0 {
            return 0.0;
        }
        max * self
            .wm
            .iter()
            .map(|w| (w / max).powi(2))
            .sum::<f64>()
            .sqrt()
    }
}

pub(crate) use pp_core::numeric::dot;

impl Parametric for Snn {
    type Error = SnnError;

    fn n_params(&self) -> usize {
        self.n + self.k * self.n * self.n
    }

    fn params(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.n_params());
        p.extend_from_slice(&self.bias);
        p.extend_from_slice(&self.weights);
        p
    }

    fn set_params(&mut self, params: &[f64]) -> Result<()> {
        if params.len() != self.n_params() {
            return Err(PpError::LengthMismatch {
                what: "SNN parameters [bias, weights]",
                expected: self.n_params(),
                found: params.len(),
            }
            .into());
        }
        if let Some(e) = params.iter().position(|v| !v.is_finite()) {
            return Err(PpError::NonFinite {
                what: "SNN parameter",
                index: e,
                value: params[e],
            }
            .into());
        }
        let (b, w) = params.split_at(self.n);
        self.bias.copy_from_slice(b);
        self.weights.copy_from_slice(w);
        self.sync_masked();
        Ok(())
    }
}
