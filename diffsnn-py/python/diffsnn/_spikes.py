"""Spike trains as numpy arrays."""

from __future__ import annotations

from typing import Any, Sequence, Tuple

import numpy as np


class SpikeTrain:
    """The spikes of one sequence: ``times`` (float64, shape ``(n,)``, sorted), ``neurons``
    (int64, shape ``(n,)``, each in ``0..n_neurons``), the observation ``window``
    ``(t0, t1)`` and the number of neurons ``n_neurons``.

    Arrays that already have the right dtype and are contiguous are kept as they are (no
    copy); integer ``times`` or ``neurons`` of another integer width are converted. The rest
    of the checks (times sorted and inside the window, neurons in range) are made by the
    library when the train is used, with a message saying which spike is wrong.

    >>> import diffsnn
    >>> s = diffsnn.SpikeTrain([0.5, 1.25], [0, 1], (0.0, 2.0), n_neurons=2)
    >>> (len(s), s.times.dtype.name, s.neurons.dtype.name, s.window)
    (2, 'float64', 'int64', (0.0, 2.0))
    >>> s.counts().tolist()
    [1, 1]
    """

    __slots__ = ("times", "neurons", "window", "n_neurons")

    def __init__(
        self,
        times: Any,
        neurons: Any,
        window: Tuple[float, float],
        n_neurons: int,
    ) -> None:
        times = np.asarray(times)
        neurons = np.asarray(neurons)
        if times.size == 0:
            times = times.astype(np.float64)
        if neurons.size == 0:
            neurons = neurons.astype(np.int64)
        if times.ndim != 1:
            raise ValueError(f"times must be one-dimensional, got shape {times.shape}")
        if neurons.ndim != 1:
            raise ValueError(f"neurons must be one-dimensional, got shape {neurons.shape}")
        if times.dtype.kind not in "fiu":
            raise TypeError(f"times must be an array of float64, got dtype {times.dtype}")
        if neurons.dtype.kind not in "iu":
            raise TypeError(
                f"neurons must be an array of integers (int64), got dtype {neurons.dtype}"
            )
        if times.shape != neurons.shape:
            raise ValueError(
                f"times has {times.size} entries and neurons {neurons.size}; "
                "they must have one per spike"
            )
        self.times = np.ascontiguousarray(times, dtype=np.float64)
        self.neurons = np.ascontiguousarray(neurons, dtype=np.int64)
        try:
            t0, t1 = window
        except (TypeError, ValueError):
            raise TypeError(f"window must be a pair (t0, t1), got {window!r}") from None
        self.window = (float(t0), float(t1))
        if isinstance(n_neurons, bool) or int(n_neurons) != n_neurons or n_neurons < 0:
            raise ValueError(f"n_neurons must be a non-negative integer, got {n_neurons!r}")
        self.n_neurons = int(n_neurons)

    @classmethod
    def _from_library(cls, times, neurons, window, n_neurons) -> "SpikeTrain":
        """A train the library made (arrays already float64/int64, checked): no checks."""
        train = object.__new__(cls)
        train.times, train.neurons, train.window, train.n_neurons = (
            times, neurons, window, n_neurons)
        return train

    def __len__(self) -> int:
        return int(self.times.size)

    def __repr__(self) -> str:
        return (
            f"SpikeTrain({len(self)} spikes of {self.n_neurons} neurons on "
            f"[{self.window[0]}, {self.window[1]}])"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpikeTrain):
            return NotImplemented
        return (
            self.window == other.window
            and self.n_neurons == other.n_neurons
            and np.array_equal(self.times, other.times)
            and np.array_equal(self.neurons, other.neurons)
        )

    def __getstate__(self):
        return (self.times, self.neurons, self.window, self.n_neurons)

    def __setstate__(self, state) -> None:
        self.times, self.neurons, self.window, self.n_neurons = state

    def counts(self) -> np.ndarray:
        """Spikes of each neuron, shape ``(n_neurons,)``."""
        return np.bincount(self.neurons, minlength=self.n_neurons)

    def select(self, neurons: Sequence[int]) -> "SpikeTrain":
        """The spikes of the given neurons only, renumbered ``0..len(neurons)`` in that
        order (e.g. the observed neurons of a simulated network).

        >>> import diffsnn
        >>> s = diffsnn.SpikeTrain([0.5, 1.0, 1.5], [0, 2, 1], (0.0, 2.0), 3)
        >>> s.select([0, 1]).neurons.tolist()
        [0, 1]
        """
        keep = np.asarray(list(neurons), dtype=np.int64)
        if keep.size and (keep.min() < 0 or keep.max() >= self.n_neurons):
            raise ValueError(f"select: neurons must be in 0..{self.n_neurons}, got {keep.tolist()}")
        new_index = np.full(self.n_neurons, -1, dtype=np.int64)
        new_index[keep] = np.arange(keep.size)
        mask = new_index[self.neurons] >= 0
        return SpikeTrain(self.times[mask], new_index[self.neurons[mask]], self.window, keep.size)
