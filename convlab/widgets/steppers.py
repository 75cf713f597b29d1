"""A filter, or a pooling window, sliding over its input one step at a time.

- ``conv_stepper()``: one step of a convolution for each position of the
  ``step`` slider (the play button animates it): the window under the
  filter, its products with the filter, their sum, the output value.
- ``pool_stepper()``: the same for max pooling and average pooling.

The pictures are ``convlab.viz.conv_step`` and ``convlab.viz.pool_step``.
A stride, padding or window size that does not fit shows the lecture's
formula, from ``ShapeError``, instead of a picture.
"""
import html

import ipywidgets
import numpy as np

from convlab import examples, viz
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.shapes import conv_output_shape, pool_output_shape
from convlab.widgets.base import Demo

__all__ = ["conv_stepper", "pool_stepper"]

# The slides' examples: the 9x9 input and [1 0 -1] filter of the
# "Convolution Layer" steps, and the 4x4 max pooling example.
NINE_BY_NINE, EDGE_FILTER = examples.NINE_BY_NINE, examples.EDGE_FILTER
POOL_EXAMPLE = examples.POOL_INPUT


def conv_stepper(x=None, w=None, stride=1, pad=0, b=0.0):
    """Slide a filter over a single-channel input, one output position per step.

    Inputs:
    - x: the input (H, W) or (1, H, W); None: the lecture's 9x9 binary input
    - w: the filter (HH, WW) or (1, HH, WW); None: the lecture's 3x3 filter
      [[1, 0, -1]] * 3
    - stride, pad: S and P at the start
    - b: the filter's bias

    Controls: ``step`` (the output position, in reading order; the play
    button next to it animates the steps), ``stride`` and ``pad``. The
    readout shows the position (i, j), the products of the window with the
    filter and their sum (+ bias), which is the output value.
    """
    return ConvStepper(x, w, stride=stride, pad=pad, b=b)


def pool_stepper(x=None, size=2, stride=2, mode="max"):
    """Slide a pooling window over an activation map, one output position per step.

    Inputs:
    - x: the activation map (H, W) or (1, H, W); None: the lecture's 4x4
      example, which max-pools (2x2, stride 2) to [[6, 8], [3, 4]]
    - size, stride: the window is size x size, it moves by ``stride``
    - mode: "max" (max pooling) or "avg" (average pooling)

    Controls: ``step``, ``size``, ``stride`` and ``mode``. The readout shows
    the window's values, their max (or mean) and the output so far.
    """
    return PoolStepper(x, size=size, stride=stride, mode=mode)


class Stepper(Demo):
    """What both steppers share: a ``step`` slider over the output positions.

    Subclasses give ``output_shape()`` (which raises ShapeError when the
    hyperparameters do not fit) and ``draw(i, j)`` (the readout and the
    picture of output position (i, j)).
    """

    def __init__(self, controls, title):
        step = controls["step"]
        self.play = ipywidgets.Play(value=0, min=0, max=step.max, interval=900,
                                    description=_("play"))
        # Linked in Python rather than in the browser: the play button then
        # also moves the slider in tests, and follows its maximum.
        ipywidgets.link((step, "max"), (self.play, "max"))
        ipywidgets.link((step, "value"), (self.play, "value"))
        self.figure = None          # the last picture drawn, e.g. to save it
        self._updating = False
        super().__init__(controls, title)
        row = self.children[1]
        row.children = (self.play,) + tuple(row.children)
        self.update()

    def update(self, change=None):
        """Redraw for the current controls; a combination that does not fit shows why."""
        if self._updating:
            # A change made by update itself: the step slider clamped to a new maximum.
            return
        self._updating = True
        try:
            self._redraw()
        finally:
            self._updating = False

    def _redraw(self):
        step = self.controls["step"]
        try:
            rows, cols = self.output_shape()
        except ShapeError as error:
            self.play.playing = False
            step.disabled = self.play.disabled = True
            self.readout.value = "<p style='color:#b00000'><b>{}</b> {}</p>".format(
                _("does not fit:"), html.escape(str(error)))
            self.figure = None
            self.clear_plot()
            return
        step.disabled = self.play.disabled = False
        step.max = rows * cols - 1
        i, j = divmod(step.value, cols)
        self.draw(i, j)

    def heading(self, i, j, value):
        """The readout's first line, the same for both steppers."""
        return "<b>{}</b>".format(_(
            "Step {step} (of 0 to {last}): output position ({i}, {j}) = {value}").format(
            step=self.controls["step"].value, last=self.controls["step"].max,
            i=i, j=j, value=_fmt(value)))


class ConvStepper(Stepper):
    """The demo made by ``conv_stepper``."""

    def __init__(self, x=None, w=None, stride=1, pad=0, b=0.0):
        self.x = _one_map(NINE_BY_NINE if x is None else x, _(
            "x must be one single-channel input (H, W) or (1, H, W), got shape {shape}."))
        self.w = _one_map(EDGE_FILTER if w is None else w, _(
            "w must be one single-channel filter (HH, WW) or (1, HH, WW), got shape {shape}."))
        self.b = float(b)
        controls = {
            "step": _slider(_("step"), 0, 0, 0),
            "stride": _slider(_("stride S"), stride, 1, 4),
            "pad": _slider(_("zero padding P"), pad, 0, 3),
        }
        super().__init__(controls, _("Convolution, step by step"))

    def output_shape(self):
        return conv_output_shape(self.x[None, None], self.w[None, None], np.array([self.b]),
                                 self.controls["stride"].value, self.controls["pad"].value)

    def draw(self, i, j):
        stride, pad = self.controls["stride"].value, self.controls["pad"].value
        v = viz.conv_step_values(self.x, self.w, i, j, stride=stride, pad=pad, b=self.b)
        rows, cols = v["filter"].shape
        if pad:
            where = _("window: rows {top} to {bottom}, columns {left} to {right} of the "
                      "input with its zero padding")
        else:
            where = _("window: rows {top} to {bottom}, columns {left} to {right} of the "
                      "input")
        lines = [self.heading(i, j, v["total"]),
                 where.format(top=v["top"], bottom=v["top"] + rows - 1, left=v["left"],
                              right=v["left"] + cols - 1),
                 _sum_of_products(v["window"], v["filter"], self.b)]
        self.readout.value = "<br>".join(lines)
        self.figure = viz.conv_step(self.x, self.w, i, j, stride=stride, pad=pad, b=self.b)
        self.show(self.figure)


class PoolStepper(Stepper):
    """The demo made by ``pool_stepper``."""

    def __init__(self, x=None, size=2, stride=2, mode="max"):
        self.x = _one_map(POOL_EXAMPLE if x is None else x, _(
            "x must be one activation map (H, W) or (1, H, W), got shape {shape}."))
        if mode not in ("max", "avg"):
            raise ValueError(_("mode must be \"max\" or \"avg\", got {value!r}.").format(
                value=mode))
        controls = {
            "step": _slider(_("step"), 0, 0, 0),
            "size": _slider(_("window size F"), size, 1, 4),
            "stride": _slider(_("stride S"), stride, 1, 4),
            "mode": ipywidgets.ToggleButtons(
                options=[(_("max pooling"), "max"), (_("average pooling"), "avg")],
                value=mode),
        }
        super().__init__(controls, _("Pooling, step by step"))

    def output_shape(self):
        """(rows, cols) of the output, or ShapeError in the words of pooling
        (convlab.shapes.pooled_size: a window, no zero padding)."""
        size, stride = self.controls["size"].value, self.controls["stride"].value
        return pool_output_shape(self.x[None, None], size, stride)

    def draw(self, i, j):
        size, stride = self.controls["size"].value, self.controls["stride"].value
        mode = self.controls["mode"].value
        v = viz.pool_step_values(self.x, i, j, size=size, stride=stride, mode=mode)
        values = ", ".join(_fmt(a) for a in v["window"].ravel())
        if mode == "max":
            operation = "max({}) = {}".format(values, _fmt(v["value"]))
        else:
            operation = "mean({}) = ({})/{} = {}".format(
                values, " + ".join(_fmt(a) for a in v["window"].ravel()),
                v["window"].size, _fmt(v["value"]))
        lines = [self.heading(i, j, v["value"]),
                 _("window: rows {top} to {bottom}, columns {left} to {right} of the "
                   "input").format(top=v["top"], bottom=v["top"] + size - 1,
                                   left=v["left"], right=v["left"] + size - 1),
                 "<code>{}</code>".format(operation),
                 _("output so far:"),
                 _matrix(v["output_so_far"])]
        self.readout.value = "<br>".join(lines)
        self.figure = viz.pool_step(self.x, i, j, size=size, stride=stride, mode=mode)
        self.show(self.figure)


def _slider(description, value, low, high):
    """An IntSlider from ``low`` to ``high``, widened to hold ``value``.

    It reports only when released: each new value redraws a picture.
    """
    return ipywidgets.IntSlider(value=value, min=min(low, value), max=max(high, value),
                                description=description, continuous_update=False,
                                style={"description_width": "initial"})


def _one_map(value, message):
    """``value`` as a float (H, W) array, from (H, W) or (1, H, W); else ShapeError."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2 or array.size == 0:
        raise ShapeError(message.format(shape=array.shape))
    return array


def _sum_of_products(window, w, b):
    """ "1×1 + 1×0 + 0×(-1)" row by row, then "+ bias" and "= total", as HTML."""
    def factor(a):
        text = _fmt(a)
        return f"({text})" if a < 0 else text

    rows = [" + ".join(f"{factor(a)}×{factor(c)}" for a, c in zip(window_row, w_row))
            for window_row, w_row in zip(window, w)]
    lines = ["&nbsp;&nbsp;" + rows[0]] + ["+ " + row for row in rows[1:]]
    if b:
        lines.append(_("+ bias {b}").format(b=_fmt(b)))
    lines.append("= " + _fmt((window * w).sum() + b))
    return "<code>{}</code>".format("<br>".join(lines))


def _matrix(values):
    """A small matrix as aligned monospace text, "·" for a value not computed yet."""
    texts = [["·" if np.isnan(v) else _fmt(v) for v in row] for row in values]
    width = max(len(t) for row in texts for t in row)
    lines = [" ".join(t.rjust(width) for t in row) for row in texts]
    return "<pre style='margin:0'>{}</pre>".format("\n".join(lines))


def _fmt(value):
    """A number as text, as in the pictures: 3 not 3.0, else 3 significant digits."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.3g}"
