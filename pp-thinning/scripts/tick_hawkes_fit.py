"""Maximum-likelihood fit of a 10-dimensional exponential Hawkes process (about 10^5 events,
fixed decay) by tick's HawkesExpKern and by pp-core's ExpHawkesFitter, on the same events, in
one run, side by side.

    python3 -m venv /tmp/venv-tick && /tmp/venv-tick/bin/pip install tick numpydoc six
    /tmp/venv-tick/bin/python pp-thinning/scripts/tick_hawkes_fit.py [--repeats 5] [--data PATH]

Steps: build and run pp-core's example `hawkes_fit_vs_tick` to simulate the events (exact
Ogata thinning, fixed seed) and write them to a CSV file; read the file; fit tick's
HawkesExpKern with the file's decay in four configurations, timing `fit` (best of --repeats; it
includes tick's precomputation):

  1. tick's defaults, HawkesExpKern(decays=beta): least-squares goodness of fit, ridge penalty
     C = 1e3, AGD (not a likelihood fit: its log-likelihood is reported for comparison);
  2. gofit='likelihood', penalty='none' (positivity only), default start (all ones): tick's
     AGD fails on these data (an intensity becomes non-positive), reported as such;
  3. the same from start=0.01, default tol 1e-5 and max_iter 100;
  4. the same from start=0.01 with tol 1e-12, max_iter 5000 (tick's converged maximum);

then run the example's `fit` on the same file, which times pp-core's fit (best of 7) and
evaluates pp-core's exact log-likelihood at each of tick's estimates.

Log-likelihoods are on one definition, pp-core's (docs/math.md (1.1)). tick's `score()` is
minus its loss, and its loss is -(log-likelihood + D T) / n (it measures the likelihood against
a unit-rate Poisson process; checked here against pp-core's exact evaluation of tick's own
estimate), so the script reports score * n - D T. tick's likelihood runs from 0 to the last
event (HawkesExpKern.fit takes no end times), so the example writes the window [0, last event].

tick's kernel intensity * decay * exp(-decay t) is pp-core's alpha * beta * exp(-beta t).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from tick.hawkes import HawkesExpKern

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "target", "release", "examples", "hawkes_fit_vs_tick")


def read_events(path):
    with open(path) as f:
        header = f.readline()
    fields = dict(kv.split("=") for kv in header[1:].split())
    dim, beta, t1 = int(fields["dim"]), float(fields["beta"]), float(fields["t1"])
    data = np.loadtxt(path, delimiter=",", skiprows=2)
    times, marks = data[:, 0], data[:, 1].astype(int)
    events = [np.ascontiguousarray(times[marks == i]) for i in range(dim)]
    return events, dim, beta, t1, len(times)


def fit_tick(events, beta, repeats, start=None, **kwargs):
    """Best time of `repeats` fits, the last learner, or the error message if tick fails."""
    best, learner = float("inf"), None
    for _ in range(repeats):
        learner = HawkesExpKern(decays=beta, **kwargs)
        begin = time.perf_counter()
        try:
            learner.fit(events, start=start)
        except RuntimeError as error:
            return None, str(error)
        best = min(best, time.perf_counter() - begin)
    return best, learner


def results(output):
    values = {}
    for line in output.splitlines():
        if line.startswith("result "):
            _, key, value = line.split()
            values[key] = float(value)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "hawkes_fit_d10.csv"))
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "-p", "pp-core", "--example",
                    "hawkes_fit_vs_tick"], cwd=ROOT, check=True)
    subprocess.run([EXAMPLE, "write", args.data], check=True)
    events, dim, beta, t1, n = read_events(args.data)
    print(f"{n} events, D = {dim}, beta = {beta}, window [0, {t1}]")

    likelihood = {"gofit": "likelihood", "penalty": "none"}
    runs = [
        ("tick defaults: least squares, ridge C = 1e3, agd", args.repeats, {}),
        ("tick likelihood, agd, default start (ones)", args.repeats, likelihood),
        ("tick likelihood, agd, start 0.01, tol 1e-5, max_iter 100", args.repeats,
         dict(likelihood, start=0.01)),
        ("tick likelihood, agd, start 0.01, tol 1e-12, max_iter 5000", 1,
         dict(likelihood, start=0.01, tol=1e-12, max_iter=5000)),
    ]
    rows, ours = [], None
    for label, repeats, kwargs in runs:
        seconds, learner = fit_tick(events, beta, repeats, **kwargs)
        if seconds is None:
            rows.append((label, None, None, None, learner))
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(" ".join(repr(float(c)) for c in learner.coeffs))
            coeffs_path = f.name
        output = subprocess.run([EXAMPLE, "fit", args.data, coeffs_path], check=True,
                                capture_output=True, text=True).stdout
        os.unlink(coeffs_path)
        ours = (output, results(output))
        by_ours = ours[1]["tick_loglik_by_ours"]
        by_tick = learner.score() * n - dim * t1 if kwargs.get("gofit") == "likelihood" else None
        rows.append((label, seconds, by_ours, by_tick, repeats))
    output, r = ours
    print("\n".join(line for line in output.splitlines() if not line.startswith("result ")))
    best_ll = r["ours_loglik"]
    print()
    print("| fit | time | log-likelihood reached | below the maximum |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| pp-core `ExpHawkesFitter` (projected Newton, tolerance 1e-8 nats), best of 7 | "
          f"{r['ours_seconds'] * 1e3:.1f} ms | {best_ll:.3f} | 0 |")
    for label, seconds, by_ours, by_tick, repeats in rows:
        if seconds is None:
            print(f"| {label} | fails: {repeats[:70]} | | |")
            continue
        best_of = f", best of {repeats}" if repeats > 1 else ", one run"
        print(f"| {label}{best_of} | {seconds * 1e3:.1f} ms | {by_ours:.3f} | "
              f"{best_ll - by_ours:.3g} |")
    print(f"| pp-core, beta fitted too (from beta = {beta / 2}), one run | "
          f"{r['decay_seconds'] * 1e3:.1f} ms | {r['decay_loglik']:.3f} (beta {r['decay_beta']:.4f})"
          f" | {best_ll - r['decay_loglik']:.3g} |")
    print()
    for label, seconds, by_ours, by_tick, _ in rows:
        if by_tick is not None:
            print(f"{label}: score * n - D T = {by_tick:.6f}, pp-core's exact log-likelihood of "
                  f"tick's estimate {by_ours:.6f} (difference {by_tick - by_ours:.2e})")
    print(f"log-likelihood of the true model: {r['truth_loglik']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
