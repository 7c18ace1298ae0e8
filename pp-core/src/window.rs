//! The observation window `[t0, t1]`.

use crate::error::{PpError, Result};

/// A finite observation window `[t0, t1]` with `t0 < t1`.
///
/// ```
/// use pp_core::Window;
/// let w = Window::new(0.0, 50.0)?;
/// assert_eq!(w.duration(), 50.0);
/// assert!(w.contains(50.0) && !w.contains(50.1));
/// assert!(Window::new(2.0, 1.0).is_err());
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    t0: f64,
    t1: f64,
}

impl Window {
    /// A window from `t0` to `t1`; both finite, `t0 < t1`.
    ///
    /// ```
    /// assert!(pp_core::Window::new(0.0, 1.0).is_ok());
    /// assert!(pp_core::Window::new(1.0, 1.0).is_err());
    /// ```
    pub fn new(t0: f64, t1: f64) -> Result<Self> {
        if t0.is_finite() && t1.is_finite() && t0 < t1 {
            Ok(Self { t0, t1 })
        } else {
            Err(PpError::InvalidWindow { t0, t1 })
        }
    }

    /// Start of the window.
    ///
    /// ```
    /// assert_eq!(pp_core::Window::new(1.0, 2.0).unwrap().t0(), 1.0);
    /// ```
    #[inline]
    pub fn t0(&self) -> f64 {
        self.t0
    }

    /// End of the window.
    ///
    /// ```
    /// assert_eq!(pp_core::Window::new(1.0, 2.0).unwrap().t1(), 2.0);
    /// ```
    #[inline]
    pub fn t1(&self) -> f64 {
        self.t1
    }

    /// `t1 - t0`.
    ///
    /// ```
    /// assert_eq!(pp_core::Window::new(1.0, 4.0).unwrap().duration(), 3.0);
    /// ```
    #[inline]
    pub fn duration(&self) -> f64 {
        self.t1 - self.t0
    }

    /// Whether `t0 <= t <= t1`.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0).unwrap();
    /// assert!(w.contains(0.0) && w.contains(1.0) && !w.contains(-1e-9));
    /// ```
    #[inline]
    pub fn contains(&self, t: f64) -> bool {
        self.t0 <= t && t <= self.t1
    }
}
