"""Times tick's exponential-Hawkes simulation on the same models as benches/hawkes.rs.

python3 pp-thinning/scripts/tick_hawkes.py   (needs `pip install tick`)

tick's HawkesKernelExp(intensity, decay) is intensity * decay * exp(-decay t): the same
parametrisation as pp-core's ExpHawkes (alpha, beta). Window [0, 5e5], stationary total rate 2.
"""
import time

import numpy as np
from tick.hawkes import SimuHawkesExpKernels

T_END = 5e5


def run(d, repeats=5):
    if d == 1:
        adjacency, baseline = np.array([[0.5]]), np.array([1.0])
    else:
        adjacency, baseline = np.full((d, d), 0.5 / d), np.full(d, 0.1)
    best, n = float("inf"), 0
    for r in range(repeats):
        simu = SimuHawkesExpKernels(adjacency=adjacency, decays=2.0, baseline=baseline,
                                    end_time=T_END, seed=1 + r, verbose=False)
        start = time.perf_counter()
        simu.simulate()
        best = min(best, time.perf_counter() - start)
        n = sum(len(ts) for ts in simu.timestamps)
    print(f"tick D={d}: {n} events, best of {repeats}: {best * 1e3:.1f} ms "
          f"({n / best / 1e6:.2f} M events/s)")


if __name__ == "__main__":
    run(1)
    run(10)
