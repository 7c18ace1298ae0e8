"""Long calls release the GIL: other Python threads run while the Rust code works, and
simulations in concurrent threads give the same trains as one after the other."""

import threading

import numpy as np

import diffsnn


def test_concurrent_simulations_give_the_sequential_results():
    model = diffsnn.Model.random(4, 0, seed=3)
    seeds = [1, 2, 3, 4]
    sequential = {s: model.simulate(200.0, seed=s)[0] for s in seeds}
    concurrent = {}

    def run(seed):
        concurrent[seed] = model.simulate(200.0, seed=seed)[0]

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(concurrent[s] == sequential[s] for s in seeds)


def test_another_thread_runs_python_while_a_simulation_runs():
    """Thread A trains, epoch after epoch, until thread B's long simulation is done; A's
    callback (Python code, needing the GIL) records when each epoch ends. Were the GIL held
    through B's simulation, no epoch of A could end while it runs; with the GIL released,
    many do."""
    truth = diffsnn.Model.random(2, 0, seed=1)
    trains = truth.simulate(20.0, sequences=2, seed=1)
    big = diffsnn.Model.random(20, 0, seed=2)
    started, finished = threading.Event(), threading.Event()
    epochs_during = []

    def callback(epoch, loss, model):
        started.set()
        if not finished.is_set():
            epochs_during.append(epoch)
        return finished.is_set()

    def train():
        diffsnn.fit(trains, 0, epochs=10**9, callback=callback)

    a = threading.Thread(target=train)
    a.start()
    assert started.wait(60)
    before = len(epochs_during)
    spikes = big.simulate(3000.0, seed=5)  # ~0.1 s of Rust work: ~100 epochs of the other thread
    during = len(epochs_during) - before
    finished.set()
    a.join(60)
    assert not a.is_alive()
    assert len(spikes[0]) > 10_000
    # with the GIL held, only the epochs ending in the Python parts of the call would count
    assert during >= 5, f"only {during} epochs of the other thread ended during the simulation"
    assert np.all(np.diff(epochs_during) == 1)
