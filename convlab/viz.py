"""Plots for the course notebooks, with matplotlib.

- ``filter_grid(w)``: the filters of a conv layer as small images.
- ``activation_maps(model, image)``: what each layer of a network computes
  for one image.
- ``training_curves(history)`` and ``update_training_curves(fig, history)``:
  the loss and the accuracies of a training run, also as a live plot.
- ``conv_step(x, w, i, j)`` and ``pool_step(x, i, j)``: one step of a
  convolution or a pooling layer, drawn as in the lecture's slides; the
  numbers they show come from ``conv_step_values`` and ``pool_step_values``.
- ``image_grid(X, labels)`` and ``predictions_grid(X, y_true, y_pred)``: a
  batch of images with their labels, the wrong predictions in red.

Every function returns the matplotlib Figure it drew, never calls
``plt.show()`` and leaves matplotlib's global settings alone. Functions that
draw one picture take ``ax=``, those that draw several take ``fig=``; the
axes or figure passed in is cleared first, so a widget can redraw into the
same place. Arrays are NCHW, as everywhere in convlab. Every text shown goes
through ``convlab.i18n``, so the figures follow ``set_language("vi")``.

matplotlib is imported inside the functions: ``import convlab`` (which does
not import this module) and ``import convlab.viz`` stay fast.
"""
import math
import numbers

import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.shapes import conv_output_shape, pool_output_shape

__all__ = [
    "activation_maps", "conv_step", "conv_step_values", "filter_grid",
    "image_grid", "moving_average", "pool_step", "pool_step_values", "predictions_grid",
    "training_curves", "update_training_curves",
]

# Colours shared by the step pictures: the window and the output cell it
# makes are outlined in the same colour, so the eye links them.
HIGHLIGHT = "#e66100"
PADDING_COLOR = "#e6e6e6"
WRONG_COLOR = "#d62728"
# Text is written into the cells of a grid only when it has at most this
# many rows and columns; beyond that the numbers would be unreadable.
MAX_CELLS_WITH_TEXT = 16


# --- Filters -----------------------------------------------------------------

def filter_grid(w, ax=None, title=None, normalize="each"):
    """The filters of a conv layer as a grid of small images.

    Inputs:
    - w: filters (F, C, HH, WW), or (F, HH, WW) for one channel each.
      C == 3 is shown in colour (channel 0 red, 1 green, 2 blue), C == 1 in
      grayscale. For any other C each tile shows the mean of the filter over
      its C channels, in grayscale; to see one channel k alone, pass
      ``w[:, k]``.
    - ax: axes to draw into (cleared first); None makes a new figure.
    - title: the axes title; None writes the number and size of the filters,
      "" writes none.
    - normalize: "each" scales every filter on its own to [0, 1] (min to
      black, max to white), which shows each pattern best; "all" uses one
      scale for all filters, which keeps their strengths comparable.

    Returns the Figure. ``ax.images[k]`` holds filter k's scaled pixels,
    (HH, WW, 3) for colour or (HH, WW).
    """
    w = _numeric_array("w", w)
    if w.ndim == 3:
        w = w[:, None]
    if w.ndim != 4:
        raise ShapeError(_("w must hold conv filters (F, C, HH, WW) or (F, HH, WW), "
                           "got shape {shape} ({ndim}-D).").format(
            shape=w.shape, ndim=w.ndim))
    if normalize not in ("each", "all"):
        raise ValueError(_("normalize must be \"each\" or \"all\", got "
                           "{value!r}.").format(value=normalize))
    F, C, HH, WW = w.shape
    if C == 3:
        tiles = w.transpose(0, 2, 3, 1)      # (F, HH, WW, 3): imshow wants RGB last
    elif C == 1:
        tiles = w[:, 0]
    else:
        tiles = w.mean(axis=1)
    if normalize == "each":
        tiles = np.stack([_scale01(tile) for tile in tiles])
    else:
        tiles = _scale01(tiles)

    nrows, ncols = _grid_shape(F)
    fig, ax = _axes(ax, figsize=(5, 5 * nrows / ncols + 0.5))
    cmap = None if C == 3 else "gray"
    _tile(ax, tiles, cmap=cmap, vmin=0, vmax=1)
    if title is None:
        title = _("{count} filters {width}x{height}x{depth}").format(
            count=F, width=WW, height=HH, depth=C)
        if C not in (1, 3):
            title += "\n" + _("(mean over the {depth} channels)").format(depth=C)
    ax.set_title(title)
    return fig


# --- Activation maps ---------------------------------------------------------

def activation_maps(model, image, layers=None, max_maps=16, fig=None):
    """What each layer of a network computes for one image.

    Inputs:
    - model: a network with ``model.activations(X)``, which takes a batch
      X (N, C, H, W) and returns the list of (layer name, array) of its
      layers in forward order, arrays (N, D, H', W') for conv and pooling
      layers and (N, D) for fully connected ones. Or that list itself, e.g.
      computed in the notebook; its arrays may also be one example's,
      (D, H', W') or (D,). Of a batch, example 0 is shown.
    - image: one input (C, H, W), or a batch of one (1, C, H, W); shown in
      the first panel. May be None when ``model`` is a list.
    - layers: which layers to show, by name or by position in the list
      (a list, or one name); None shows all.
    - max_maps: at most this many activation maps of each layer (the first
      ones); fully connected layers show all their outputs as bars.
    - fig: figure to draw into (cleared first); None makes a new one.

    Each conv or pooling layer gets one panel: a grid of its maps, all on
    one colour scale (so a map that stays dark is a filter that did not
    respond). Returns the Figure.
    """
    from matplotlib.colors import Normalize

    max_maps = checks.whole_number("max_maps", max_maps, minimum=1)
    if image is not None:
        image = _numeric_array("image", image)
        if image.ndim == 4 and image.shape[0] == 1:
            image = image[0]
        if image.ndim != 3:
            raise ShapeError(_("image must be one input (C, H, W) or a batch of one "
                               "(1, C, H, W), got shape {shape}.").format(shape=image.shape))
    if hasattr(model, "activations"):
        if image is None:
            raise ValueError(_("image is needed to run the model: pass one input "
                               "(C, H, W)."))
        pairs = model.activations(image[None])
    elif isinstance(model, (list, tuple)):
        pairs = model
    else:
        raise TypeError(_("model must have a method activations(X) or be a list of "
                          "(layer name, array) pairs, got {type}.").format(
            type=type(model).__name__))
    pairs = [_one_example(pair) for pair in pairs]
    chosen = _choose_layers(pairs, layers)
    if not chosen:
        raise ValueError(_("layers: no layer chosen, nothing to show; the layers are "
                           "{names}.").format(names=", ".join(name for name, _v in pairs)))

    panels = len(chosen) + (image is not None)
    ncols = min(3, panels)
    nrows = math.ceil(panels / ncols)
    fig = _figure(fig, figsize=(4.2 * ncols, 3.8 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_axis_off()
    axes = list(axes[:panels])
    if image is not None:
        first = axes.pop(0)
        _show_image(first, image)
        first.set_title(_("input {width}x{height}x{depth}").format(
            width=image.shape[2], height=image.shape[1], depth=image.shape[0]))
    for ax, (name, values) in zip(axes, chosen):
        if values.ndim == 1:
            ax.bar(np.arange(values.size), values, color="#4c72b0")
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xlabel(_("neuron"))
            ax.set_ylabel(_("value"))
            ax.set_title(name + "\n" + _("{depth} outputs").format(depth=values.size))
            continue
        maps = values[:max_maps]
        vmin, vmax = float(np.min(maps)), float(np.max(maps))
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
        norm = Normalize(vmin=vmin, vmax=vmax)
        images = _tile(ax, maps, cmap="viridis", norm=norm)
        fig.colorbar(images[0], ax=ax, shrink=0.8)
        ax.set_title(name + "\n" + _("{shown} of {depth} activation maps, "
                                      "{width}x{height}").format(
            shown=len(maps), depth=values.shape[0], width=values.shape[2],
            height=values.shape[1]))
    return fig


def _one_example(pair):
    """(name, array) of a batch or of one example -> (name, (D,) or (D, H, W))."""
    try:
        name, values = pair
    except (TypeError, ValueError):
        raise TypeError(_("activations must be (layer name, array) pairs, got "
                          "{value!r:.60}.").format(value=pair)) from None
    values = _numeric_array(str(name), values)
    if values.ndim in (2, 4):
        values = values[0]
    if values.ndim not in (1, 3):
        raise ShapeError(_("the activations of layer {name} must be (N, D, H, W) or "
                           "(N, D), got shape {shape}.").format(
            name=name, shape=values.shape))
    return str(name), values


def _choose_layers(pairs, layers):
    if layers is None:
        return pairs
    if isinstance(layers, (str, numbers.Integral)):
        layers = [layers]
    names = [name for name, _values in pairs]
    chosen = []
    for layer in layers:
        if isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
            if not -len(pairs) <= layer < len(pairs):
                raise ValueError(_("layers: there is no layer number {layer}, the "
                                   "model has {count} layers.").format(
                    layer=layer, count=len(pairs)))
            chosen.append(pairs[layer])
        elif layer in names:
            chosen.extend(pair for pair in pairs if pair[0] == layer)
        else:
            raise ValueError(_("layers: there is no layer {layer!r}; the layers are "
                               "{names}.").format(layer=layer, names=", ".join(names)))
    return chosen


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
    overfitting. Returns the Figure; ``update_training_curves(fig, history)``
    redraws it with new numbers.
    """
    loss, train_acc, val_acc = _history(history)
    fig = _figure(fig, figsize=(11, 4))
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot([], [], color="#4c72b0", alpha=0.3, linewidth=0.8,
                 label=_("loss"), gid="loss")
    loss_ax.plot([], [], color="#1f3b73", linewidth=2,
                 label=_("moving average"), gid="loss_average")
    loss_ax.set_xlabel(_("iteration"))
    loss_ax.set_ylabel(_("loss"))
    loss_ax.set_title(_("training loss"))
    acc_ax.plot([], [], "o-", color="#4c72b0", label=_("train"), gid="train_acc")
    acc_ax.plot([], [], "o-", color="#dd8452", label=_("validation"), gid="val_acc")
    acc_ax.set_xlabel(_("epoch"))
    acc_ax.set_ylabel(_("accuracy"))
    acc_ax.set_title(_("accuracy"))
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


# --- One convolution step ----------------------------------------------------

def conv_step_values(x, w, i, j, stride=1, pad=0, b=0.0):
    """The numbers of one step of a convolution: output position (i, j).

    Inputs:
    - x: one single-channel input (H, W), or (1, H, W)
    - w: one filter (HH, WW), or (1, HH, WW)
    - i, j: the output position (row, column), from 0
    - stride, pad: S and P, as in ``conv_forward_naive``
    - b: the filter's bias, a number

    Returns a dict of float arrays and numbers:
    - padded: the zero-padded input (H + 2P, W + 2P)
    - filter, bias: w as a float (HH, WW) array, b as a float
    - top, left: where the window starts in ``padded``: i*S and j*S
    - window: the part of ``padded`` under the filter (HH, WW)
    - products: window * w, elementwise (HH, WW)
    - total: products.sum() + b, the output value at (i, j)
    - output_so_far: the output (H2, W2), with the values of the positions
      up to (i, j) in reading order and nan (not computed yet) elsewhere
    """
    x = _single_channel("x", x, _("x must be one single-channel input (H, W) or "
                                  "(1, H, W), got shape {shape}."))
    w = _single_channel("w", w, _("w must be one single-channel filter (HH, WW) or "
                                  "(1, HH, WW), got shape {shape}."))
    b = _number("b", b)
    # The layer's own checks: stride and pad are whole numbers, the filter fits.
    H2, W2 = conv_output_shape(x[None, None], w[None, None], np.array([b]), stride, pad)
    i, j = _position(i, j, H2, W2)
    HH, WW = w.shape
    padded = np.pad(x, pad)

    output = np.full((H2, W2), np.nan)
    for row in range(H2):
        for col in range(W2):
            window = padded[row * stride:row * stride + HH, col * stride:col * stride + WW]
            output[row, col] = np.sum(window * w) + b
    top, left = i * stride, j * stride
    window = padded[top:top + HH, left:left + WW]
    products = window * w
    return dict(padded=padded, filter=w, bias=b, top=top, left=left, window=window,
                products=products, total=float(products.sum() + b),
                output_so_far=_so_far(output, i, j))


def conv_step(x, w, i, j, stride=1, pad=0, b=0.0, fig=None):
    """One step of a convolution, drawn like the lecture's slides.

    Same inputs as ``conv_step_values`` (x (H, W), filter w (HH, WW), output
    position (i, j)), and fig: the figure to draw into (cleared first) or
    None for a new one. Five panels, left to right:

    1. the input, zero-padded (the padding in grey), with the window under
       the filter outlined;
    2. the filter;
    3. the products window * filter, each cell written "x×w = product";
    4. their sum, plus the bias: the output value;
    5. the output filled so far (reading order up to (i, j)), the current
       cell outlined in the colour of the window.

    Numbers are written into the cells when a grid has at most 16 rows and
    columns. Returns the Figure.
    """
    v = conv_step_values(x, w, i, j, stride=stride, pad=pad, b=b)
    padded, w, b, products = v["padded"], v["filter"], v["bias"], v["products"]
    out = v["output_so_far"]
    lines = _sum_lines(products, b)
    heading = _("sum + bias") if b else _("sum")

    panels = [padded.shape, w.shape, w.shape, None, out.shape]
    fig, axes = _step_figure(fig, panels, lines + [heading])
    input_ax, filter_ax, products_ax, sum_ax, output_ax = axes

    is_padding = np.ones(padded.shape, dtype=bool)
    is_padding[pad:padded.shape[0] - pad, pad:padded.shape[1] - pad] = False
    _cells(input_ax, np.ma.masked_array(padded, is_padding), "Blues", blank=PADDING_COLOR,
           texts=_texts(padded), text_colors=np.where(is_padding, "0.45", "black"))
    if pad:
        # The input itself, inside its padding.
        _outline(input_ax, pad, pad, rows=padded.shape[0] - 2 * pad,
                 cols=padded.shape[1] - 2 * pad, color="0.3", linestyle="--", linewidth=1.2)
        input_ax.set_title(_("input, zero padding {pad}").format(pad=pad))
    else:
        input_ax.set_title(_("input"))
    _outline(input_ax, v["top"], v["left"], rows=w.shape[0], cols=w.shape[1])

    _cells(filter_ax, w, "RdBu", signed=True, texts=_texts(w))
    filter_ax.set_title(_("filter"))

    product_texts = _product_texts(v["window"], w, products)
    _cells(products_ax, products, "RdBu", signed=True, texts=product_texts,
           fontsize=10 if max(w.shape) <= 3 else 8)
    _outline(products_ax, 0, 0, rows=w.shape[0], cols=w.shape[1])
    products_ax.set_title(_("products"))

    _text_panel(sum_ax, heading, lines)

    _cells(output_ax, out, "RdBu", signed=True, texts=_texts(out))
    _outline(output_ax, i, j, rows=1, cols=1)
    output_ax.set_title(_("output {height}x{width}").format(
        height=out.shape[0], width=out.shape[1]))

    fig.suptitle(_("Convolution, stride {stride}, zero padding {pad}: output ({i}, {j}) "
                   "= {total}").format(stride=stride, pad=pad, i=i, j=j,
                                       total=_fmt(v["total"])), fontsize=13)
    return fig


def _product_texts(window, w, products):
    """Each cell as "a×c" over "= p", as on the slides; just "p" if a factor is too long."""
    a, c, p = _texts(window), _texts(w), _texts(products)
    cells = [(r, s) for r in range(w.shape[0]) for s in range(w.shape[1])]
    if any(len(a[r][s]) + len(c[r][s]) > 6 for r, s in cells):
        return p
    return [[f"{a[r][s]}×{c[r][s]}\n= {p[r][s]}" for s in range(w.shape[1])]
            for r in range(w.shape[0])]


def _sum_lines(products, b):
    """The sum of the products as text: one line per filter row, then "= total"."""
    if products.size > 25:
        lines = [_("sum of the {count} products").format(count=products.size)]
    else:
        terms = [[_fmt(p, 2) if p >= 0 else f"({_fmt(p, 2)})" for p in row] for row in products]
        lines = ["   " + " + ".join(terms[0])]
        lines += ["+ " + " + ".join(row) for row in terms[1:]]
    if b:
        lines.append(_("+ bias {b}").format(b=_fmt(b)))
    lines.append("= " + _fmt(products.sum() + b))
    return lines


# --- One pooling step --------------------------------------------------------

def pool_step_values(x, i, j, size=2, stride=2, mode="max"):
    """The numbers of one step of pooling: output position (i, j).

    Inputs:
    - x: one activation map (H, W), or (1, H, W)
    - i, j: the output position (row, column), from 0
    - size: F, the window is F x F; stride: S
    - mode: "max" (max pooling) or "avg" (average pooling)

    Returns a dict:
    - input: x as a float (H, W) array
    - top, left: where the window starts in x: i*S and j*S
    - window: the part of x pooled (size, size)
    - value: its max (or mean), the output value at (i, j)
    - argmax: (row, column) of the max inside the window (the first one when
      several are equal, as ``max_pool_backward`` does); None for "avg"
    - output_so_far: the output (H2, W2), with the values of the positions
      up to (i, j) in reading order and nan elsewhere
    """
    x = _single_channel("x", x, _("x must be one activation map (H, W) or "
                                  "(1, H, W), got shape {shape}."))
    if mode not in ("max", "avg"):
        raise ValueError(_("mode must be \"max\" or \"avg\", got {value!r}.").format(
            value=mode))
    H2, W2 = pool_output_shape(x[None, None], size, stride)
    i, j = _position(i, j, H2, W2)
    pool = np.max if mode == "max" else np.mean

    output = np.full((H2, W2), np.nan)
    for row in range(H2):
        for col in range(W2):
            output[row, col] = pool(x[row * stride:row * stride + size,
                                      col * stride:col * stride + size])
    top, left = i * stride, j * stride
    window = x[top:top + size, left:left + size]
    argmax = None
    if mode == "max":
        argmax = tuple(int(k) for k in np.unravel_index(np.argmax(window), window.shape))
    return dict(input=x, top=top, left=left, window=window, value=float(pool(window)),
                argmax=argmax, output_so_far=_so_far(output, i, j))


def pool_step(x, i, j, size=2, stride=2, mode="max", fig=None):
    """One step of pooling, drawn like the lecture's slides.

    Same inputs as ``pool_step_values``, and fig (cleared first, or None for
    a new figure). Three panels: the input with the window outlined (and its
    max in bold, for max pooling), the max or mean written out, and the
    output filled so far with the current cell outlined. Returns the Figure.
    """
    v = pool_step_values(x, i, j, size=size, stride=stride, mode=mode)
    x, out = v["input"], v["output_so_far"]
    name = "max" if mode == "max" else "mean"
    rows = [", ".join(_fmt(a) for a in row) for row in v["window"]]
    lines = (name + "(" + ",\n    ".join(rows) + ")").split("\n")
    lines.append("= " + _fmt(v["value"]))
    heading = _("max pooling") if mode == "max" else _("average pooling")

    fig, (input_ax, op_ax, output_ax) = _step_figure(fig, [x.shape, None, out.shape],
                                                     lines + [heading])
    texts = _texts(x)
    weights = np.full(x.shape, "normal", dtype=object)
    if v["argmax"] is not None:
        r, c = v["top"] + v["argmax"][0], v["left"] + v["argmax"][1]
        weights[r, c] = "bold"
        input_ax.add_patch(_rectangle(r, c, 1, 1, color=HIGHLIGHT, fill=True, alpha=0.35))
    _cells(input_ax, x, "Blues", texts=texts, weights=weights)
    _outline(input_ax, v["top"], v["left"], rows=size, cols=size)
    input_ax.set_title(_("input"))

    _text_panel(op_ax, heading, lines)

    _cells(output_ax, out, "Blues", texts=_texts(out), vmin=np.min(x), vmax=np.max(x))
    _outline(output_ax, i, j, rows=1, cols=1)
    output_ax.set_title(_("output {height}x{width}").format(
        height=out.shape[0], width=out.shape[1]))
    fig.suptitle(_("Pooling {size}x{size}, stride {stride}: output ({i}, {j}) = "
                   "{value}").format(size=size, stride=stride, i=i, j=j,
                                     value=_fmt(v["value"])), fontsize=13)
    return fig


# --- Images ------------------------------------------------------------------

def image_grid(X, labels=None, class_names=None, ncols=8, fig=None):
    """A batch of images in a grid, with their labels as titles.

    Inputs:
    - X: images (N, C, H, W) with C == 3 (colour) or C == 1 (grayscale);
      each image is min-max scaled to [0, 1] on its own
    - labels: None, or one label per image (N,): class numbers, or any text
    - class_names: None, or the names of the classes: title = class_names[label]
    - ncols: images per row
    - fig: figure to draw into (cleared first); None makes a new one

    Returns the Figure, one axes per image.
    """
    X = _images(X)
    titles = None
    if labels is not None:
        titles = [_label_name(label, class_names, "labels")
                  for label in _per_image("labels", labels, len(X))]
    return _image_panels(X, titles, None, ncols, fig)


def predictions_grid(X, y_true, y_pred, class_names=None, ncols=8, fig=None):
    """A batch of images titled with the predicted class, mistakes in red.

    Inputs as ``image_grid``, with y_true (N,) the true labels and y_pred
    (N,) the predictions. A wrong prediction gets a red title naming both
    classes and a red frame; the figure's title counts the correct ones.
    Returns the Figure.
    """
    X = _images(X)
    y_true = _per_image("y_true", y_true, len(X))
    y_pred = _per_image("y_pred", y_pred, len(X))
    titles, colors = [], []
    for true, pred in zip(y_true, y_pred):
        true_name = _label_name(true, class_names, "y_true")
        pred_name = _label_name(pred, class_names, "y_pred")
        if true == pred:
            titles.append(pred_name)
            colors.append(None)
        else:
            titles.append(_("{predicted}\ntrue: {true}").format(
                predicted=pred_name, true=true_name))
            colors.append(WRONG_COLOR)
    fig = _image_panels(X, titles, colors, ncols, fig)
    correct = sum(color is None for color in colors)
    fig.suptitle(_("{correct} of {total} predictions correct").format(
        correct=correct, total=len(X)))
    return fig


def _images(X):
    X = _numeric_array("X", X)
    if X.ndim != 4 or X.shape[1] not in (1, 3):
        raise ShapeError(_("X must be a batch of images (N, C, H, W) with C = 1 or 3, "
                           "got shape {shape}. For one image use X[None]; for "
                           "grayscale images (N, H, W) use X[:, None].").format(
            shape=X.shape))
    return X


def _per_image(name, values, n):
    values = np.asarray(values)
    if values.shape != (n,):
        raise ShapeError(_("{name} must hold one label per image: expected shape "
                           "({n},), got {shape}.").format(name=name, n=n, shape=values.shape))
    return values.tolist()


def _label_name(label, class_names, name):
    if class_names is None:
        return str(label)
    if not isinstance(label, numbers.Integral) or not 0 <= label < len(class_names):
        raise ValueError(_("{name} must hold class numbers from 0 to {last} to name "
                           "them with class_names, got {label!r}.").format(
            name=name, last=len(class_names) - 1, label=label))
    return str(class_names[label])


def _image_panels(X, titles, colors, ncols, fig):
    ncols = checks.whole_number("ncols", ncols, minimum=1)
    ncols = min(ncols, len(X))
    nrows = math.ceil(len(X) / ncols)
    fig = _figure(fig, figsize=(1.5 * ncols, 1.7 * nrows + 0.4))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        if k >= len(X):
            ax.set_axis_off()
            continue
        _show_image(ax, X[k])
        color = colors[k] if colors else None
        if titles is not None:
            ax.set_title(titles[k], fontsize=9, color=color or "black")
        if color:
            ax.set_axis_on()
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(color)
                spine.set_linewidth(3)
    return fig


def _show_image(ax, image):
    """One image (C, H, W), C == 3 in colour, else the channel mean in gray."""
    if image.shape[0] == 3:
        ax.imshow(_scale01(image.transpose(1, 2, 0)), interpolation="nearest")
    else:
        ax.imshow(_scale01(image.mean(axis=0)), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
    ax.set_axis_off()


# --- Helpers -------------------------------------------------------------------

def _numeric_array(name, value):
    """``value`` as a numeric ndarray (lists are fine), or a TypeError naming it."""
    try:
        array = np.asarray(value)
    except ValueError:
        raise TypeError(_("{name} must be an array of numbers, got {type}.").format(
            name=name, type=type(value).__name__)) from None
    if array.dtype == bool:
        array = array.astype(int)
    return checks.array(name, array)


def _single_channel(name, value, message):
    """An (H, W) float array from (H, W) or (1, H, W), else ShapeError(message)."""
    array = _numeric_array(name, value)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ShapeError(message.format(shape=array.shape))
    return array.astype(float)


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)) \
            or np.size(value) != 1:
        raise TypeError(_("{name} must be a number, got {value!r}.").format(
            name=name, value=value))
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


def _position(i, j, H2, W2):
    """Check the output position (i, j) against an output of H2 x W2."""
    i = checks.whole_number("i", i, minimum=0)
    j = checks.whole_number("j", j, minimum=0)
    if i >= H2:
        raise ShapeError(_("i must be a row of the output, from 0 to {last}: the "
                           "output is {height}x{width}, got i = {i}.").format(
            last=H2 - 1, height=H2, width=W2, i=i))
    if j >= W2:
        raise ShapeError(_("j must be a column of the output, from 0 to {last}: the "
                           "output is {height}x{width}, got j = {j}.").format(
            last=W2 - 1, height=H2, width=W2, j=j))
    return i, j


def _so_far(output, i, j):
    """A copy of ``output`` with nan after position (i, j) in reading order."""
    output = output.copy()
    later = np.arange(output.size).reshape(output.shape) > i * output.shape[1] + j
    output[later] = np.nan
    return output


def _scale01(a):
    """``a`` min-max scaled to [0, 1]; a constant array becomes 0.5 (mid-gray)."""
    a = np.asarray(a, dtype=float)
    low, high = a.min(), a.max()
    if high == low:
        return np.full(a.shape, 0.5)
    return (a - low) / (high - low)


def _fmt(value, digits=3):
    """A number as text: integers without ".0", others with ``digits`` significant digits."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.{digits}g}"


def _texts(values):
    """The cells' numbers as text (2 significant digits), "" for nan (not computed yet)."""
    return [["" if np.isnan(v) else _fmt(v, digits=2) for v in row] for row in values]


def _axes(ax, figsize):
    """(figure, axes): ``ax`` cleared, or a new figure with one axes."""
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    ax.clear()
    # ax.figure is a SubFigure for axes of a subfigure; its .figure is the Figure.
    return ax.figure.figure, ax


def _figure(fig, figsize):
    """``fig`` cleared, or a new figure; both laid out by matplotlib."""
    if fig is None:
        import matplotlib.pyplot as plt
        return plt.figure(figsize=figsize, layout="constrained")
    fig.clear()
    fig.set_layout_engine("constrained")
    return fig


def _tile(ax, tiles, **imshow_kwargs):
    """Draw equal-size tiles (H, W) or (H, W, 3) in a near-square grid on ``ax``.

    Each tile is its own image (``ax.images[k]`` is tile k), placed with
    ``extent``; the gaps between them show the axes' grey background.
    Returns the list of images.
    """
    n = len(tiles)
    h, w = tiles[0].shape[:2]
    gap = max(0.5, 0.12 * max(h, w))
    nrows, ncols = _grid_shape(n)
    images = []
    for k, tile in enumerate(tiles):
        row, col = divmod(k, ncols)
        left, top = col * (w + gap), row * (h + gap)
        images.append(ax.imshow(tile, extent=(left, left + w, top + h, top),
                                interpolation="nearest", **imshow_kwargs))
    ax.set_xlim(-gap, ncols * (w + gap))
    ax.set_ylim(nrows * (h + gap), -gap)     # y grows downwards, as in an image
    ax.set_aspect("equal")
    ax.set_facecolor("0.6")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return images


def _grid_shape(n):
    """(rows, columns) of a near-square grid for n tiles, never taller than wide."""
    ncols = math.ceil(math.sqrt(n))
    return math.ceil(n / ncols), ncols


def _step_figure(fig, panels, text):
    """A figure with one axes per panel, side by side, cells of equal size.

    ``panels`` holds the (rows, cols) of each grid panel, None for the text
    panel, made wide enough for the lines of ``text``. Large grids are
    shrunk so that the figure stays on a screen.
    """
    # About 0.22 cells per character at 12 points.
    text_width = max(3, 0.22 * max(len(line) for line in text))
    widths = [text_width if p is None else min(p[1], MAX_CELLS_WITH_TEXT) for p in panels]
    heights = [min(p[0], MAX_CELLS_WITH_TEXT) for p in panels if p is not None]
    cell = 0.55                            # inches per cell
    fig = _figure(fig, figsize=(cell * sum(widths) + 0.6 * len(panels),
                                cell * max(heights + [3]) + 1.4))
    axes = fig.subplots(1, len(panels), width_ratios=widths)
    return fig, list(axes)


def _cells(ax, values, cmap, texts=None, signed=False, vmin=None, vmax=None,
           blank="white", text_colors=None, weights=None, fontsize=None):
    """A grid of cells coloured by value, with ``texts`` written in them.

    Colours are kept light (the largest value at about the middle of the
    colour map) so that black text stays readable; ``signed`` centres the
    colour map on zero. nan and masked cells are drawn in ``blank``.
    """
    import matplotlib

    values = np.ma.masked_invalid(values)
    rows, cols = values.shape
    finite = values.compressed()
    if vmin is None:
        vmin = finite.min() if finite.size else 0.0
    if vmax is None:
        vmax = finite.max() if finite.size else 1.0
    if signed:
        limit = max(abs(vmin), abs(vmax), 1e-12)
        vmin, vmax = -2 * limit, 2 * limit
    else:
        vmax = vmax + max(vmax - vmin, 1e-12)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad=blank)
    ax.imshow(values, cmap=colormap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="0.55", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if texts is None or max(rows, cols) > MAX_CELLS_WITH_TEXT:
        return
    if fontsize is None:
        fontsize = 11 if max(rows, cols) <= 10 else 8
    for r in range(rows):
        for c in range(cols):
            ax.text(c, r, texts[r][c], ha="center", va="center", fontsize=fontsize,
                    color="black" if text_colors is None else text_colors[r][c],
                    fontweight="normal" if weights is None else weights[r][c])


def _text_panel(ax, heading, lines, fontsize=12):
    """``lines`` of text centred in ``ax``, ``heading`` just above them."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", fontsize=fontsize,
            multialignment="left", linespacing=1.6, transform=ax.transAxes)
    # Half the block's height (1.6 lines per line of text), plus a gap, in points.
    above = len(lines) * 1.6 * fontsize / 2 + 10
    ax.annotate(heading, (0.5, 0.5), xycoords="axes fraction", xytext=(0, above),
                textcoords="offset points", ha="center", va="bottom", fontsize=fontsize)


def _rectangle(row, col, rows, cols, color=HIGHLIGHT, fill=False, **kwargs):
    from matplotlib.patches import Rectangle
    return Rectangle((col - 0.5, row - 0.5), cols, rows, facecolor=color if fill else "none",
                     edgecolor=color, **kwargs)


def _outline(ax, row, col, rows, cols, color=HIGHLIGHT, linewidth=3, linestyle="-"):
    """Outline ``rows`` x ``cols`` cells of a grid, from (row, col)."""
    ax.add_patch(_rectangle(row, col, rows, cols, color=color, linewidth=linewidth,
                            linestyle=linestyle))
