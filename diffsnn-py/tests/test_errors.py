"""Wrong arrays, settings and files raise the right exception with a message that says what
was wrong and where; nothing is half written."""

import json

import numpy as np
import pytest

import diffsnn


def train(times=(0.5, 1.5), neurons=(0, 1), window=(0.0, 2.0), n=2):
    return diffsnn.SpikeTrain(times, neurons, window, n)


def test_dtype_and_shape_errors():
    with pytest.raises(TypeError, match="neurons must be an array of integers.*float64"):
        diffsnn.SpikeTrain([0.5], [0.0], (0.0, 1.0), 1)
    with pytest.raises(TypeError, match="times must be an array of float64, got dtype <U1"):
        diffsnn.SpikeTrain(["a"], [0], (0.0, 1.0), 1)
    with pytest.raises(ValueError, match="times must be one-dimensional, got shape \\(1, 2\\)"):
        diffsnn.SpikeTrain([[0.5, 0.7]], [0, 0], (0.0, 1.0), 1)
    with pytest.raises(ValueError, match="times has 2 entries and neurons 1"):
        diffsnn.SpikeTrain([0.5, 0.7], [0], (0.0, 1.0), 1)
    with pytest.raises(TypeError, match="window must be a pair"):
        diffsnn.SpikeTrain([0.5], [0], 3.0, 1)
    # float32 and int32 are converted; float64/int64 contiguous arrays are not copied
    t = np.array([0.25, 0.5])
    s = diffsnn.SpikeTrain(t, np.array([0, 1], dtype=np.int32), (0.0, 1.0), 2)
    assert s.times is t and s.neurons.dtype == np.int64


def test_a_train_that_breaks_the_rules_is_refused_with_its_place():
    m = diffsnn.Model.random(2, 0)
    with pytest.raises(ValueError, match="sequence 1: neurons\\[1\\] = 5 is not a neuron of 0..2"):
        m.log_likelihood([train(), train(neurons=(0, 5))])
    with pytest.raises(ValueError, match="sequence 0: .*(sorted|increasing|order)"):
        m.log_likelihood([train(times=(1.5, 0.5))])
    with pytest.raises(ValueError, match="outside|window"):
        m.log_likelihood(train(times=(0.5, 2.5)))
    with pytest.raises(ValueError, match="sequence 0 has 3 neurons; the model has 2"):
        m.log_likelihood([train(n=3)])
    with pytest.raises(TypeError, match="has no `times`"):
        m.log_likelihood([object()])
    with pytest.raises(TypeError, match="`times` must be a one-dimensional numpy array of float64"):
        bad = train()
        bad.times = [0.5, 1.5]  # a list where an array belongs
        m.log_likelihood(bad)


def test_settings_errors_name_the_keyword():
    _, trains = diffsnn.Model.random(1, 0), [train(n=1, neurons=(0, 0))]
    with pytest.raises(ValueError, match="^lr: must be finite and positive, got -1"):
        diffsnn.fit(trains, 1, estimator="pathwise", lr=-1.0)
    with pytest.raises(ValueError, match="estimator: is required with hidden neurons"):
        diffsnn.fit(trains, 1)
    with pytest.raises(ValueError, match="invalid value 'newton' for '--optimizer|optimizer"):
        diffsnn.fit(trains, 1, estimator="score", optimizer="newton")
    with pytest.raises(TypeError, match="unexpected keyword argument 'learning_rate'"):
        diffsnn.fit(trains, 1, estimator="score", learning_rate=0.1)
    with pytest.raises(TypeError, match="does not take `spikes`"):
        diffsnn.fit(trains, 1, estimator="score", spikes="s.json")
    with pytest.raises(ValueError, match="^batch_size: must be at least 1"):
        diffsnn.fit(trains, 1, estimator="score", batch_size=0)
    with pytest.raises(ValueError, match="mc_points: applies to compensator monte-carlo only"):
        diffsnn.evaluate(diffsnn.Model.random(1, 1), trains, mc_points=10)
    with pytest.raises(ValueError, match="^max_events: more than 5 spikes"):
        diffsnn.Model.random(2, 0, seed=1).simulate(100.0, max_events=5)
    with pytest.raises(ValueError, match="t_end"):
        diffsnn.Model.random(2, 0).simulate(-1.0)


def test_divergence_is_a_numerical_error():
    m = diffsnn.Model.random(1, 1, seed=1)
    trains = [s.select([0]) for s in m.simulate(30.0, sequences=2, seed=1)]
    with pytest.raises(diffsnn.NumericalError, match="^training diverged at epoch 1"):
        diffsnn.fit(trains, 1, estimator="score", optimizer="sgd", lr=1e300, epochs=3)
    assert issubclass(diffsnn.NumericalError, ArithmeticError)


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.json"):
        diffsnn.Model.load(tmp_path / "missing.json")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        diffsnn.read_spikes(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text('{"format": "srm-snn/v1", "n_obs": ')
    with pytest.raises(ValueError, match="broken.json: .*line 1"):
        diffsnn.Model.load(tmp_path / "broken.json")
    (tmp_path / "s.csv").write_text("sequence,time,neuron\n0,0.5,0\n0,abc,1\n")
    with pytest.raises(ValueError, match="s.csv, line 3"):
        diffsnn.read_spikes(tmp_path / "s.csv", window=(0.0, 2.0))
    # a directory that does not exist: nothing is written, the error names the path
    with pytest.raises(OSError, match="nowhere"):
        diffsnn.Model.random(1, 0).save(tmp_path / "nowhere" / "m.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "s.csv"]


def test_callback_errors_propagate_as_raised(observed_data):
    _, trains = observed_data

    class Stop(Exception):
        pass

    def callback(epoch, loss, model):
        raise Stop(f"epoch {epoch}")

    with pytest.raises(Stop, match="epoch 1"):
        diffsnn.fit(trains, 1, estimator="score", epochs=3, callback=callback)
    with pytest.raises(Stop, match="epoch 1"):
        diffsnn.fit(trains, 0, epochs=3, callback=callback)


def test_spike_files_round_trip(tmp_path):
    trains = diffsnn.Model.random(2, 0, seed=2).simulate(30.0, sequences=2, seed=4)
    for name in ("s.json", "s.csv"):
        diffsnn.write_spikes(tmp_path / name, trains)
    assert diffsnn.read_spikes(tmp_path / "s.json") == trains
    back = diffsnn.read_spikes(tmp_path / "s.csv", window=(0.0, 30.0))
    assert [s.times.tobytes() for s in back] == [s.times.tobytes() for s in trains]
    assert json.loads((tmp_path / "s.json").read_text())["format"] == "spikes/v1"
