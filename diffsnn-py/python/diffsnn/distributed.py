"""Training over many recordings on a Dask cluster (``pip install "diffsnn[distributed]"``).

The gradients of the recordings of a mini-batch are independent: the workers compute them
with the Rust kernels (``diffsnn._native.sequence_gradients``, what the trainer itself runs),
and the client sums them in recording order and takes the optimiser step. Every gradient is
a function of the model, the seed and the recording's position only, so a run gives the same
model, to the bit, as ``diffsnn.fit`` with the same ``batch_size`` in one process.

On one machine::

    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, \\
            Client(cluster) as client:
        result = diffsnn.distributed.fit(client, trains, hidden=4, estimator="pathwise",
                                         batch_size=8, epochs=20)

On a cluster, start ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786
--nthreads 1`` on each of the others (every worker needs this package installed, the same
version as the client), then connect with ``Client("tcp://HOST:8786")``.

Every worker holds all recordings (sent once); a mini-batch is split into one task per worker,
its recordings shared so that the workers' spike counts are near equal, so a batch costs one
round trip; the speed-up needs ``batch_size`` at least the number of
workers and recordings whose gradients take longer than the round trip (BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

from . import _native
from ._native import FitResult, Model
from ._spikes import SpikeTrain


def _gradients(task: str, chunk: Sequence[SpikeTrain], indices: Sequence[int], hidden: int,
               options: dict) -> List[Any]:
    """On a worker: the gradients of a run of recordings (their trains and positions); a
    numerical failure comes back as ``("numerical", reason)``, which the trainer reports as
    divergence at that recording, as in a single process."""
    return _native.sequence_gradients(task, list(chunk), list(indices), hidden, options)


def _balance(batch: Sequence[int], costs: Sequence[int], parts: int) -> List[List[int]]:
    """The sequences of ``batch`` shared among at most ``parts`` workers so that their costs
    (spike counts) are near equal: the costliest first, each to the least loaded worker."""
    parts = max(1, min(parts, len(batch)))
    loads, runs = [0] * parts, [[] for _ in range(parts)]
    for k in sorted(batch, key=lambda k: -costs[k]):
        w = loads.index(min(loads))
        runs[w].append(k)
        loads[w] += costs[k]
    return runs


def fit(
    client: Any,
    trains: Sequence[SpikeTrain],
    hidden: int,
    *,
    init: Optional[Model] = None,
    callback: Optional[Callable[[int, float, Model], Any]] = None,
    **options: Any,
) -> FitResult:
    """``diffsnn.fit`` with the gradients of every mini-batch computed on the workers of the
    Dask ``client`` (a ``dask.distributed.Client``). Same arguments and result as
    ``diffsnn.fit`` (``hidden >= 1``). The recordings are sent to every worker once; each
    mini-batch goes out as one task per worker (its recordings balanced by spike count), so
    the workers need the memory of all recordings.
    """
    trains = list(trains)
    if hidden < 1:
        raise ValueError("hidden: distributed training is for hidden >= 1 (variational training)")
    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        raise ValueError("client: the cluster has no workers")
    costs = [len(t) + 1 for t in trains]
    scattered: List[Any] = []

    def gradient_map(task: str, batch: List[int]) -> List[Any]:
        if not scattered:
            # on the first batch, once the settings have been checked: every worker holds every
            # recording, so that any run of a batch can go to any worker (fresh keys, not ones
            # derived from the data, which an earlier run may be releasing)
            scattered.extend(client.scatter(trains, broadcast=True, hash=False))
        runs = _balance(batch, costs, len(workers))
        futures = [
            client.submit(_gradients, task, [scattered[k] for k in run], run, hidden, options,
                          pure=False, workers=[worker], allow_other_workers=True)
            for run, worker in zip(runs, workers)
        ]
        by_index = {}
        for run, chunk in zip(runs, client.gather(futures)):
            by_index.update(zip(run, chunk))
        return [by_index[k] for k in batch]  # the trainer adds them in batch order

    return _native.fit(trains, hidden, options, init=init, callback=callback,
                       gradient_map=gradient_map)
