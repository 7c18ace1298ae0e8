//! Every bad input returns its typed error variant (and never panics).

use pp_core::{
    ClosedForm, Compensator, EventSequence, ExpHawkes, GaussLegendre, History,
    InhomogeneousPoisson, LogLikelihood, LogLikelihoodGradient, MonteCarlo, Parametric, Poisson,
    PpError, Quadrature, Window, event_log_intensity_sum, log_likelihood,
};

fn w() -> Window {
    Window::new(0.0, 10.0).unwrap()
}

#[test]
fn sequence_errors() {
    assert!(matches!(
        EventSequence::new(w(), 1, vec![1.0, 0.5], vec![0, 0]),
        Err(PpError::Unsorted {
            index: 1,
            previous: 1.0,
            time: 0.5
        })
    ));
    assert!(matches!(
        EventSequence::new(w(), 1, vec![1.0, 1.0], vec![0, 0]),
        Err(PpError::DuplicateTime {
            index: 1,
            time: 1.0
        })
    ));
    assert!(matches!(
        EventSequence::new(w(), 1, vec![1.0, 11.0], vec![0, 0]),
        Err(PpError::OutsideWindow { index: 1, .. })
    ));
    assert!(matches!(
        EventSequence::new(w(), 1, vec![-0.1], vec![0]),
        Err(PpError::OutsideWindow { index: 0, .. })
    ));
    assert!(matches!(
        EventSequence::new(w(), 2, vec![1.0, 2.0], vec![0, 2]),
        Err(PpError::MarkOutOfRange {
            index: 1,
            mark: 2,
            dim: 2
        })
    ));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(
            EventSequence::new(w(), 1, vec![1.0, bad], vec![0, 0]),
            Err(PpError::NonFiniteTime { index: 1, .. })
        ));
        assert!(matches!(
            EventSequence::from_unsorted(w(), 1, &[(1.0, 0), (bad, 0)]),
            Err(PpError::NonFiniteTime { index: 1, .. })
        ));
        assert!(matches!(
            History::new(&[bad], &[0]),
            Err(PpError::NonFiniteTime { index: 0, .. })
        ));
    }
    // the message says which event and what time, and huge times stay short
    let e = EventSequence::new(w(), 1, vec![1.0, f64::NAN], vec![0, 0]).unwrap_err();
    assert_eq!(e.to_string(), "event 1 at time NaN: times must be finite");
    let huge = pp_core::Window::new(0.0, 1e300).unwrap();
    let e = EventSequence::new(huge, 1, vec![3e299, 1e298], vec![0, 0]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "event 1 at time 1e298 comes before the previous event at 3e299: times must be increasing"
    );
    // from_unsorted reports per-event errors with the caller's index
    assert!(matches!(
        EventSequence::from_unsorted(w(), 2, &[(5.0, 0), (1.0, 0), (11.0, 1)]),
        Err(PpError::OutsideWindow { index: 2, .. })
    ));
    assert!(matches!(
        EventSequence::from_unsorted(w(), 2, &[(5.0, 0), (1.0, 3)]),
        Err(PpError::MarkOutOfRange {
            index: 1,
            mark: 3,
            ..
        })
    ));
    assert!(matches!(
        EventSequence::from_unsorted(w(), 2, &[(5.0, 0), (1.0, 1), (5.0, 1)]),
        Err(PpError::DuplicateTime {
            index: 2,
            time: 5.0
        })
    ));
    assert!(matches!(
        EventSequence::from_unsorted(w(), 0, &[]),
        Err(PpError::InvalidArgument { name: "dim", .. })
    ));
    assert!(matches!(
        EventSequence::new(w(), 1, vec![1.0, 2.0], vec![0]),
        Err(PpError::LengthMismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        History::new(&[1.0], &[]),
        Err(PpError::LengthMismatch { .. })
    ));
    assert!(matches!(
        History::new(&[1.0, 1.0], &[0, 0]),
        Err(PpError::DuplicateTime { .. })
    ));
    assert!(matches!(
        History::new(&[2.0, 1.0], &[0, 0]),
        Err(PpError::Unsorted { .. })
    ));
    assert!(matches!(
        EventSequence::new(w(), 0, vec![], vec![]),
        Err(PpError::InvalidArgument { name: "dim", .. })
    ));
    let mut seq = EventSequence::new(w(), 2, vec![5.0], vec![0]).unwrap();
    assert!(matches!(seq.push(4.0, 0), Err(PpError::Unsorted { .. })));
    assert!(matches!(
        seq.push(5.0, 0),
        Err(PpError::DuplicateTime { .. })
    ));
    assert!(matches!(
        seq.push(12.0, 0),
        Err(PpError::OutsideWindow { .. })
    ));
    assert!(matches!(
        seq.push(6.0, 7),
        Err(PpError::MarkOutOfRange { .. })
    ));
    assert!(matches!(
        seq.push(f64::NAN, 0),
        Err(PpError::NonFiniteTime { .. })
    ));
    assert_eq!(seq.len(), 1, "failed pushes leave the sequence unchanged");
    assert!(matches!(
        seq.split_dimensions(0),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        seq.split_dimensions(2),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        seq.select_dimensions(&[]),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        seq.select_dimensions(&[0, 0]),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        seq.select_dimensions(&[2]),
        Err(PpError::MarkOutOfRange { .. })
    ));
}

#[test]
fn window_errors() {
    for (t0, t1) in [
        (1.0, 0.0),
        (1.0, 1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        let err = Window::new(t0, t1).unwrap_err();
        assert!(matches!(err, PpError::InvalidWindow { .. }), "{t0}, {t1}");
    }
}

#[test]
fn poisson_errors() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            Poisson::new(vec![1.0, bad]),
            Err(PpError::InvalidParameter { ref name, .. }) if name == "rate[1]"
        ));
    }
    assert!(matches!(
        Poisson::new(vec![]),
        Err(PpError::InvalidArgument { .. })
    ));
    let mut model = Poisson::new(vec![1.0]).unwrap();
    assert!(matches!(
        model.set_params(&[1.0, 2.0]),
        Err(PpError::LengthMismatch { .. })
    ));
    assert!(matches!(
        model.set_params(&[-2.0]),
        Err(PpError::InvalidParameter { .. })
    ));
    assert_eq!(model.rates(), &[1.0]);
    let seq2 = EventSequence::empty(w(), 2).unwrap();
    assert!(matches!(
        model.log_likelihood(&seq2),
        Err(PpError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        log_likelihood(&model, &seq2, &ClosedForm),
        Err(PpError::DimensionMismatch { .. })
    ));
    let mut grad = [0.0; 2];
    let seq1 = EventSequence::empty(w(), 1).unwrap();
    assert!(matches!(
        model.log_likelihood_gradient(&seq1, &mut grad),
        Err(PpError::LengthMismatch { .. })
    ));
}

#[test]
fn hawkes_errors() {
    let bad_cases: Vec<(Vec<f64>, Vec<f64>, f64, &str)> = vec![
        (vec![0.0], vec![0.1], 1.0, "mu[0]"),
        (vec![-1.0], vec![0.1], 1.0, "mu[0]"),
        (vec![f64::NAN], vec![0.1], 1.0, "mu[0]"),
        (
            vec![1.0, 1.0],
            vec![0.1, 0.1, -0.2, 0.1],
            1.0,
            "alpha[1][0]",
        ),
        (vec![1.0], vec![f64::INFINITY], 1.0, "alpha[0][0]"),
        (vec![1.0], vec![0.1], 0.0, "beta"),
        (vec![1.0], vec![0.1], -2.0, "beta"),
        (vec![1.0], vec![0.1], f64::NAN, "beta"),
    ];
    for (mu, alpha, beta, which) in bad_cases {
        match ExpHawkes::new(mu, alpha, beta) {
            Err(PpError::InvalidParameter { name, .. }) => assert_eq!(name, which),
            other => panic!("{which}: {other:?}"),
        }
    }
    assert!(matches!(
        ExpHawkes::new(vec![1.0, 1.0], vec![0.1; 3], 1.0),
        Err(PpError::LengthMismatch {
            expected: 4,
            found: 3,
            ..
        })
    ));
    assert!(matches!(
        ExpHawkes::new(vec![], vec![], 1.0),
        Err(PpError::InvalidArgument { .. })
    ));
    let mut model = ExpHawkes::new(vec![1.0], vec![0.1], 1.0).unwrap();
    assert!(matches!(
        model.set_params(&[1.0, 0.1]),
        Err(PpError::LengthMismatch { .. })
    ));
    assert!(matches!(
        model.set_params(&[1.0, -0.1, 1.0]),
        Err(PpError::InvalidParameter { .. })
    ));
    assert_eq!(
        model.params(),
        vec![1.0, 0.1, 1.0],
        "unchanged after a failed set"
    );
    let seq2 = EventSequence::empty(w(), 2).unwrap();
    assert!(matches!(
        model.log_likelihood(&seq2),
        Err(PpError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        model.time_rescale(&seq2),
        Err(PpError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        event_log_intensity_sum(&model, &seq2),
        Err(PpError::DimensionMismatch { .. })
    ));
    let explosive = ExpHawkes::new(vec![1.0], vec![1.0], 1.0).unwrap();
    assert!(matches!(
        explosive.stationary_rates(),
        Err(PpError::NotStationary { .. })
    ));
}

#[test]
fn compensator_argument_errors() {
    assert!(matches!(
        GaussLegendre::new(0),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        GaussLegendre::new(257),
        Err(PpError::InvalidArgument { .. })
    ));
    assert!(matches!(
        Quadrature::new(0, 1e-10, 0.0, 10),
        Err(PpError::InvalidArgument { .. })
    ));
    for (rel, abs) in [
        (-1.0, 0.0),
        (0.0, 0.0),
        (f64::NAN, 1e-10),
        (1e-10, f64::INFINITY),
    ] {
        assert!(
            matches!(
                Quadrature::new(8, rel, abs, 10),
                Err(PpError::InvalidArgument { .. })
            ),
            "{rel}, {abs}"
        );
    }
    assert!(matches!(
        MonteCarlo::new(0, 1),
        Err(PpError::InvalidArgument {
            name: "n_points",
            ..
        })
    ));

    let model = Poisson::new(vec![1.0, 2.0]).unwrap();
    let seq = EventSequence::new(w(), 2, vec![1.0], vec![1]).unwrap();
    let mut out = [0.0; 2];
    let quad = Quadrature::default();
    let mc = MonteCarlo::new(10, 1).unwrap();
    // reversed, outside the window, non-finite
    for (a, b) in [(5.0, 4.0), (-1.0, 4.0), (1.0, 11.0), (f64::NAN, 1.0)] {
        assert!(matches!(
            ClosedForm.integrate(&model, &seq, a, b, &mut out),
            Err(PpError::InvalidArgument { .. })
        ));
        assert!(matches!(
            quad.integrate(&model, &seq, a, b, &mut out),
            Err(PpError::InvalidArgument { .. })
        ));
        assert!(matches!(
            mc.integrate(&model, &seq, a, b, &mut out),
            Err(PpError::InvalidArgument { .. })
        ));
    }
    // wrong output buffer
    let mut short = [0.0; 1];
    assert!(matches!(
        quad.integrate(&model, &seq, 0.0, 1.0, &mut short),
        Err(PpError::LengthMismatch { .. })
    ));
    // dimension mismatch
    let seq3 = EventSequence::empty(w(), 3).unwrap();
    assert!(matches!(
        quad.total(&model, &seq3),
        Err(PpError::DimensionMismatch { .. })
    ));
    assert!(matches!(
        mc.total(&model, &seq3),
        Err(PpError::DimensionMismatch { .. })
    ));
}

/// An intensity that is zero where an event happened makes the log-likelihood `-inf`: that is
/// an error naming the event, not a silent `-inf`; a negative or NaN rate makes the
/// compensators fail with `Numerical`.
#[test]
fn non_positive_intensities_are_errors() {
    let zero_after_5 = pp_core::InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| {
        out[0] = if t < 5.0 { 1.0 } else { 0.0 };
    })
    .unwrap()
    .with_breakpoints(vec![5.0]);
    let seq = EventSequence::new(w(), 1, vec![1.0, 6.0], vec![0, 0]).unwrap();
    assert!(matches!(
        event_log_intensity_sum(&zero_after_5, &seq),
        Err(PpError::NonPositiveIntensity {
            index: 1,
            mark: 0,
            ..
        })
    ));
    let nan_rate =
        pp_core::InhomogeneousPoisson::new(1, |_t: f64, out: &mut [f64]| out[0] = f64::NAN)
            .unwrap();
    assert!(matches!(
        Quadrature::default().total(&nan_rate, &seq),
        Err(PpError::Numerical { .. })
    ));
    assert!(matches!(
        MonteCarlo::new(5, 0).unwrap().total(&nan_rate, &seq),
        Err(PpError::Numerical { .. })
    ));
}

#[test]
fn error_messages_say_what_and_where() {
    let err = EventSequence::new(w(), 2, vec![1.0, 2.0], vec![0, 5]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("event 1") && msg.contains("mark 5") && msg.contains("2 dimensions"),
        "{msg}"
    );
    let err = ExpHawkes::new(vec![1.0], vec![0.1], -1.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("beta") && err.contains("-1"), "{err}");
    let err = PpError::TooFewEvents {
        dim: 3,
        found: 0,
        needed: 1,
    }
    .to_string();
    assert!(err.contains("dimension 3"), "{err}");
}

/// A piece that needs more sub-intervals than allowed is an error naming the piece, not an
/// endless bisection: a steep (smooth) rise forces bisection around it.
#[test]
fn the_quadrature_budget_per_piece_is_an_error() {
    let steep = |t: f64, out: &mut [f64]| out[0] = 1.0 + 4.0 / (1.0 + (-1e4 * (t - 1.2)).exp());
    let model = InhomogeneousPoisson::new(1, steep).unwrap();
    let seq = EventSequence::empty(Window::new(0.0, 4.0).unwrap(), 1).unwrap();
    let tight = Quadrature::default().with_max_subintervals(8).unwrap();
    let err = tight.total(&model, &seq).unwrap_err();
    assert!(
        matches!(&err, PpError::Numerical { detail, .. } if detail.contains("more than 8 sub-intervals")),
        "{err}"
    );
    // with the default budget the same rise is integrated, to the tolerance
    let v = Quadrature::default().total(&model, &seq).unwrap();
    // ∫_0^4 1 + 4σ(k(t − 1.2)) dt = 4 + (4/k)[ln(1 + e^{k(t − 1.2)})]_0^4
    let k = 1e4f64;
    let exact = 4.0 + 4.0 * 2.8 + 4.0 / k * ((-2.8 * k).exp().ln_1p() - (-1.2 * k).exp().ln_1p());
    assert!((v - exact).abs() < 1e-8 * exact, "{v} vs {exact}");
}
