"""Train a ConvNet live in the notebook, as in ConvNetJS's CIFAR-10 demo.

``training_dashboard()`` trains in a background thread: the notebook stays
responsive while the loss and accuracy curves, the first layer's filters,
the activation maps of one image and the predictions on validation images
are redrawn. ``.run()`` trains in the caller's thread instead (for tests
and notebooks run headless).

The figures are shown as PNG images (``ipywidgets.Image``) whose pixels the
training thread replaces: an Output widget cannot safely capture output
from a background thread.
"""
import html
import io
import threading
import time
import traceback

import numpy as np
import ipywidgets

from convlab import checks, viz
from convlab.i18n import _
from convlab.models import ConvNet
from convlab.solver import Solver
from convlab.viz.words import N_, bilingual
from convlab.widgets.base import Demo

# During training, after a redraw that took s seconds, the next one of the
# same kind (curves, or the other figures) waits at least DRAW_PAUSE * s
# seconds: each kind takes at most a quarter of the time, both at most half.
DRAW_PAUSE = 3.0
# Figures are rendered at this resolution (pixels per inch).
DPI = 72
# How many validation images the predictions grid shows.
N_PREDICTIONS = 16
# The test accuracy at the end uses at most this many test images.
MAX_TEST_IMAGES = 2000

# ConvNetJS's CIFAR-10 demo: three 5x5 conv layers of 16, 20 and 20 filters,
# each followed by ReLU and 2x2 max pooling, then a fully connected layer.
CIFAR_SPEC = "[CONV-RELU-POOL]*3-FC"
CIFAR_FILTERS = [16, 20, 20]


class _StopTraining(Exception):
    """Raised in the Solver's callback to end training early; caught by _train."""


def default_model(data, seed=0):
    """The dashboard's ConvNet for ``data``.

    The 8x8 digits get ``convlab.demo.digits_convnet``; other images, such
    as CIFAR-10's (3, 32, 32), the network of ConvNetJS's CIFAR-10 demo:
    [CONV-RELU-POOL]*3-FC with 16, 20, 20 filters of 5x5.
    """
    from convlab.demo import digits_convnet

    shape = tuple(data["X_train"].shape[1:])
    num_classes = _num_classes(data)
    if shape == (1, 8, 8) and num_classes == 10:
        return digits_convnet(seed)
    return ConvNet.from_spec(CIFAR_SPEC, input_shape=shape, num_classes=num_classes,
                             filters=CIFAR_FILTERS, filter_size=5, seed=seed)


def _num_classes(data):
    if data.get("class_names") is not None:
        return len(data["class_names"])
    return int(max(data["y_train"].max(), data["y_val"].max())) + 1


def _png(figure):
    """The figure as PNG bytes (without pyplot: safe in a background thread)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _new_figure(figsize):
    # A Figure made without pyplot belongs to no GUI and no global state, so
    # the training thread can draw it while the notebook does other things.
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


class TrainingDashboard(Demo):
    """A ConvNet training live, with its curves, filters, activations, predictions.

    Attributes besides the Demo's:
    - model, data, solver: what is trained, on what, by what (a ``Solver``
      kept from run to run: each run trains ``epochs`` more epochs)
    - thread: the background training thread of the last ``start()``, or None
    - status: "ready", "training", "stopping", "stopped", "done" or "error"
    - seconds: training time of all runs so far
    - test_accuracy: on the test split after the last run (None without one)
    - error, error_traceback: what stopped a background run, if anything did
    - images: the ipywidgets.Image of each figure, by name
    """

    def __init__(self, model=None, data=None, epochs=10, batch_size=50,
                 learning_rate=2e-3, update_every=10, seed=0):
        if data is None:
            from convlab.data import load_digits

            data = load_digits()
        self.data = data
        self.model = default_model(data, seed) if model is None else model
        self.update_every = checks.whole_number("update_every", update_every, minimum=1)
        epochs = checks.whole_number("epochs", epochs, minimum=1)
        # A constant learning rate (no decay): the slider always says what it is.
        self.solver = Solver(self.model, data, update_rule="adam",
                             optim_config={"learning_rate": learning_rate},
                             batch_size=batch_size, num_epochs=epochs, verbose=False,
                             seed=seed, callback=self._callback)
        self.thread = None
        self.status = "ready"
        self.seconds = 0.0
        self.test_accuracy = None
        self.error = self.error_traceback = None
        self._busy = False                 # a run (in any thread) is under way
        self._lock = threading.Lock()      # guards _busy: one run at a time
        self._stop_requested = threading.Event()
        self._run_started = None
        self._next_curves = self._next_heavy = 0.0

        start = ipywidgets.Button(description=_("start"), icon="play",
                                  button_style="success")
        start.on_click(self._on_click)
        controls = dict(
            start=start,
            epochs=ipywidgets.IntSlider(value=epochs, min=1, max=max(50, epochs),
                                        description=_("epochs"),
                                        continuous_update=False),
            learning_rate=ipywidgets.FloatLogSlider(
                value=learning_rate, base=10, min=-5, max=-1, step=0.1,
                readout_format=".1e", description=_("learning rate"),
                continuous_update=False, style={"description_width": "initial"}),
        )
        super().__init__(controls, title=_("Train a ConvNet live (as in ConvNetJS's "
                                           "CIFAR-10 demo)"))

        self.images = {name: ipywidgets.Image(format="png",
                                              layout=ipywidgets.Layout(max_width="100%"))
                       for name in ("curves", "filters", "activations", "predictions")}
        n = min(N_PREDICTIONS, len(data["X_val"]))
        self.figures = {
            "curves": viz.training_curves(self.solver, fig=_new_figure((10, 3.3))),
            "predictions": _new_figure((1.3 * min(8, n), 1.5 * int(np.ceil(n / 8)) + 0.4)),
        }
        if self._first_conv() is not None:
            self.figures["filters"] = _new_figure((3.6, 3.8))
            self.figures["filters"].add_subplot()
        if hasattr(self.model, "activations"):
            self.figures["activations"] = _new_figure((9, 3))   # resized when drawn
        for name, image in self.images.items():
            if name not in self.figures:
                image.layout.display = "none"
        box = ipywidgets.VBox([
            self.images["curves"],
            ipywidgets.HBox([self.images["filters"], self.images["activations"]]),
            self.images["predictions"]])
        # Put in place once; afterwards only the images' pixels change. (As
        # children of the plot area, not displayed into an Output widget:
        # see widgets/base.py.)
        self.plot.children = [box]
        self.update()
        self.draw(heavy=True)

    # --- Starting and stopping --------------------------------------------------------

    @property
    def running(self):
        """True while a run (background or ``run()``) is under way."""
        return self._busy

    def start(self):
        """Train ``epochs`` (the slider) more epochs in a background thread.

        Returns the thread, or None when training is already running: there
        is never more than one.
        """
        with self._lock:
            if self._busy:
                return None
            self._busy = True
            self._stop_requested.clear()
            self.thread = threading.Thread(target=self._train_in_thread,
                                           name="convlab-training", daemon=True)
            self._show_button(running=True)
            self.thread.start()
        return self.thread

    def stop(self):
        """Ask a running training to stop at its next iteration; returns at once.

        The thread then draws the figures one last time and ends: wait for
        it with ``dashboard.thread.join()`` if needed.
        """
        if self._busy:
            self._stop_requested.set()
            if self.status == "training":
                self.status = "stopping"
                self._write_readout()

    def run(self, epochs=None):
        """Train ``epochs`` more epochs (default: the slider) in this thread.

        Blocks until the end; returns the Solver. The figures and the readout
        update as with ``start``.
        """
        with self._lock:
            if self._busy:
                raise RuntimeError(_("Training is already running: wait for it to "
                                     "end, or stop it with .stop()."))
            self._busy = True
            self._stop_requested.clear()
        self._train(epochs)
        return self.solver

    def _on_click(self, _button):
        if self._busy:
            self.stop()
        else:
            self.start()

    def _train_in_thread(self):
        try:
            self._train(None)
        except Exception as error:
            # Nobody would see it raised in this thread: the readout shows it.
            self.status, self.error = "error", error
            self.error_traceback = traceback.format_exc()
            self._write_readout()

    def _train(self, epochs):
        """One run of training; the caller has set _busy."""
        try:
            epochs = self.controls["epochs"].value if epochs is None else \
                checks.whole_number("epochs", epochs, minimum=1)
            solver = self.solver
            # Continue where the last run stopped, for `epochs` more epochs.
            solver.num_epochs = solver.epoch + epochs
            for config in solver.optim_configs.values():
                config["learning_rate"] = float(self.controls["learning_rate"].value)
            self.status, self.test_accuracy = "training", None
            self.error = self.error_traceback = None
            self._run_started = time.perf_counter()
            self._next_curves = self._next_heavy = 0.0
            self._write_readout()
            try:
                solver.train()
            except _StopTraining:
                self.status = "stopped"
            except Exception as error:
                self.status, self.error = "error", error
                raise
            else:
                self.status = "done"
            finally:
                self.seconds += time.perf_counter() - self._run_started
                self._run_started = None
            self.test_accuracy = self._test_accuracy()
        finally:
            try:
                self._write_readout()
                if self.status != "error":    # the model may be what is broken
                    self.draw(heavy=True)
            finally:
                with self._lock:
                    self._busy = False
                self._show_button(running=False)

    def _callback(self, solver, event):
        """Called by the Solver after every iteration and every accuracy check."""
        epoch_end = solver.iteration % solver.iterations_per_epoch == 0
        # At the end of an epoch, wait for the accuracy check ("epoch") that
        # follows, so that the epoch is counted and recorded.
        if self._stop_requested.is_set() and (event == "epoch" or not epoch_end):
            raise _StopTraining
        now = time.perf_counter()
        if event == "epoch":
            self._write_readout()
            if now >= self._next_heavy:
                self.draw(heavy=True)
            elif now >= self._next_curves:
                self.draw(heavy=False)
        elif solver.iteration % self.update_every == 0:
            self._write_readout()
            if now >= self._next_curves:
                self.draw(heavy=False)

    def _test_accuracy(self):
        """Accuracy on (at most MAX_TEST_IMAGES of) the test split, or None."""
        if self.data.get("X_test") is None or len(self.data["X_test"]) == 0:
            return None
        X = self.data["X_test"][:MAX_TEST_IMAGES]
        y = self.data["y_test"][:MAX_TEST_IMAGES]
        return self.solver.check_accuracy(X, y)

    def _show_button(self, running):
        """The button says "stop" while training runs, "start" otherwise."""
        button = self.controls["start"]
        if running:
            button.description, button.icon, button.button_style = (
                _("stop"), "stop", "danger")
        else:
            button.description, button.icon, button.button_style = (
                _("start"), "play", "success")

    # --- Readout and figures ----------------------------------------------------------

    def update(self, change=None):
        """A slider moved: it takes effect at the next start; refresh the readout."""
        self._write_readout()

    def _write_readout(self):
        solver = self.solver
        statuses = {
            "ready": _("Ready: press {start} to train {epochs} epochs.").format(
                start=f"<b>{_('start')}</b>", epochs=self.controls["epochs"].value),
            "training": _("Training..."),
            "stopping": _("Stopping at the next iteration..."),
            "stopped": _("Stopped."),
            "done": _("Done."),
            "error": _("Training stopped by an error: {error}").format(
                error=html.escape(str(self.error))),
        }
        seconds = self.seconds
        if self._run_started is not None:
            seconds += time.perf_counter() - self._run_started
        rows = [
            (_("epoch"), _("{epoch} of {epochs}").format(
                epoch=solver.epoch, epochs=solver.num_epochs)),
            (_("iteration"), _("{iteration} of {iterations}").format(
                iteration=solver.iteration,
                iterations=solver.num_epochs * solver.iterations_per_epoch)),
            (_("loss"), _number(solver.loss_history)),
            (_("training accuracy"), _number(solver.train_acc_history)),
            (_("validation accuracy"), _number(solver.val_acc_history)),
            (_("time"), _("{seconds:.1f} s").format(seconds=seconds)),
        ]
        if self.test_accuracy is not None:
            rows.append((_("test accuracy"), _("{accuracy:.3f} ({count} test "
                                               "images)").format(
                accuracy=self.test_accuracy,
                count=min(MAX_TEST_IMAGES, len(self.data["X_test"])))))
        cells = "".join(f"<tr><td style='padding-right:1em'>{label}</td>"
                        f"<td><b>{value}</b></td></tr>" for label, value in rows)
        details = ""
        if self.status == "error" and self.error_traceback:
            details = (f"<details><summary>{_('traceback')}</summary><pre>"
                       f"{html.escape(self.error_traceback)}</pre></details>")
        self.readout.value = f"{statuses[self.status]}{details}<table>{cells}</table>"

    def draw(self, heavy=True):
        """Redraw the curves; with heavy=True also the filters, activations, predictions."""
        started = time.perf_counter()
        viz.update_training_curves(self.figures["curves"], self.solver)
        self.images["curves"].value = _png(self.figures["curves"])
        curves_done = time.perf_counter()
        self._next_curves = curves_done + DRAW_PAUSE * (curves_done - started)
        if heavy:
            self._draw_heavy()
            now = time.perf_counter()
            self._next_heavy = now + DRAW_PAUSE * (now - curves_done)

    def _draw_heavy(self):
        names = self.data.get("class_names")
        if "filters" in self.figures:
            viz.filter_grid(self.model.params[self._first_conv().weight],
                            ax=self.figures["filters"].axes[0])
            self.images["filters"].value = _png(self.figures["filters"])

        if "activations" in self.figures:
            figure = self.figures["activations"]
            image, label = self.data["X_val"][0], self.data["y_val"][0]
            pairs = self.model.activations(image[None])
            shown = self._activation_layers() or [name for name, _values in pairs]
            # activation_maps puts its panels, the image and one per layer,
            # in rows of three.
            panels = len(shown) + 1
            figure.set_size_inches(3.0 * min(3, panels), 3.0 * int(np.ceil(panels / 3)))
            viz.activation_maps(pairs, image, layers=shown, fig=figure)
            figure.suptitle(bilingual(N_("activation maps of one validation image "
                                         "({label})")).format(
                label=names[label] if names is not None else label))
            self.images["activations"].value = _png(figure)

        X = self.data["X_val"][:N_PREDICTIONS]
        predicted = np.argmax(self.model.loss(X), axis=1)
        viz.predictions_grid(X, self.data["y_val"][:N_PREDICTIONS], predicted,
                             class_names=names, fig=self.figures["predictions"])
        self.images["predictions"].value = _png(self.figures["predictions"])

    def _first_conv(self):
        for layer in getattr(self.model, "layers", []):
            if layer.kind == "conv":
                return layer
        return None

    def _activation_layers(self):
        """Names of the ReLU layers after conv layers (at most 5); [] if none."""
        layers = getattr(self.model, "layers", [])
        chosen = [layer.name for before, layer in zip(layers, layers[1:])
                  if before.kind == "conv" and layer.kind == "relu"]
        return chosen[:5]


def _number(history):
    """The last value of a history list as text, "-" while it is empty."""
    return f"{history[-1]:.3f}" if history else "-"


def training_dashboard(model=None, data=None, epochs=10, batch_size=50,
                       learning_rate=2e-3, update_every=10, seed=0):
    """Train a ConvNet live, as in ConvNetJS's CIFAR-10 demo, in the notebook.

    Press "start" to train in a background thread (the notebook stays
    usable; the button becomes "stop"). The plot shows the loss and the
    accuracies, the first conv layer's filters, the activation maps of one
    validation image and the predictions on 16 validation images (wrong ones
    in red); the readout gives the epoch, iteration, loss, accuracies, time,
    and at the end the test accuracy.

    - model: a network with ``params``, ``loss`` (and ``layers`` and
      ``activations`` to see its filters and activation maps); default
      ``convlab.demo.digits_convnet(seed)`` for the digits, or ConvNetJS's
      [CONV-RELU-POOL]*3-FC for other images such as CIFAR-10
    - data: a dict with X_train, y_train, X_val, y_val (and X_test, y_test,
      class_names), e.g. ``load_cifar10(path)``; default ``load_digits()``
    - epochs, learning_rate: the sliders' first values (Adam, no decay)
    - batch_size: minibatch size of the Solver
    - update_every: refresh the readout and curves every this many iterations
    - seed: of the model's initial weights and of the minibatches

    Returns the demo: ``.run(epochs)`` trains in the caller's thread,
    ``.start()`` and ``.stop()`` do what the button does, ``.solver`` and
    ``.model`` are the Solver and the network.
    """
    return TrainingDashboard(model, data, epochs, batch_size, learning_rate,
                             update_every, seed)
