#!/usr/bin/env python3
"""Scaling of the `diffsnn` program: wall time and peak memory of `simulate`, `loglik` and one
`fit` epoch against the number of observed neurons N, the recording length T and the number of
hidden neurons H, with the fitted growth exponents (least squares of log time and log memory on
log size) and, extrapolated from them, the largest problem each command handles in 60 s and in
8 GB.

The setting is issue 14's: sigmoid activation with a = 5, K = 2 Epanechnikov basis functions,
zero weights (self-weights at the refractory bound -0.1) and bias -1.5, so every neuron fires
at about a·σ(-1.5) ≈ 0.91 Hz; one sequence per run. Each run gets a fresh process; its peak
resident memory is GNU time's (`/usr/bin/time`, which the script needs).

    cargo build --release -p diffsnn-cli
    python3 bench-suite/scripts/scaling.py target/release/diffsnn > scaling.md

Standard library only. A run that takes longer than --timeout seconds is stopped and marked
"> timeout"; the fit of the exponents leaves it out.
"""

import argparse
import json
import math
import os
import subprocess
import tempfile
import time

BIAS = -1.5


def run(cmd, timeout):
    """Wall seconds and peak RSS (bytes) of one process, or (None, None) after a timeout. The
    peak is GNU time's (`/usr/bin/time -f %M`): a child forked from this script would inherit
    the script's own high-water mark in `ru_maxrss`."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            return None, None
        wall = time.perf_counter() - start
        if p.returncode != 0:
            err = err.decode(errors="replace").strip().splitlines()
            raise Failed(err[-1] if err else f"exit status {p.returncode}")
        return wall, int(rss.read().split()[-1]) * 1024


class Failed(Exception):
    """A run that exited with an error (its last line of standard error)."""


def model(exe, d, n_obs, n_hidden):
    """A model file of issue 14's setting; its path."""
    path = os.path.join(d, f"m_{n_obs}_{n_hidden}.json")
    if not os.path.exists(path):
        subprocess.run(
            [exe, "init", "--observed", str(n_obs), "--hidden", str(n_hidden),
             "--init", "zero", "--out", path],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(path) as f:
            m = json.load(f)
        m["bias"] = [BIAS] * (n_obs + n_hidden)
        with open(path, "w") as f:
            json.dump(m, f)
    return path


def spikes(exe, d, n_obs, n_hidden, t_end):
    """Spikes of the observed neurons of a simulated recording (the hidden ones dropped)."""
    path = os.path.join(d, f"s_{n_obs}_{n_hidden}_{t_end:g}.json")
    if not os.path.exists(path):
        subprocess.run(
            [exe, "simulate", "--model", model(exe, d, n_obs, n_hidden), "--t-end", f"{t_end:g}",
             "--seed", "1", "--max-events", "100000000", "--out", path],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if n_hidden:
            with open(path) as f:
                s = json.load(f)
            s["n_neurons"] = n_obs
            for q in s["sequences"]:
                keep = [(t, i) for t, i in zip(q["times"], q["neurons"]) if i < n_obs]
                q["times"] = [t for t, _ in keep]
                q["neurons"] = [i for _, i in keep]
            with open(path, "w") as f:
                json.dump(s, f)
    return path


def commands(exe, d, kind, n, t, h):
    out = os.path.join(d, "out.json")
    if kind == "simulate":
        return [exe, "simulate", "--model", model(exe, d, n, h), "--t-end", f"{t:g}", "--seed",
                "2", "--max-events", "100000000", "--out", out]
    if kind == "loglik":
        return [exe, "loglik", "--model", model(exe, d, n, 0), "--spikes", spikes(exe, d, n, 0, t)]
    fit = [exe, "fit", "--spikes", spikes(exe, d, n, h, t), "--hidden", str(h), "--estimator",
           "pathwise", "--epochs", "1", "--init", model(exe, d, n, h), "--quiet", "--out", out]
    if kind == "fit-windows":
        fit += ["--window-length", "1000"]
    return fit


GRIDS = {
    # (command, varied, fixed values (N, T, H), sizes)
    "simulate": [("N", (None, 1000, 0), [6, 25, 50, 100, 200, 400]),
                 ("T", (50, None, 0), [50, 500, 5000, 50000, 100000])],
    "loglik": [("N", (None, 1000, 0), [6, 25, 50, 100, 200, 400]),
               ("T", (50, None, 0), [50, 500, 5000, 50000, 100000])],
    "fit": [("N", (None, 1000, 10), [6, 12, 25, 50, 100]),
            ("T", (10, None, 10), [50, 500, 5000, 20000, 50000]),
            ("H", (10, 1000, None), [2, 5, 10, 20, 40])],
    # the same epoch on windows of 1000 s (--window-length 1000)
    "fit-windows": [("T", (10, None, 10), [5000, 20000, 50000, 100000])],
}


def slope(xs, ys):
    """Least-squares slope of log y on log x (None with fewer than 2 points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def largest(xs, ys, exponent, budget):
    """The size at which y reaches the budget, extrapolated from the largest measured point."""
    pts = [(x, y) for x, y in zip(xs, ys) if y]
    if not pts or not exponent or exponent <= 0:
        return None
    x, y = pts[-1]
    return x * (budget / y) ** (1.0 / exponent)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("exe", help="the diffsnn binary (release build)")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--only", choices=sorted(GRIDS), help="one command only")
    args = ap.parse_args()
    exe = os.path.abspath(args.exe)
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores\n")
    with tempfile.TemporaryDirectory() as d:
        for kind, grids in GRIDS.items():
            if args.only and kind != args.only:
                continue
            for varied, fixed, sizes in grids:
                print(f"### `{kind}` against {varied} "
                      f"(N = {fixed[0] or 'varied'}, T = {fixed[1] or 'varied'}, "
                      f"H = {fixed[2] if fixed[2] is not None else 'varied'})\n")
                print(f"| {varied} | wall s | peak MB |")
                print("|---:|---:|---:|")
                times, mems = [], []
                for x in sizes:
                    n, t, h = [x if v is None else v for v in fixed]
                    cmd = commands(exe, d, kind, n, t, h)
                    try:
                        wall, rss = run(cmd, args.timeout)
                    except Failed as e:
                        print(f"| {x:g} | failed: {e} | |", flush=True)
                        break
                    times.append(wall)
                    mems.append(rss)
                    if wall is None:
                        print(f"| {x:g} | > {args.timeout:g} | |", flush=True)
                        break
                    print(f"| {x:g} | {wall:.3f} | {rss / 1e6:.0f} |", flush=True)
                xs = sizes[:len(times)]
                et = slope(xs[1:], times[1:])  # the smallest size is start-up dominated
                em = slope(xs[1:], [m and max(m - mems[0], 1) for m in mems[1:]])
                big_t = largest(xs, times, et, 60.0)
                big_m = largest(xs, [m and max(m - mems[0], 1) for m in mems], em, 8e9)
                fmt = lambda v: "n/a" if v is None else f"{v:.2f}"
                size = lambda v: "n/a" if v is None else f"{v:.3g}"
                print(f"\ngrowth exponents: time {fmt(et)}, memory above start-up {fmt(em)}; "
                      f"largest {varied} (extrapolated): {size(big_t)} in 60 s, "
                      f"{size(big_m)} in 8 GB\n", flush=True)


if __name__ == "__main__":
    main()
