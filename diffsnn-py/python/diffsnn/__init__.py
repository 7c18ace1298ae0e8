"""diffsnn: spiking neural networks with hidden neurons and point processes, in Rust.

Exact simulation, exact likelihoods and trustworthy gradients for the spike-response-model
network of Kajino (ICML 2021), trained with the differentiable point process (path-wise
gradients) or the score function, and the multivariate exponential Hawkes process. The
functions here are those of the ``diffsnn`` program (``diffsnn --help``) on numpy arrays:
the same settings, defaults, results (to the bit, for a given seed) and messages.

>>> import diffsnn
>>> truth = diffsnn.Model.random(2, 1, seed=7)
>>> trains = [s.select([0, 1]) for s in truth.simulate(50.0, sequences=4, seed=1)]
>>> result = diffsnn.fit(trains, hidden=1, estimator="pathwise", epochs=2)
>>> len(result.losses)
2
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _native
from ._native import ExpHawkes, FitResult, Model, NumericalError, read_spikes, write_spikes
from ._spikes import SpikeTrain

__all__ = [
    "ExpHawkes",
    "FitResult",
    "Model",
    "NumericalError",
    "SpikeTrain",
    "evaluate",
    "fit",
    "read_spikes",
    "write_spikes",
]

Trains = Union[SpikeTrain, Sequence[SpikeTrain]]


def fit(
    trains: Trains,
    hidden: int,
    *,
    init: Optional[Model] = None,
    callback: Optional[Callable[[int, float, Model], Any]] = None,
    **options: Any,
) -> FitResult:
    """Fits a spiking network to observed spike trains, as ``diffsnn fit`` does.

    Every neuron of ``trains`` is observed; ``hidden`` hidden neurons are added after them.
    With ``hidden >= 1`` the network is trained by variational inference (docs/math.md §6):
    per sequence (or mini-batch) an E step and an M step, path-wise (``estimator="pathwise"``,
    the ∂SNN) or score-function (``estimator="score"``) gradients. With ``hidden = 0`` it is
    fitted by maximum likelihood with the exact gradient, one full-batch step per epoch.

    ``options`` are the program's options, spelled as keywords, with its defaults:
    ``estimator`` (``"pathwise"`` or ``"score"``, required with hidden neurons),
    ``epochs=10``, ``seed=0``, ``lr=0.05``, ``optimizer="adagrad"`` (``"adam"``, ``"sgd"``),
    ``temperature=0.3``, ``temperature_decay=0.95``, ``compensator="quadrature"``
    (``"monte-carlo"``), ``mc_points``, ``step="em"`` (``"joint"``), ``batch_size=1``,
    ``shuffle=False``, ``beta=1.0``, ``regularisation=0.1``, ``baseline="none"``
    (``"running-mean"``), ``baseline_decay=0.9``, ``amplitude=5.0``, ``n_basis=2``,
    ``separate_variational=False``, ``patience``, ``window_length``, ``lead_in`` (seconds
    sampled but not scored before each window or at the start of each sequence; with
    ``window_length`` the kernel support by default); and the program's outputs,
    all optional here: ``out`` (a file for the trained model, also the stem of the
    checkpoints' names), ``loss_csv``, ``checkpoint_every`` and ``resume`` (a state checkpoint
    of the package's or the program's, continued to the same bits as a run never
    interrupted). ``diffsnn fit --help`` explains each. The initial model is ``init`` or the
    reference's random one from ``seed``.

    ``callback(epoch, loss, model)`` is called after every epoch with the model ``p`` as it
    then is; returning ``True`` stops the run. A pending ``KeyboardInterrupt`` is raised after
    the epoch. The GIL is released while training (between callbacks).

    A run with the same seed gives the same model bits as ``diffsnn fit``, for any number of
    threads. Raises ``ValueError`` for a wrong setting or train (naming it), ``TypeError``
    for an unknown keyword, ``NumericalError`` when training diverges (with the remedy).

    >>> import diffsnn
    >>> truth = diffsnn.Model.random(2, 0, seed=3)
    >>> trains = truth.simulate(20.0, sequences=3, seed=1)
    >>> seen = []
    >>> r = diffsnn.fit(trains, 0, epochs=5, callback=lambda e, loss, m: seen.append(e) or e == 2)
    >>> (seen, r.stopped_by_callback, r.model.n_neurons)
    ([1, 2], True, 2)
    """
    return _native.fit(trains, hidden, options, init=init, callback=callback)


def evaluate(
    model: Model,
    trains: Trains,
    *,
    variational: Optional[Model] = None,
    **options: Any,
) -> Dict[str, Any]:
    """Test metrics of ``model`` on held-out observed spike trains, as ``diffsnn eval``:
    the program's report as a dict.

    ``method="elbo"`` (default): the negative ELBO with ``samples=10`` samples of the hidden
    neurons from ``q`` (``variational``, or ``q = p``) per train; ``method="iwae"``: the
    importance-weighted bound with ``samples`` = K and ``replicates=4``; ``method="smc"``: the
    negative marginal log-likelihood ``-log p(O)`` by a particle filter with ``particles=1000``
    and ``runs=4``, the metric that ranks models truly. Also ``seed=0``,
    ``compensator="quadrature"``, ``mc_points``, ``window_length``, ``lead_in`` (seconds
    before each window, or at the start of each train, sampled or filtered but not scored;
    with ``window_length`` the kernel support by default).

    >>> import diffsnn
    >>> m = diffsnn.Model.random(1, 1, seed=2)
    >>> test = [s.select([0]) for s in m.simulate(20.0, sequences=2, seed=5)]
    >>> report = diffsnn.evaluate(m, test, method="smc", particles=64, runs=2)
    >>> (report["method"], report["n_sequences"], report["neg_log_likelihood"]["mean"] > 0)
    ('smc', 2, True)
    """
    return _native.evaluate(model, trains, options, variational=variational)
