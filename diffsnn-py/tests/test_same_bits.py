"""The package gives the same bits as the Rust library, here run as the `diffsnn` program:
the same model, spike trains, likelihoods and trained models for the same seed."""

import json

import numpy as np
import pytest

import diffsnn


def test_random_model_is_the_programs_init(program, tmp_path):
    program("init", "--observed", 3, "--hidden", 2, "--seed", 11, "--out", "m.json",
            cwd=tmp_path)
    assert diffsnn.Model.load(tmp_path / "m.json") == diffsnn.Model.random(3, 2, seed=11)
    assert diffsnn.Model.random(3, 2, seed=11) != diffsnn.Model.random(3, 2, seed=12)


def test_simulate_matches_the_program(program, tmp_path):
    model = diffsnn.Model.random(3, 1, seed=5)
    model.save(tmp_path / "m.json")
    program("simulate", "--model", "m.json", "--t-end", 80, "--sequences", 3, "--seed", 9,
            "--out", "s.json", cwd=tmp_path)
    from_program = diffsnn.read_spikes(tmp_path / "s.json")
    ours = model.simulate(80.0, sequences=3, seed=9)
    assert len(ours) == 3 and sum(len(s) for s in ours) > 100
    for a, b in zip(ours, from_program):
        assert a.window == b.window and a.n_neurons == b.n_neurons == 4
        assert a.times.tobytes() == b.times.tobytes()  # the same bits
        assert np.array_equal(a.neurons, b.neurons)
    # and another seed gives other trains
    assert not np.array_equal(model.simulate(80.0, seed=10)[0].times, ours[0].times)


def test_log_likelihood_matches_the_program(program, tmp_path):
    model = diffsnn.Model.random(3, 0, seed=4)
    model.save(tmp_path / "m.json")
    trains = model.simulate(60.0, sequences=2, seed=3)
    diffsnn.write_spikes(tmp_path / "s.json", trains)
    out = program("loglik", "--model", "m.json", "--spikes", "s.json", cwd=tmp_path)
    report = json.loads(out.stdout)
    ours = model.log_likelihood(trains)
    assert ours.tolist() == report["per_sequence"]


@pytest.mark.parametrize(
    "flags",
    [
        ["--hidden", "1", "--estimator", "pathwise", "--epochs", "3"],
        ["--hidden", "1", "--estimator", "score", "--epochs", "2", "--baseline", "running-mean",
         "--batch-size", "3", "--shuffle"],
        ["--hidden", "2", "--estimator", "pathwise", "--epochs", "2", "--separate-variational",
         "--step", "joint", "--optimizer", "adam", "--lr", "0.02"],
        ["--hidden", "0", "--epochs", "4", "--regularisation", "0"],
    ],
    ids=["pathwise", "score-batch-shuffle", "separate-joint-adam", "mle"],
)
def test_fit_matches_the_program(program, tmp_path, observed_data, flags):
    _, trains = observed_data
    diffsnn.write_spikes(tmp_path / "obs.json", trains)
    program("fit", "--spikes", "obs.json", "--seed", 3, "--quiet", "--out", "fit.json",
            *flags, cwd=tmp_path)
    options = {}
    it = iter(flags)
    for flag in it:
        key = flag[2:].replace("-", "_")
        if key in ("shuffle", "separate_variational"):
            options[key] = True
        else:
            value = next(it)
            options[key] = value if not value.replace(".", "").isdigit() else (
                float(value) if "." in value else int(value))
    hidden = options.pop("hidden")
    result = diffsnn.fit(trains, hidden, seed=3, **options)
    expected = diffsnn.Model.load(tmp_path / "fit.json")
    assert result.model.params().tobytes() == expected.params().tobytes()
    assert result.model == expected
    if options.get("separate_variational"):
        assert result.q == diffsnn.Model.load(tmp_path / "fit.q.json")
    else:
        assert result.q is None
    assert len(result.losses) == options["epochs"]
    assert all(np.isfinite(result.losses))


def test_fit_with_init_and_windows(observed_data):
    _, trains = observed_data
    start = diffsnn.Model.random(2, 1, seed=99)
    options = dict(init=start, estimator="score", epochs=1, window_length=25.0, lead_in=0.0)
    a = diffsnn.fit(trains, 1, **options)
    b = diffsnn.fit(trains, 1, **options)
    assert a.model == b.model and a.model != start
    # two windows per 50-unit train: the epoch's loss is the mean over 16 windows, about half
    # the loss of whole trains
    whole = diffsnn.fit(trains, 1, init=start, estimator="score", epochs=1)
    assert 0.3 < a.losses[0] / whole.losses[0] < 0.7
    # by default each window comes after a lead-in of the kernel support (11), sampled but not
    # scored: 14 + 25 of every 50 units scored instead of 50, so a smaller loss
    led = diffsnn.fit(trains, 1, **{**options, "lead_in": None})
    assert led.model == diffsnn.fit(trains, 1, **{**options, "lead_in": 11.0}).model
    assert 0.3 < led.losses[0] / a.losses[0] < 0.95


def test_evaluate_matches_the_program(program, tmp_path, observed_data):
    truth, trains = observed_data
    truth.save(tmp_path / "m.json")
    diffsnn.write_spikes(tmp_path / "obs.json", trains[:3])
    for flags in (["--samples", "4"], ["--method", "iwae", "--samples", "3"],
                  ["--method", "smc", "--particles", "40", "--runs", "2"]):
        out = program("eval", "--model", "m.json", "--spikes", "obs.json", "--seed", 2, *flags,
                      cwd=tmp_path)
        options = {flags[i][2:]: flags[i + 1] for i in range(0, len(flags), 2)}
        options = {k: (v if not v.isdigit() else int(v)) for k, v in options.items()}
        assert diffsnn.evaluate(truth, trains[:3], seed=2, **options) == json.loads(out.stdout)


def test_checkpoints_and_resume_continue_the_run(program, tmp_path, observed_data):
    _, trains = observed_data
    options = dict(estimator="pathwise", seed=5)
    straight = diffsnn.fit(trains, 1, epochs=3, **options)
    first = diffsnn.fit(trains, 1, epochs=2, out=tmp_path / "m.json", checkpoint_every=1,
                        loss_csv=tmp_path / "loss.csv", **options)
    assert diffsnn.Model.load(tmp_path / "m.json") == first.model
    assert diffsnn.Model.load(tmp_path / "m.epoch1.json") != first.model
    lines = (tmp_path / "loss.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,temperature,seconds" and len(lines) == 3
    assert [float(line.split(",")[1]) for line in lines[1:]] == first.losses
    # the package continues its own run, and the program continues the package's run
    resumed = diffsnn.fit(trains, 1, epochs=3, resume=tmp_path / "m.epoch2.state.json",
                          **options)
    assert resumed.model == straight.model and resumed.losses == straight.losses
    diffsnn.write_spikes(tmp_path / "obs.json", trains)
    program("fit", "--spikes", "obs.json", "--hidden", 1, "--estimator", "pathwise", "--seed", 5,
            "--epochs", 3, "--resume", "m.epoch2.state.json", "--out", "p.json", "--quiet",
            cwd=tmp_path)
    assert diffsnn.Model.load(tmp_path / "p.json") == straight.model
    # a state of other settings is refused, naming the setting
    with pytest.raises(ValueError, match="lr"):
        diffsnn.fit(trains, 1, epochs=3, resume=tmp_path / "m.epoch2.state.json", lr=0.01,
                    **options)


def test_output_options_are_checked_before_training(tmp_path, observed_data):
    _, trains = observed_data
    with pytest.raises(ValueError, match="^checkpoint_every: needs out"):
        diffsnn.fit(trains, 1, estimator="score", checkpoint_every=1)
    with pytest.raises(ValueError, match="^resume: continues the saved run"):
        diffsnn.fit(trains, 1, estimator="score", init=diffsnn.Model.random(2, 1),
                    resume="s.json")
    with pytest.raises(ValueError, match="^out: the directory .*nowhere does not exist"):
        diffsnn.fit(trains, 0, out=tmp_path / "nowhere" / "m.json")
    with pytest.raises(ValueError, match="^loss_csv: the directory"):
        diffsnn.fit(trains, 0, loss_csv=tmp_path / "nowhere" / "loss.csv")
    assert list(tmp_path.iterdir()) == []
    # maximum likelihood writes what it is asked for
    r = diffsnn.fit(trains, 0, epochs=2, out=tmp_path / "m.json", loss_csv=tmp_path / "l.csv")
    assert diffsnn.Model.load(tmp_path / "m.json") == r.model
    assert len((tmp_path / "l.csv").read_text().splitlines()) == 3
