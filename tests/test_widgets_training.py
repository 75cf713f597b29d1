"""The perceptron trainer, the orientation-tuning demo and the training dashboard.

Driven from Python, without a browser: buttons are clicked (or their
methods called), sliders moved, and the readout and the numbers checked.
"""
import matplotlib

matplotlib.use("Agg")

import re
import threading
import time

import numpy as np
import pytest

from convlab import data as datasets
from convlab import widgets
from convlab.demo import SPEC as DIGITS_SPEC
from convlab.models import Perceptron
from convlab.widgets.neurons import orientation_tuning, perceptron_trainer
from convlab.widgets.training import CIFAR_SPEC, training_dashboard


def text(html):
    """The readout's text, without tags and with single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def set_controls(demo, **values):
    for name, value in values.items():
        demo.controls[name].value = value


# --- The perceptron trainer ------------------------------------------------------

def test_the_demos_are_in_the_widgets_registry():
    assert widgets.perceptron_trainer is perceptron_trainer
    assert widgets.orientation_tuning is orientation_tuning
    assert widgets.training_dashboard is training_dashboard


def test_each_step_applies_the_1957_rule():
    demo = perceptron_trainer()
    demo.controls["learning_rate"].value = 0.5
    assert set(demo.controls) == {"step", "epoch", "reset", "learning_rate"}
    assert demo.perceptron.learning_rate == 0.5
    changes = 0
    for number in range(1, 7):
        i = demo.position
        x, d = demo.X[i], int(demo.d[i])
        w, b = demo.perceptron.w.copy(), demo.perceptron.b
        y_by_hand = 1 if w @ x + b > 0 else 0
        y = demo.do_step()
        assert y == y_by_hand
        # w_i(t+1) = w_i(t) + alpha (d - y(t)) x_i
        np.testing.assert_allclose(demo.perceptron.w, w + 0.5 * (d - y) * x)
        assert demo.perceptron.b == pytest.approx(b + 0.5 * (d - y))
        changes += d != y
        readout = text(demo.readout.value)
        assert f"Example {number} of 100" in readout
        assert f"desired output d = {d}" in readout and f"y(t) = {y}" in readout
        assert ("weights changed" in readout) == (d != y)
    # The default data starts 0 1 1 ...: from zero weights (y = 0), the
    # second example (d = 1) is a mistake.
    assert changes >= 1 and demo.total_updates == changes
    assert f"Mistakes in the current epoch so far: {changes}" in text(demo.readout.value)


def test_the_step_button_steps():
    demo = perceptron_trainer()
    demo.controls["step"].click()
    demo.controls["step"].click()
    assert demo.position == 2 and demo.last["index"] == 1


def test_an_epoch_counts_its_mistakes():
    data = datasets.separable_pair()
    by_hand = Perceptron(400)
    expected = sum(by_hand.step(x, d) != d for x, d in zip(data["X_flat"], data["d"]))

    demo = perceptron_trainer(data)
    for _ in range(3):
        demo.do_step()
    mistakes = demo.do_epoch()          # the rest of epoch 1
    assert mistakes == expected == demo.mistakes_per_epoch[0]
    assert demo.position == 0 and demo.epoch_mistakes == 0
    np.testing.assert_allclose(demo.perceptron.w, by_hand.w)
    assert f"Mistakes in the last finished epoch: {expected} of 100" in text(
        demo.readout.value)


def test_x_versus_o_is_learned_in_a_few_epochs():
    demo = perceptron_trainer()
    for _ in range(10):
        if demo.do_epoch() == 0:
            break
    assert demo.mistakes_per_epoch[-1] == 0
    assert len(demo.mistakes_per_epoch) <= 10
    np.testing.assert_array_equal(demo.perceptron.predict(demo.X), demo.d)
    assert "the perceptron has learned the task" in text(demo.readout.value)


def test_reset_zeroes_the_weights():
    demo = perceptron_trainer()
    demo.do_epoch()
    assert np.any(demo.perceptron.w != 0)
    demo.controls["reset"].click()
    assert np.all(demo.perceptron.w == 0) and demo.perceptron.b == 0
    assert demo.mistakes_per_epoch == [] and demo.position == 0
    assert demo.total_updates == 0
    assert "Press step to present example 1 of 100" in text(demo.readout.value)


# --- Hubel & Wiesel's cells ----------------------------------------------------------

def test_the_simple_cell_prefers_its_orientation():
    demo = orientation_tuning()
    for preferred in (45, 90, 135):
        set_controls(demo, preferred=preferred, row=7, col=7, length=7)
        angles, curves = demo.tuning_curve()
        # The peak is at the preferred orientation, to within a step of 5
        # degrees (the bar's pixels differ a little from angle to angle).
        peak = angles[np.argmax(curves["simple"])]
        assert min(abs(peak - preferred), 180 - abs(peak - preferred)) <= 5
        assert curves["simple"][angles == preferred] > 0.95 * curves["simple"].max()
        set_controls(demo, orientation=preferred)
        best = demo.responses()["simple"]
        set_controls(demo, orientation=(preferred + 90) % 180)
        assert demo.responses()["simple"] < 0.2 * best
    assert "simple cell" in text(demo.readout.value)


def test_the_simple_cell_needs_the_bar_in_its_field_the_complex_cell_does_not():
    demo = orientation_tuning()
    # A vertical bar, moved sideways (across its length) from the centre.
    set_controls(demo, preferred=90, orientation=90, row=7, col=7, length=7)
    centred = demo.responses()
    assert centred["simple"] > 0.8
    set_controls(demo, col=9)         # 2 pixels: onto an inhibitory flank
    moved = demo.responses()
    assert moved["simple"] < 0.1 * centred["simple"]
    assert moved["complex"] > 0.7 * centred["complex"]
    set_controls(demo, col=13)        # out of both fields
    away = demo.responses()
    assert away["simple"] < 0.05 and away["complex"] < 0.05


def test_the_end_stopped_cell_prefers_short_bars():
    demo = orientation_tuning()
    for preferred in (0, 45):
        set_controls(demo, preferred=preferred, orientation=preferred, row=7, col=7,
                     length=5)
        short = demo.responses()
        set_controls(demo, length=30)
        long = demo.responses()
        assert long["complex"] >= short["complex"]      # the complex cell is not stopped
        assert long["end_stopped"] < 0.5 * short["end_stopped"]
    readout = text(demo.readout.value)
    assert "end-stopped cell" in readout and f"{long['end_stopped']:.2f}" in readout


# --- The training dashboard ------------------------------------------------------------

@pytest.fixture(scope="module")
def small_digits():
    """A small part of the digits: 3 iterations of 50 per epoch."""
    digits = datasets.load_digits()
    return {"X_train": digits["X_train"][:150], "y_train": digits["y_train"][:150],
            "X_val": digits["X_val"][:40], "y_val": digits["y_val"][:40],
            "X_test": digits["X_test"][:40], "y_test": digits["y_test"][:40],
            "class_names": digits["class_names"]}


def test_run_trains_and_updates_the_readout_and_histories(small_digits):
    dash = training_dashboard(data=small_digits, epochs=3, update_every=1)
    assert set(dash.controls) == {"start", "epochs", "learning_rate"}
    assert dash.model.spec == DIGITS_SPEC
    solver = dash.run(epochs=1)
    assert solver is dash.solver and dash.status == "done"
    assert solver.epoch == 1 and solver.iteration == 3
    assert len(solver.loss_history) == 3
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 2
    readout = text(dash.readout.value)
    assert "epoch 1 of 1" in readout and "iteration 3 of 3" in readout
    assert f"loss {solver.loss_history[-1]:.3f}" in readout
    assert f"training accuracy {solver.train_acc_history[-1]:.3f}" in readout
    assert f"validation accuracy {solver.val_acc_history[-1]:.3f}" in readout
    assert re.search(r"test accuracy \d\.\d{3} \(40 test images\)", readout)
    assert re.search(r"time \d+\.\d s", readout)
    for image in dash.images.values():
        assert bytes(image.value).startswith(b"\x89PNG")


def test_start_trains_in_the_background_until_stop(small_digits):
    dash = training_dashboard(data=small_digits, epochs=50)
    thread = dash.start()
    assert dash.start() is None               # a second start starts nothing
    assert dash.thread is thread and thread.is_alive()
    assert sum(t.name == "convlab-training" for t in threading.enumerate()) == 1
    assert dash.controls["start"].description == "stop"
    with pytest.raises(RuntimeError):
        dash.run()
    deadline = time.monotonic() + 20
    while dash.solver.iteration < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    dash.controls["start"].click()            # the button is now "stop"
    thread.join(timeout=20)
    assert not thread.is_alive() and not dash.running
    assert dash.status == "stopped"
    assert 2 <= dash.solver.iteration < 50 * 3
    readout = text(dash.readout.value)
    assert "Stopped." in readout
    assert f"iteration {dash.solver.iteration} of 150" in readout
    assert "test accuracy" in readout
    assert dash.controls["start"].description == "start"


def test_cifar_shaped_data_gets_convnetjs_network():
    rng = np.random.default_rng(0)
    data = {"X_train": rng.normal(size=(20, 3, 32, 32)).astype(np.float32),
            "y_train": np.arange(20) % 10,
            "X_val": rng.normal(size=(4, 3, 32, 32)).astype(np.float32),
            "y_val": np.arange(4), "class_names": [f"class {k}" for k in range(10)]}
    dash = training_dashboard(data=data, batch_size=10)
    assert dash.model.spec == CIFAR_SPEC
    assert dash.model.input_shape == (3, 32, 32)
    assert dash.model.params["W1"].shape == (16, 3, 5, 5)


def test_an_error_in_the_background_shows_in_the_readout(small_digits):
    dash = training_dashboard(data=small_digits, epochs=1)

    def broken_loss(X, y=None):
        raise ValueError("no loss today")

    dash.model.loss = broken_loss
    dash.start().join(timeout=20)
    assert not dash.thread.is_alive() and not dash.running
    assert dash.status == "error" and isinstance(dash.error, ValueError)
    assert "Training stopped by an error: no loss today" in text(dash.readout.value)
    assert dash.controls["start"].description == "start"
