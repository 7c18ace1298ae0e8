//! The error type of `vi-train`.

use thiserror::Error;

/// Everything that can go wrong in `vi-train`: a setting out of its domain, inputs that do not
/// fit together, training that diverged, and the errors of the lower layers, wrapped with
/// their meaning kept ([`pp_core::PpError`], [`snn_model::SnnError`],
/// [`diffpp::DiffppError`]). The message of each variant can be shown to a user as it is.
///
/// ```
/// use vi_train::ViError;
/// let err = vi_train::vi::TrainConfig { batch_size: 0, ..Default::default() }.check().unwrap_err();
/// assert!(matches!(err, ViError::InvalidArgument { .. }));
/// assert_eq!(err.to_string(), "batch size: must be at least 1");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ViError {
    /// An error of the point-process layer (sequence, window, compensator).
    #[error(transparent)]
    Pp(#[from] pp_core::PpError),

    /// An error of the SNN layer (model, model file, likelihood, simulation).
    #[error(transparent)]
    Snn(#[from] snn_model::SnnError),

    /// A setting or a combination of settings is invalid.
    #[error("{name}: {reason}")]
    InvalidArgument {
        /// The setting, e.g. `learning rate`.
        name: String,
        /// What was wrong.
        reason: String,
    },

    /// Two inputs disagree (a model and its data, a model and its variational network).
    #[error("{reason}")]
    Mismatch {
        /// What disagrees, with the values and the files.
        reason: String,
    },

    /// A computation produced a value that cannot be reported (NaN or infinite).
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The computation.
        what: &'static str,
        /// What happened.
        detail: String,
    },

    /// An error of the differentiable point process (∂PP sampler, reverse sweep).
    #[error(transparent)]
    Diffpp(#[from] diffpp::DiffppError),

    /// A numerical failure met where a [`BatchGradients`](crate::vi::BatchGradients) source
    /// computed a gradient (another process or machine), with the reason as the trainer words
    /// it there ([`divergence_reason`](crate::vi::divergence_reason)).
    #[error("{reason}")]
    Elsewhere {
        /// The failure and its remedy.
        reason: String,
    },

    /// Training diverged: the loss, a gradient or the parameters stopped being finite (or the
    /// loss exceeded the configured limit). Training stops with this error instead of
    /// writing NaN parameters.
    #[error("training diverged at epoch {epoch}, sequence {sequence}: {reason}")]
    Diverged {
        /// The epoch (1-based, as in the loss curve).
        epoch: usize,
        /// The index of the sequence being processed (the first of its mini-batch).
        sequence: usize,
        /// What stopped being finite, or the error met.
        reason: String,
    },
}

impl ViError {
    /// Whether the error is a numerical failure (non-finite values) met in a computation, in
    /// this crate or the layers under it; the trainer reports those as divergence
    /// ([`ViError::Diverged`], which is not itself counted here).
    ///
    /// ```
    /// let e = vi_train::ViError::from(pp_core::PpError::NonFinite { what: "x", index: 0, value: f64::NAN });
    /// assert!(e.is_numerical());
    /// assert!(!vi_train::ViError::argument("beta", "must be finite").is_numerical());
    /// ```
    pub fn is_numerical(&self) -> bool {
        match self {
            ViError::Numerical { .. } | ViError::Elsewhere { .. } => true,
            ViError::Pp(p) => p.is_numerical(),
            ViError::Snn(s) => s.is_numerical(),
            ViError::Diffpp(d) => d.is_numerical(),
            _ => false,
        }
    }

    /// An invalid setting.
    ///
    /// ```
    /// let e = vi_train::ViError::argument("learning rate", "must be positive, got -1");
    /// assert_eq!(e.to_string(), "learning rate: must be positive, got -1");
    /// ```
    pub fn argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ViError::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias for `vi-train`.
pub type Result<T> = std::result::Result<T, ViError>;
