"""The Python package's overhead over the Rust library, side by side in one run.

The same calls on the same model and data: `Model.simulate(50.0, seed=k)` (one sequence of
the paper's length, 2 observed + 4 hidden neurons, a = 5, K = 2) and one `fit` epoch
(20 sequences of 50 time units, `--hidden 4`), from Python (the installed `diffsnn` package)
and from Rust (`bench-suite/examples/library_timings.rs`, the functions the package calls).
Rounds alternate Python and Rust; the medians are printed as a Markdown table. "outside the
epoch" is the share of a `fit` call's time spent outside the epoch as the trainer itself
times it (argument parsing, conversion of the trains, model set-up, results): the package's
own overhead, free of the machine's drift between the two programs.

    PROFILE=release scripts/test-python   # builds and installs the release wheel into target/python-venv
    target/python-venv/bin/python bench-suite/scripts/python_overhead.py [--rounds 5]
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import tempfile
import time

import diffsnn

REPO = pathlib.Path(__file__).resolve().parents[2]
ESTIMATORS = {"score": ["--estimator", "score"], "pathwise": ["--estimator", "pathwise"]}


def python_side(truth, train, repeats, estimator):
    start = time.perf_counter()
    for k in range(repeats):
        truth.simulate(50.0, seed=k)
    simulate = (time.perf_counter() - start) / repeats
    inside = 0.0
    start = time.perf_counter()
    for _ in range(repeats):
        inside += diffsnn.fit(train, 4, estimator=estimator, epochs=1).seconds[0]
    total = time.perf_counter() - start
    return simulate, total / repeats, (total - inside) / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "bench-suite", "--example",
                    "library_timings"], cwd=REPO, check=True)
    example = REPO / "target" / "release" / "examples" / "library_timings"
    truth = diffsnn.Model.random(2, 4, seed=1)
    train = [s.select([0, 1]) for s in truth.simulate(50.0, sequences=20, seed=2)]
    with tempfile.TemporaryDirectory() as tmp:
        model_path, data_path = pathlib.Path(tmp, "m.json"), pathlib.Path(tmp, "obs.json")
        truth.save(model_path)
        diffsnn.write_spikes(data_path, train)
        print("| call | Rust library (ms) | Python package (ms) | ratio − 1 | outside the epoch |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for estimator, flags in ESTIMATORS.items():
            rust, python = {"sim": [], "epoch": []}, {"sim": [], "epoch": []}
            outside = []
            for _ in range(args.rounds):
                out = subprocess.run([str(example), str(model_path), str(data_path),
                                      str(args.repeats), "--hidden", "4", "--epochs", "1",
                                      *flags], check=True, capture_output=True, text=True)
                r = json.loads(out.stdout)
                rust["sim"].append(r["simulate_seconds"])
                rust["epoch"].append(r["epoch_seconds"])
                s, e, o = python_side(truth, train, args.repeats, estimator)
                outside.append(o)
                python["sim"].append(s)
                python["epoch"].append(e)
            rows = [("epoch", f"one `fit` epoch, {estimator} (20 sequences)")]
            if estimator == "score":
                rows.insert(0, ("sim", "`simulate`, one sequence of 50"))
            for key, label in rows:
                a, b = statistics.median(rust[key]), statistics.median(python[key])
                share = f"{100 * statistics.median(outside):.2f} %" if key == "epoch" else "—"
                print(f"| {label} | {1e3 * a:.3f} | {1e3 * b:.3f} | {100 * (b / a - 1):+.1f} % "
                      f"| {share} |")


if __name__ == "__main__":
    main()
