"""convlab.Solver: training, histories, learning-rate decay, checkpoints, callbacks."""
import numpy as np
import pytest

from convlab import ShapeError
from convlab.models import ConvNet, TwoLayerNet
from convlab.solver import Solver


def blobs(n=300, seed=0):
    """Three well separated Gaussian blobs in 4-D: an easy problem."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]])
    X = centres[y] + rng.standard_normal((n, 4))
    return dict(X_train=X[:200], y_train=y[:200], X_val=X[200:], y_val=y[200:])


def small_net(seed=0):
    return TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3, weight_scale=0.1, seed=seed)


def make_solver(model, data, **kwargs):
    options = dict(update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                   lr_decay=0.9, batch_size=20, num_epochs=4, verbose=False, seed=0)
    options.update(kwargs)
    return Solver(model, data, **options)


def test_solver_learns_and_records_history():
    solver = make_solver(small_net(), blobs())
    solver.train()
    iterations = 4 * (200 // 20)
    assert len(solver.loss_history) == iterations
    assert len(solver.val_acc_history) == len(solver.train_acc_history) == 4 + 1
    assert solver.best_val_acc > 0.9
    assert solver.loss_history[-1] < solver.loss_history[0]
    assert solver.check_accuracy(solver.X_val, solver.y_val) == pytest.approx(
        solver.best_val_acc)  # ends with the best parameters


def test_learning_rate_decays_after_each_epoch():
    solver = make_solver(small_net(), blobs(), num_epochs=3)
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(0.05 * 0.9**3)


def test_same_seed_same_training():
    a, b = make_solver(small_net(), blobs()), make_solver(small_net(), blobs())
    a.train()
    b.train()
    for name in a.model.params:
        np.testing.assert_array_equal(a.model.params[name], b.model.params[name])
    c = make_solver(small_net(), blobs(), seed=1)
    c.train()
    assert not np.array_equal(a.model.params["W1"], c.model.params["W1"])


def test_resuming_from_a_checkpoint_gives_the_same_parameters(tmp_path):
    data = blobs()
    straight = make_solver(small_net(), data, update_rule="adam",
                           optim_config={"learning_rate": 1e-2})
    straight.train()

    class Stop(Exception):
        pass

    def stop_after_epoch_2(solver, event):
        if event == "epoch" and solver.epoch == 2:
            raise Stop

    interrupted = make_solver(small_net(), data, update_rule="adam",
                              optim_config={"learning_rate": 1e-2},
                              checkpoint_name=str(tmp_path / "run"),
                              callback=stop_after_epoch_2)
    with pytest.raises(Stop):
        interrupted.train()
    resumed = make_solver(small_net(seed=99), data, update_rule="adam",
                          optim_config={"learning_rate": 1e-2}, seed=123)
    resumed.load_checkpoint(tmp_path / "run_epoch_2.npz")
    assert resumed.epoch == 2 and resumed.iteration == 20
    resumed.train()
    for name in straight.model.params:
        np.testing.assert_array_equal(resumed.model.params[name], straight.model.params[name])
    assert resumed.val_acc_history == straight.val_acc_history
    assert resumed.loss_history == straight.loss_history
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_epoch_0.npz", "run_epoch_1.npz",
                                                          "run_epoch_2.npz"]


def test_checkpoint_of_another_model_is_refused(tmp_path):
    solver = make_solver(small_net(), blobs(), num_epochs=1)
    solver.save_checkpoint(tmp_path / "a.npz")
    other = make_solver(TwoLayerNet(input_dim=4, hidden_dim=7, num_classes=3), blobs())
    with pytest.raises(ShapeError, match="saved from another model"):
        other.load_checkpoint(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", x=np.ones(2))
    with pytest.raises(ShapeError, match="not a convlab Solver checkpoint"):
        solver.load_checkpoint(tmp_path / "b.npz")


def test_callback_sees_iterations_and_epochs():
    events = []
    solver = make_solver(small_net(), blobs(), num_epochs=2,
                         callback=lambda s, event: events.append((event, s.iteration)))
    solver.train()
    assert [e for e in events if e[0] == "iteration"] == [("iteration", i) for i in range(1, 21)]
    assert [e for e in events if e[0] == "epoch"] == [("epoch", 1), ("epoch", 10), ("epoch", 20)]


def test_progress_bar_and_epoch_lines(capsys):
    make_solver(small_net(), blobs(), num_epochs=2, verbose=True).train()
    captured = capsys.readouterr()
    assert "20/20" in captured.err  # tqdm's bar, on stderr in a terminal
    assert "epoch 2/2: train acc" in captured.out


def test_quiet_when_not_verbose(capsys):
    make_solver(small_net(), blobs(), num_epochs=1).train()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_trains_a_convnet():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    X = rng.standard_normal((80, 1, 6, 6)) * 0.3
    X[y == 1, 0, :, 2:4] += 1.0   # class 1: a vertical bar; class 0: a horizontal one
    X[y == 0, 0, 2:4, :] += 1.0
    data = dict(X_train=X[:60], y_train=y[:60], X_val=X[60:], y_val=y[60:])
    model = ConvNet.from_spec("CONV-RELU-POOL-FC", input_shape=(1, 6, 6), num_classes=2,
                              filters=4, seed=0)
    solver = make_solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                         batch_size=10, num_epochs=8)
    solver.train()
    assert solver.best_val_acc == 1.0


@pytest.mark.parametrize("data, error, words", [
    ([1, 2], TypeError, "data must be a dict"),
    ({"X_train": np.ones((2, 4)), "y_train": np.zeros(2, int)}, ShapeError,
     "data is missing X_val, y_val"),
    (dict(X_train=np.ones((3, 4)), y_train=np.zeros(2, int), X_val=np.ones((2, 4)),
          y_val=np.zeros(2, int)), ShapeError, "X_train has 3 examples but y_train has 2"),
])
def test_bad_data(data, error, words):
    with pytest.raises(error, match=words):
        Solver(small_net(), data)


def test_unknown_update_rule():
    with pytest.raises(ShapeError, match="update_rule 'adagrad' is not one of"):
        Solver(small_net(), blobs(), update_rule="adagrad")
