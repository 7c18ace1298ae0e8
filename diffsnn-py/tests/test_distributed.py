"""Training on a Dask cluster gives the model of the single-process mini-batch run, to the
bit."""

import pytest

import diffsnn
import diffsnn.distributed

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.mark.parametrize(
    "options",
    [
        dict(estimator="pathwise", batch_size=4, epochs=2, shuffle=True),
        dict(estimator="score", batch_size=3, epochs=2, baseline="running-mean"),
        dict(estimator="pathwise", batch_size=8, epochs=1, separate_variational=True),
    ],
    ids=["pathwise-shuffle", "score-baseline", "separate-q"],
)
def test_dask_training_matches_one_process(client, observed_data, options):
    _, trains = observed_data
    local = diffsnn.fit(trains, 1, seed=4, **options)
    seen = []
    remote = diffsnn.distributed.fit(client, trains, 1, seed=4,
                                     callback=lambda e, loss, m: seen.append(loss), **options)
    assert remote.model.params().tobytes() == local.model.params().tobytes()
    assert remote.losses == local.losses == seen
    if options.get("separate_variational"):
        assert remote.q == local.q
    # the workers did the work: each computed gradients
    assert len(client.scheduler_info()["workers"]) == 2


def test_errors_of_the_gradient_map_reach_the_caller(client, observed_data):
    _, trains = observed_data
    with pytest.raises(ValueError, match="^lr: must be finite and positive"):
        diffsnn.distributed.fit(client, trains, 1, estimator="score", lr=0.0)
    native = diffsnn._native

    def failing(task, batch):
        raise ZeroDivisionError("on the worker")

    with pytest.raises(ZeroDivisionError, match="on the worker"):
        native.fit(trains, 1, {"estimator": "score"}, gradient_map=failing)

    def short(task, batch):
        return native.sequence_gradients(task, [trains[k] for k in batch[:-1]], batch[:-1], 1,
                                         {"estimator": "score"})

    with pytest.raises(ValueError, match="gradient_map returned 1 results for a batch of 2"):
        native.fit(trains, 1, {"estimator": "score", "batch_size": 2}, gradient_map=short)


def test_divergence_is_reported_as_in_one_process(client, observed_data):
    _, trains = observed_data
    options = dict(estimator="score", optimizer="sgd", lr=1e300, epochs=2, batch_size=4)
    with pytest.raises(diffsnn.NumericalError) as local:
        diffsnn.fit(trains, 1, **options)
    with pytest.raises(diffsnn.NumericalError) as remote:
        diffsnn.distributed.fit(client, trains, 1, **options)
    assert str(remote.value) == str(local.value)
    assert str(local.value).startswith("training diverged at epoch 1")

    # a numerical failure on a worker comes back as a value and is divergence at its sequence
    def failing_worker(task, batch):
        return [("numerical", "boom") for _ in batch]

    with pytest.raises(diffsnn.NumericalError, match="^training diverged at epoch 1, sequence 0: boom$"):
        diffsnn._native.fit(trains, 1, {"estimator": "score"}, gradient_map=failing_worker)
