"""The exponential Hawkes process: simulation, likelihood against its closed form, gradient
against finite differences, and maximum-likelihood recovery."""

import math

import numpy as np
import pytest

import diffsnn


def test_one_dimensional_likelihood_closed_form():
    h = diffsnn.ExpHawkes([0.7], [[0.4]], 1.3)
    s = diffsnn.SpikeTrain([0.5, 1.0, 2.5], [0, 0, 0], (0.0, 4.0), 1)
    mu, a, b, T, t = 0.7, 0.4, 1.3, 4.0, [0.5, 1.0, 2.5]
    lam = [mu + a * b * sum(math.exp(-b * (ti - tj)) for tj in t if tj < ti) for ti in t]
    comp = mu * T + a * sum(1 - math.exp(-b * (T - tj)) for tj in t)
    expected = sum(math.log(x) for x in lam) - comp
    assert h.log_likelihood(s)[0] == pytest.approx(expected, rel=1e-13)


def test_gradient_matches_central_differences():
    h = diffsnn.ExpHawkes([0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 2.0)
    s = h.simulate(200.0, seed=2)[0]
    value, grad = h.log_likelihood_gradient(s)
    params = np.concatenate([h.mu, h.alpha.ravel(), [h.beta]])
    for i in range(params.size):
        e = 1e-6 * max(1.0, abs(params[i]))
        up, down = params.copy(), params.copy()
        up[i] += e
        down[i] -= e
        f = lambda p: diffsnn.ExpHawkes(p[:2], p[2:6].reshape(2, 2), p[6]).log_likelihood(s)[0]
        assert grad[i] == pytest.approx((f(up) - f(down)) / (2 * e), rel=1e-5, abs=1e-6)


def test_fit_recovers_the_truth_within_standard_errors():
    truth = diffsnn.ExpHawkes([0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 2.0)
    data = truth.simulate(5000.0, sequences=2, seed=11)
    fit = diffsnn.ExpHawkes.fit(data, 2.0)
    assert fit["converged"] and fit["n_events"] == sum(len(s) for s in data)
    z_mu = (fit["model"].mu - truth.mu) / fit["se_mu"]
    z_alpha = (fit["model"].alpha - truth.alpha) / fit["se_alpha"]
    assert np.all(np.abs(z_mu) < 4) and np.all(np.abs(z_alpha) < 4)
    # the maximum is a maximum: the truth's likelihood is lower
    assert fit["log_likelihood"] >= truth.log_likelihood(data).sum()


def test_explosive_process_is_refused():
    with pytest.raises(ValueError, match="^max_events: more than .* candidates .*spectral radius 1.500"):
        diffsnn.ExpHawkes([1.0], [[1.5]], 1.0).simulate(1000.0, max_events=1000)
    with pytest.raises(ValueError, match="alpha: must have shape \\(2, 2\\)"):
        diffsnn.ExpHawkes([1.0, 1.0], [[0.5]], 1.0)
