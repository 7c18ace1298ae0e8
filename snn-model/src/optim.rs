//! Small first-order optimisers on flat parameter vectors (minimisation): Adagrad, as the
//! reference, Adam and plain gradient descent ([`Sgd`]), and [`OptimizerKind`] to choose one
//! by name. The workspace's one home of optimisers (full-batch maximum likelihood here,
//! variational training in vi-train).

use crate::error::{Result, SnnError};

/// A first-order optimiser that *minimises*: `step(params, grad)` moves `params` against
/// `grad` (pass the negative gradient of a log-likelihood to maximise it).
///
/// ```
/// use snn_model::optim::{Adam, Optimizer};
/// // minimise (x − 3)²
/// let mut x = [0.0];
/// let mut opt = Adam::new(0.1)?;
/// for _ in 0..500 {
///     let g = [2.0 * (x[0] - 3.0)];
///     opt.step(&mut x, &g)?;
/// }
/// assert!((x[0] - 3.0).abs() < 1e-3);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub trait Optimizer {
    /// One update. `params` and `grad` have the same length, fixed at the first call.
    fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()>;

    /// Forgets the accumulated state (e.g. before a new fit).
    fn reset(&mut self);

    /// The accumulated state (step count and per-parameter buffers), to save a run and resume
    /// it exactly ([`restore`](Self::restore)).
    fn state(&self) -> OptimizerState;

    /// Takes up a saved [`state`](Self::state): the same kind of optimiser, buffers of one
    /// length (or none, a fresh optimiser), finite values.
    fn restore(&mut self, state: &OptimizerState) -> Result<()>;
}

/// What an optimiser has accumulated: the number of steps taken and its per-parameter
/// buffers (Adagrad: the sums of squared gradients; Adam: the first and second moments; SGD:
/// none).
///
/// ```
/// use snn_model::optim::{Adagrad, Optimizer};
/// let mut a = Adagrad::new(0.1)?;
/// let mut x = [1.0, 2.0];
/// a.step(&mut x, &[0.5, -1.0])?;
/// let saved = a.state();
/// let mut b = Adagrad::new(0.1)?;
/// b.restore(&saved)?;
/// let (mut xa, mut xb) = (x, x);
/// a.step(&mut xa, &[0.25, 0.75])?;
/// b.step(&mut xb, &[0.25, 0.75])?;
/// assert_eq!(xa, xb); // the same bits as without the interruption
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState {
    /// The optimiser it belongs to.
    pub kind: OptimizerKind,
    /// Steps taken, where the optimiser counts them (Adam's bias correction; 0 otherwise).
    pub steps: u64,
    /// Its per-parameter buffers, in the optimiser's own order.
    pub buffers: Vec<Vec<f64>>,
}

/// Checks that `state` can be taken up by an optimiser of `kind` with `count` buffers.
fn check_state(state: &OptimizerState, kind: OptimizerKind, count: usize) -> Result<()> {
    if state.kind != kind {
        return Err(SnnError::invalid(
            "optimiser state",
            state.kind.name(),
            format!("was saved by another optimiser than {}", kind.name()),
        ));
    }
    if state.buffers.len() != count {
        return Err(SnnError::shape(
            "optimiser state buffers",
            format!("{count} buffers"),
            format!("{} buffers", state.buffers.len()),
        ));
    }
    let len = state.buffers.first().map_or(0, Vec::len);
    for (b, buffer) in state.buffers.iter().enumerate() {
        if buffer.len() != len {
            return Err(SnnError::shape(
                format!("optimiser state buffer {b}"),
                format!("[{len}]"),
                format!("[{}]", buffer.len()),
            ));
        }
        if let Some(i) = buffer.iter().position(|v| !v.is_finite()) {
            return Err(SnnError::invalid(
                format!("optimiser state buffer {b}[{i}]"),
                buffer[i],
                "must be finite",
            ));
        }
    }
    Ok(())
}

fn check_lengths(state_len: usize, params: &[f64], grad: &[f64]) -> Result<()> {
    if params.len() != grad.len() {
        return Err(SnnError::shape(
            "gradient",
            format!("[{}] (as the parameters)", params.len()),
            format!("[{}]", grad.len()),
        ));
    }
    if state_len != 0 && state_len != params.len() {
        return Err(SnnError::shape(
            "parameters",
            format!("[{state_len}] (as at the first step)"),
            format!("[{}]", params.len()),
        ));
    }
    if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
        return Err(SnnError::invalid(
            format!("gradient[{i}]"),
            grad[i],
            "must be finite",
        ));
    }
    Ok(())
}

fn check_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err(SnnError::invalid(
            "learning rate",
            lr,
            "must be finite and positive",
        ))
    }
}

/// Adagrad (Duchi et al. 2011) as in torch: `G += g²`, `θ −= lr · g / (√G + ε)` with
/// `ε = 1e-10`. The reference trains with `lr = 5e-2`.
///
/// ```
/// use snn_model::optim::{Adagrad, Optimizer};
/// let mut x = [1.0];
/// let mut opt = Adagrad::new(0.5)?;
/// opt.step(&mut x, &[2.0])?;
/// assert!((x[0] - 0.5).abs() < 1e-9); // first step moves by lr·sign(g)
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adagrad {
    lr: f64,
    eps: f64,
    sum_sq: Vec<f64>,
}

impl Adagrad {
    /// Adagrad with learning rate `lr > 0`.
    ///
    /// ```
    /// assert!(snn_model::optim::Adagrad::new(-1.0).is_err());
    /// ```
    pub fn new(lr: f64) -> Result<Self> {
        check_rate(lr)?;
        Ok(Self {
            lr,
            eps: 1e-10,
            sum_sq: Vec::new(),
        })
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        check_lengths(self.sum_sq.len(), params, grad)?;
        if self.sum_sq.is_empty() {
            self.sum_sq = vec![0.0; params.len()];
        }
        for ((p, &g), s) in params.iter_mut().zip(grad).zip(&mut self.sum_sq) {
            *s += g * g;
            *p -= self.lr * g / (s.sqrt() + self.eps);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.sum_sq.clear();
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            kind: OptimizerKind::Adagrad,
            steps: 0,
            buffers: vec![self.sum_sq.clone()],
        }
    }

    fn restore(&mut self, state: &OptimizerState) -> Result<()> {
        check_state(state, OptimizerKind::Adagrad, 1)?;
        self.sum_sq.clone_from(&state.buffers[0]);
        Ok(())
    }
}

/// Adam (Kingma & Ba 2015) with bias correction; `β1 = 0.9`, `β2 = 0.999`, `ε = 1e-8`.
///
/// ```
/// use snn_model::optim::{Adam, Optimizer};
/// let mut x = [1.0];
/// let mut opt = Adam::new(0.1)?;
/// opt.step(&mut x, &[5.0])?;
/// assert!((x[0] - 0.9).abs() < 1e-6); // first step moves by lr·sign(g)
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    t: i32,
    m: Vec<f64>,
    v: Vec<f64>,
}

impl Adam {
    /// Adam with learning rate `lr > 0` and the usual moments.
    ///
    /// ```
    /// assert!(snn_model::optim::Adam::new(0.0).is_err());
    /// ```
    pub fn new(lr: f64) -> Result<Self> {
        check_rate(lr)?;
        Ok(Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            t: 0,
            m: Vec::new(),
            v: Vec::new(),
        })
    }
}

impl Optimizer for Adam {
    fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        check_lengths(self.m.len(), params, grad)?;
        if self.m.is_empty() {
            self.m = vec![0.0; params.len()];
            self.v = vec![0.0; params.len()];
        }
        self.t = self.t.saturating_add(1);
        let c1 = 1.0 - self.beta1.powi(self.t);
        let c2 = 1.0 - self.beta2.powi(self.t);
        for i in 0..params.len() {
            let g = grad[i];
            self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * g;
            self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * g * g;
            let mh = self.m[i] / c1;
            let vh = self.v[i] / c2;
            params[i] -= self.lr * mh / (vh.sqrt() + self.eps);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.t = 0;
        self.m.clear();
        self.v.clear();
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            kind: OptimizerKind::Adam,
            steps: self.t as u64,
            buffers: vec![self.m.clone(), self.v.clone()],
        }
    }

    fn restore(&mut self, state: &OptimizerState) -> Result<()> {
        check_state(state, OptimizerKind::Adam, 2)?;
        self.t = i32::try_from(state.steps).map_err(|_| {
            SnnError::invalid("optimiser state steps", state.steps, "too many for Adam")
        })?;
        self.m.clone_from(&state.buffers[0]);
        self.v.clone_from(&state.buffers[1]);
        Ok(())
    }
}

/// Plain gradient descent: `θ −= lr · g`.
///
/// ```
/// use snn_model::optim::Optimizer;
/// let mut x = [1.0];
/// let mut opt = snn_model::optim::Sgd::new(0.25)?;
/// opt.step(&mut x, &[2.0])?;
/// assert_eq!(x[0], 0.5);
/// # Ok::<(), snn_model::SnnError>(())
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
    /// assert!(snn_model::optim::Sgd::new(0.0).is_err());
    /// ```
    pub fn new(lr: f64) -> Result<Self> {
        check_rate(lr)?;
        Ok(Self { lr, len: 0 })
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut [f64], grad: &[f64]) -> Result<()> {
        check_lengths(self.len, params, grad)?;
        self.len = params.len();
        for (p, g) in params.iter_mut().zip(grad) {
            *p -= self.lr * g;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.len = 0;
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            kind: OptimizerKind::Sgd,
            steps: 0,
            buffers: Vec::new(),
        }
    }

    fn restore(&mut self, state: &OptimizerState) -> Result<()> {
        check_state(state, OptimizerKind::Sgd, 0)?;
        Ok(())
    }
}

/// Which optimiser to train with.
///
/// ```
/// use snn_model::optim::OptimizerKind;
/// assert_eq!(OptimizerKind::default(), OptimizerKind::Adagrad);
/// let mut opt = OptimizerKind::Adam.build(0.1)?;
/// let mut x = [0.0];
/// opt.step(&mut x, &[1.0])?;
/// assert!(x[0] < 0.0);
/// # Ok::<(), snn_model::SnnError>(())
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
    /// assert!(snn_model::optim::OptimizerKind::Sgd.build(-1.0).is_err());
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
    /// assert_eq!(snn_model::optim::OptimizerKind::Adam.name(), "adam");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd => "sgd",
        }
    }
}
