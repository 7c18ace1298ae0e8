//! The pair of networks of variational inference: the model `p(O, H; θ)` and the variational
//! distribution `q(H | O; φ)`, which either shares `p`'s parameters (the reference's setting)
//! or has its own.

use std::ops::Range;

use pp_core::Parametric;
use snn_model::Snn;

use crate::error::{Result, ViError};
use crate::vi::hidden::hidden_bound;

/// Where the variational distribution's parameters `φ` live.
///
/// ```
/// use vi_train::vi::Variational;
/// let q = snn_model::SnnBuilder::new(1, 1).check()?;
/// assert!(matches!(Variational::Separate(q), Variational::Separate(_)));
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Variational {
    /// `q = p`: `φ` and `θ` are the same parameters (the reference's experiments).
    Shared,
    /// `q` is a network of the same shape with its own parameters.
    Separate(Snn),
}

/// The model `p` and the variational distribution `q` (docs/math.md §6).
///
/// The flat parameter vector (for optimisers and gradients) is `p`'s
/// [`Parametric`] vector `[bias, weights [k][i][j]]`, followed by `q`'s when `q` is separate.
///
/// ```
/// use pp_core::Parametric;
/// let p = snn_model::SnnBuilder::new(2, 1).check()?;
/// let shared = vi_train::vi::VariationalModel::shared(p.clone())?;
/// assert_eq!(shared.n_params(), p.n_params());
/// let separate = vi_train::vi::VariationalModel::separate(p.clone(), p.clone())?;
/// assert_eq!(separate.n_params(), 2 * p.n_params());
/// assert_eq!(separate.q_range(), p.n_params()..2 * p.n_params());
/// # Ok::<(), vi_train::ViError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VariationalModel {
    p: Snn,
    q: Variational,
}

fn check_trainable(model: &Snn, name: &str) -> Result<()> {
    if model.n_hidden() == 0 {
        return Err(ViError::argument(
            name,
            "has no hidden neuron (variational training infers hidden neurons)",
        ));
    }
    if model.n_obs() == 0 {
        return Err(ViError::argument(name, "has no observed neuron"));
    }
    hidden_bound(model).map_err(|e| match e {
        ViError::InvalidArgument { reason, .. } => ViError::argument(name, reason),
        other => other,
    })?;
    Ok(())
}

impl VariationalModel {
    /// `q = p` (shared parameters). `p` needs observed and hidden neurons and a bounded
    /// activation (sigmoid or hardtanh).
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(2, 0).check()?;
    /// assert!(vi_train::vi::VariationalModel::shared(p).is_err()); // no hidden neuron
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn shared(p: Snn) -> Result<Self> {
        check_trainable(&p, "model")?;
        Ok(Self {
            p,
            q: Variational::Shared,
        })
    }

    /// A separate `q` of the same shape (neurons, basis, activation) as `p`.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(2, 1).check()?;
    /// let q = snn_model::SnnBuilder::new(1, 2).check()?;
    /// assert!(vi_train::vi::VariationalModel::separate(p, q).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn separate(p: Snn, q: Snn) -> Result<Self> {
        check_trainable(&p, "model")?;
        check_trainable(&q, "variational model")?;
        if p.n_obs() != q.n_obs()
            || p.n_hidden() != q.n_hidden()
            || p.basis() != q.basis()
            || p.activation() != q.activation()
        {
            return Err(ViError::Mismatch {
                reason: format!(
                    "the variational network must have the model's shape: model {}+{} neurons, \
                     variational {}+{} (and the same basis and activation)",
                    p.n_obs(),
                    p.n_hidden(),
                    q.n_obs(),
                    q.n_hidden()
                ),
            });
        }
        Ok(Self {
            p,
            q: Variational::Separate(q),
        })
    }

    /// From a model and a [`Variational`] choice.
    ///
    /// ```
    /// use vi_train::vi::{Variational, VariationalModel};
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert!(VariationalModel::new(p, Variational::Shared)?.is_shared());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn new(p: Snn, q: Variational) -> Result<Self> {
        match q {
            Variational::Shared => Self::shared(p),
            Variational::Separate(q) => Self::separate(p, q),
        }
    }

    /// The model `p`.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert_eq!(vi_train::vi::VariationalModel::shared(p.clone())?.p(), &p);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn p(&self) -> &Snn {
        &self.p
    }

    /// The variational network `q` (`p` itself when shared).
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let m = vi_train::vi::VariationalModel::shared(p.clone())?;
    /// assert!(std::ptr::eq(m.q(), m.p()));
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn q(&self) -> &Snn {
        match &self.q {
            Variational::Shared => &self.p,
            Variational::Separate(q) => q,
        }
    }

    /// Whether `q = p`.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert!(!vi_train::vi::VariationalModel::separate(p.clone(), p)?.is_shared());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn is_shared(&self) -> bool {
        matches!(self.q, Variational::Shared)
    }

    /// Number of parameters: `p`'s, plus `q`'s when separate.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert_eq!(vi_train::vi::VariationalModel::shared(p)?.n_params(), 2 + 2 * 2 * 2);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn n_params(&self) -> usize {
        match &self.q {
            Variational::Shared => self.p.n_params(),
            Variational::Separate(q) => self.p.n_params() + q.n_params(),
        }
    }

    /// The indices of `θ` (`p`'s parameters) in the flat vector: `0..n_p`.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert_eq!(vi_train::vi::VariationalModel::shared(p)?.p_range(), 0..10);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn p_range(&self) -> Range<usize> {
        0..self.p.n_params()
    }

    /// The indices of `φ` in the flat vector: `p_range()` when shared, else the block after it.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert_eq!(vi_train::vi::VariationalModel::shared(p)?.q_range(), 0..10);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn q_range(&self) -> Range<usize> {
        match &self.q {
            Variational::Shared => self.p_range(),
            Variational::Separate(q) => {
                let n = self.p.n_params();
                n..n + q.n_params()
            }
        }
    }

    /// The flat parameter vector.
    ///
    /// ```
    /// use pp_core::Parametric;
    /// let p = snn_model::SnnBuilder::new(1, 1).bias(vec![0.5, -0.5]).check()?;
    /// assert_eq!(&vi_train::vi::VariationalModel::shared(p)?.params()[..2], &[0.5, -0.5]);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn params(&self) -> Vec<f64> {
        let mut v = self.p.params();
        if let Variational::Separate(q) = &self.q {
            v.extend(q.params());
        }
        v
    }

    /// Sets the flat parameter vector (length [`n_params`](Self::n_params), finite).
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let mut m = vi_train::vi::VariationalModel::shared(p)?;
    /// assert!(m.set_params(&[f64::NAN; 10]).is_err());
    /// m.set_params(&[1.0; 10])?;
    /// assert_eq!(m.p().bias(), &[1.0, 1.0]);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn set_params(&mut self, params: &[f64]) -> Result<()> {
        if params.len() != self.n_params() {
            return Err(ViError::Pp(pp_core::PpError::LengthMismatch {
                what: "variational parameters [θ, φ]",
                expected: self.n_params(),
                found: params.len(),
            }));
        }
        let np = self.p.n_params();
        self.p.set_params(&params[..np])?;
        if let Variational::Separate(q) = &mut self.q {
            q.set_params(&params[np..])?;
        }
        Ok(())
    }

    /// Applies each network's constraint (the refractory clamp by default).
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).weights(vec![1.0; 8]).check()?;
    /// let mut m = vi_train::vi::VariationalModel::shared(p)?;
    /// m.project();
    /// assert_eq!(m.p().weight(0, 0, 0), -0.1);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn project(&mut self) {
        self.p.project();
        if let Variational::Separate(q) = &mut self.q {
            q.project();
        }
    }

    /// The networks: `p` and, when separate, `q`.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let (p2, q) = vi_train::vi::VariationalModel::shared(p.clone())?.into_parts();
    /// assert!(p2 == p && q.is_none());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn into_parts(self) -> (Snn, Option<Snn>) {
        match self.q {
            Variational::Shared => (self.p, None),
            Variational::Separate(q) => (self.p, Some(q)),
        }
    }
}

/// Adds the gradient of `weight · ‖M ⊙ W‖_F` (the reference's regulariser, the Frobenius norm
/// not squared) of `model` to `grad` (its [`Parametric`] layout) and returns the value. At
/// `M ⊙ W = 0` the minimum-norm subgradient 0 is used.
///
/// ```
/// let m = snn_model::SnnBuilder::new(1, 0).weights(vec![3.0, 4.0]).check()?;
/// let mut g = vec![0.0; 3];
/// let v = vi_train::vi::add_regulariser(&m, 0.1, &mut g);
/// assert!((v - 0.5).abs() < 1e-15);
/// assert!((g[1] - 0.1 * 0.6).abs() < 1e-15 && (g[2] - 0.1 * 0.8).abs() < 1e-15);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn add_regulariser(model: &Snn, weight: f64, grad: &mut [f64]) -> f64 {
    if weight == 0.0 {
        return 0.0;
    }
    let norm = model.masked_weight_norm();
    if norm > 0.0 {
        let n = model.n_neurons();
        let w = model.weights();
        for (idx, g) in grad[n..].iter_mut().enumerate() {
            let (i, j) = ((idx / n) % n, idx % n);
            if model.connected(i, j) {
                *g += weight * w[idx] / norm;
            }
        }
    }
    weight * norm
}
