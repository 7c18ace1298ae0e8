"""Shared fixtures: the `diffsnn` program (for bit-for-bit comparisons with the Rust library)
and small data sets."""

import os
import pathlib
import subprocess

import pytest

import diffsnn

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def program():
    """Runs the `diffsnn` program (DIFFSNN_BIN, or the workspace's release build) and returns
    its completed process; fails the test when the program fails."""
    path = pathlib.Path(os.environ.get("DIFFSNN_BIN", REPO / "target" / "release" / "diffsnn"))
    if not path.exists():
        pytest.fail(
            f"the diffsnn program is not at {path}: build it (cargo build --release -p "
            "diffsnn-cli) or set DIFFSNN_BIN"
        )

    def run(*args, cwd):
        done = subprocess.run([str(path), *map(str, args)], cwd=cwd, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        return done

    return run


@pytest.fixture(scope="session")
def observed_data():
    """Eight 50-unit sequences of the two observed neurons of a random 2 + 1 network."""
    truth = diffsnn.Model.random(2, 1, seed=7)
    return truth, [s.select([0, 1]) for s in truth.simulate(50.0, sequences=8, seed=1)]
