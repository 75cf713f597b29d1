"""The loss and the accuracies of a training run, also as a live plot.

- ``training_curves(history)``, ``update_training_curves(fig, history)``;
- ``moving_average(values, window)``.
"""

import numpy as np

from convlab.i18n import _
from convlab.viz.style import _figure
from convlab.viz.words import N_, bilingual


# --- Training curves ---------------------------------------------------------

def training_curves(history, fig=None):
    """The loss and the accuracies of a training run, side by side.

    Inputs:
    - history: a Solver, or anything with the lists ``loss_history`` (one
      loss per iteration), ``train_acc_history`` and ``val_acc_history`` (one
      accuracy per epoch: entry k is measured after k epochs, entry 0 at the
      start, after the first iteration, as CS231n's Solver does); or a dict
      with those keys. Missing or empty lists are drawn empty, so it can be
      called after the first iteration.
    - fig: figure to draw into (cleared first); None makes a new one.

    A live plot during training::

        fig = training_curves(solver)
        solver.callback = lambda s, event: update_training_curves(fig, s)

    Left: the loss of each iteration (light) and its moving average (dark),
    which shows the trend through the noise of the minibatches. Right: train
    and validation accuracy per epoch; a growing gap between them is
    overfitting. Words are in English and Vietnamese. Returns the Figure; ``update_training_curves(fig, history)``
    redraws it with new numbers.
    """
    loss, train_acc, val_acc = _history(history)
    fig = _figure(fig, figsize=(11, 4))
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot([], [], color="#4c72b0", alpha=0.3, linewidth=0.8,
                 label=bilingual(N_("loss")), gid="loss")
    loss_ax.plot([], [], color="#1f3b73", linewidth=2,
                 label=bilingual(N_("moving average")), gid="loss_average")
    loss_ax.set_xlabel(bilingual(N_("iteration")))
    loss_ax.set_ylabel(bilingual(N_("loss")))
    loss_ax.set_title(bilingual(N_("training loss")))
    acc_ax.plot([], [], "o-", color="#4c72b0", label=bilingual(N_("training set")), gid="train_acc")
    acc_ax.plot([], [], "o-", color="#dd8452", label=bilingual(N_("validation set")), gid="val_acc")
    acc_ax.set_xlabel(bilingual(N_("epoch")))
    acc_ax.set_ylabel(bilingual(N_("accuracy")))
    acc_ax.set_title(bilingual(N_("accuracy")))
    from matplotlib.ticker import MaxNLocator
    acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
    _set_curves(fig, loss, train_acc, val_acc)
    return fig


def update_training_curves(fig, history):
    """Redraw a figure made by ``training_curves`` with the numbers of ``history``.

    Only the lines' data change (no new figure, no new axes), so it is cheap
    enough to call from a training callback. Returns the Figure. With an
    interactive backend (``%matplotlib widget``) the figure redraws itself;
    with the notebook's default inline backend, show it again after each
    update: ``clear_output(wait=True); display(fig)`` (from IPython.display).
    """
    loss, train_acc, val_acc = _history(history)
    _set_curves(fig, loss, train_acc, val_acc)
    fig.canvas.draw_idle()
    return fig


def moving_average(values, window):
    """Trailing moving average: entry k is the mean of values[k:k + window].

    Returns an array of len(values) - window + 1 numbers (empty when there
    are fewer values than ``window``).
    """
    values = np.asarray(values, dtype=float)
    if values.size < window:
        return np.zeros(0)
    # A diverging run has inf or nan losses: let them give nan, silently.
    with np.errstate(invalid="ignore", over="ignore"):
        sums = np.cumsum(np.concatenate([[0.0], values]))
        return (sums[window:] - sums[:-window]) / window


def _history(history):
    """(loss, train_acc, val_acc) as float arrays, from a Solver or a dict."""
    keys = ("loss_history", "train_acc_history", "val_acc_history")
    if isinstance(history, dict):
        lists = [history.get(key) for key in keys]
    elif any(hasattr(history, key) for key in keys):
        lists = [getattr(history, key, None) for key in keys]
    else:
        raise TypeError(_("history must be a Solver or a dict with loss_history, "
                          "train_acc_history and val_acc_history, got {type}.").format(
            type=type(history).__name__))
    arrays = []
    for values in lists:
        values = np.zeros(0) if values is None else np.asarray(values, dtype=float).ravel()
        # matplotlib skips nan but complains about inf: draw a diverged loss as a gap.
        arrays.append(np.where(np.isfinite(values), values, np.nan))
    return arrays


def _set_curves(fig, loss, train_acc, val_acc):
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines()}
    if not {"loss", "loss_average", "train_acc", "val_acc"} <= lines.keys():
        raise ValueError(_("fig must be a figure made by training_curves."))
    window = max(1, min(100, loss.size // 10))
    average = moving_average(loss, window)
    lines["loss"].set_data(np.arange(loss.size), loss)
    lines["loss_average"].set_data(np.arange(window - 1, loss.size), average)
    lines["train_acc"].set_data(np.arange(train_acc.size), train_acc)
    lines["val_acc"].set_data(np.arange(val_acc.size), val_acc)
    for ax in fig.axes:
        ax.relim()
        ax.autoscale_view()
