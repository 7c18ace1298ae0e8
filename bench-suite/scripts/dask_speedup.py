"""Data-parallel training on Dask against one process, side by side in one run.

16 recordings of 500 time units of the 2 observed neurons of a random 2 + 4 network (a = 5),
path-wise training with 4 hidden neurons, mini-batches of 8: one process on one core
(RAYON_NUM_THREADS=1), one process on both cores (the mini-batch's gradients in parallel by
rayon), and `diffsnn.distributed.fit` on a `LocalCluster` of 2 single-threaded worker
processes. Prints seconds per epoch (median of the epochs, the cluster's start-up and the
scattering of the data not included) and checks that the three give the same model bits.

    target/python-venv/bin/python bench-suite/scripts/dask_speedup.py [--epochs 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import diffsnn
import diffsnn.distributed

OPTIONS = dict(estimator="pathwise", batch_size=8, seed=1)


def data(length):
    truth = diffsnn.Model.random(2, 4, seed=1)
    return [s.select([0, 1]) for s in truth.simulate(length, sequences=16, seed=2)]


def one_process(epochs, length):
    """Runs in a child process, so that RAYON_NUM_THREADS applies."""
    result = diffsnn.fit(data(length), 4, epochs=epochs, **OPTIONS)
    print(json.dumps({"seconds": result.seconds, "params": result.model.params().tolist()}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--length", type=float, default=500.0)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return one_process(args.epochs, args.length)
    runs = {}
    for threads in (1, 2):
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        out = subprocess.run([sys.executable, __file__, "--child", "--epochs", str(args.epochs),
                              "--length", str(args.length)], env=env, check=True,
                             capture_output=True, text=True)
        runs[f"one process, {threads} thread{'s' if threads > 1 else ''}"] = json.loads(out.stdout)
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None,
                      env={"RAYON_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        started = time.perf_counter() - start
        result = diffsnn.distributed.fit(client, data(args.length), 4, epochs=args.epochs,
                                         **OPTIONS)
    runs["Dask, 2 worker processes"] = {"seconds": result.seconds,
                                        "params": result.model.params().tolist()}
    base = statistics.median(runs["one process, 1 thread"]["seconds"])
    reference = runs["one process, 1 thread"]["params"]
    print(f"16 recordings of {args.length:g} time units, batch 8, path-wise; "
          f"cluster start-up {started:.1f} s\n")
    print("| run | seconds per epoch | speed-up | same model bits |")
    print("| --- | ---: | ---: | :---: |")
    for name, run in runs.items():
        t = statistics.median(run["seconds"])
        print(f"| {name} | {t:.2f} | {base / t:.2f}× | {run['params'] == reference} |")


if __name__ == "__main__":
    main()
