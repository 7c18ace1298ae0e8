//! The optimisers of training: Adagrad (the reference's, learning rate 5e-2) and Adam from
//! `snn_model::optim`, and plain gradient descent ([`Sgd`], written here because snn-model has
//! none). All minimise.

use snn_model::optim::{Adagrad, Adam, Optimizer};

use crate::error::{Result, ViError};

/// Plain gradient descent: `θ −= lr · g`.
///
/// ```
/// use snn_model::optim::Optimizer;
/// let mut x = [1.0];
/// let mut opt = vi_train::vi::Sgd::new(0.25)?;
/// opt.step(&mut x, &[2.0])?;
/// assert_eq!(x[0], 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sgd {
    lr: f64,
    len: usize,
}

impl Sgd {
    /// Gradient descent with learning rate `lr` (finite, `> 0`).
    ///
    /// ```
    /// assert!(vi_train::vi::Sgd::new(0.0).is_err());
    /// ```
    pub fn new(lr: f64) -> Result<Self> {
        check_rate(lr)?;
        Ok(Self { lr, len: 0 })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut [f64], grad: &[f64]) -> snn_model::Result<()> {
        if params.len() != grad.len() || (self.len != 0 && self.len != params.len()) {
            return Err(snn_model::SnnError::Shape {
                field: "gradient".into(),
                expected: format!(
                    "[{}]",
                    if self.len != 0 {
                        self.len
                    } else {
                        params.len()
                    }
                ),
                found: format!("[{}] parameters, [{}] gradient", params.len(), grad.len()),
            });
        }
        if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
            return Err(snn_model::SnnError::InvalidValue {
                field: format!("gradient[{i}]"),
                value: grad[i].to_string(),
                reason: "must be finite".into(),
            });
        }
        self.len = params.len();
        for (p, g) in params.iter_mut().zip(grad) {
            *p -= self.lr * g;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.len = 0;
    }
}

fn check_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err(ViError::argument(
            "learning rate",
            format!("must be finite and positive, got {lr}"),
        ))
    }
}

/// Which optimiser to train with.
///
/// ```
/// use vi_train::vi::OptimizerKind;
/// assert_eq!(OptimizerKind::default(), OptimizerKind::Adagrad);
/// let mut opt = OptimizerKind::Adam.build(0.1)?;
/// let mut x = [0.0];
/// opt.step(&mut x, &[1.0])?;
/// assert!(x[0] < 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptimizerKind {
    /// Adagrad (torch's: `ε = 1e-10`), the reference's.
    #[default]
    Adagrad,
    /// Adam with `β1 = 0.9`, `β2 = 0.999`, `ε = 1e-8`.
    Adam,
    /// Plain gradient descent.
    Sgd,
}

impl OptimizerKind {
    /// A fresh optimiser with learning rate `lr` (finite, `> 0`).
    ///
    /// ```
    /// assert!(vi_train::vi::OptimizerKind::Sgd.build(-1.0).is_err());
    /// ```
    pub fn build(self, lr: f64) -> Result<Box<dyn Optimizer + Send>> {
        check_rate(lr)?;
        Ok(match self {
            OptimizerKind::Adagrad => Box::new(Adagrad::new(lr)?),
            OptimizerKind::Adam => Box::new(Adam::new(lr)?),
            OptimizerKind::Sgd => Box::new(Sgd::new(lr)?),
        })
    }

    /// The name used on the command line (`adagrad`, `adam`, `sgd`).
    ///
    /// ```
    /// assert_eq!(vi_train::vi::OptimizerKind::Adam.name(), "adam");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd => "sgd",
        }
    }
}
