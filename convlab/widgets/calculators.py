"""The spatial arithmetic of conv layers, with sliders.

- ``output_size_calculator()``: the lecture's formula (N - F + 2P)/S + 1,
  the output volume and the parameter count, and a picture of where the
  filter lands on the input.
- ``padding_explorer()``: volumes shrinking through stacked conv layers
  without zero padding, and keeping their size with P = (F - 1)/2.
- ``receptive_field_growth()``: how much of the input one neuron sees
  after k stacked layers.

The numbers come from ``convlab.shapes``, so a size that does not fit shows
the same message as the layers themselves.
"""
import html

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.shapes import conv_output_size, conv_param_count
from convlab.viz import HIGHLIGHT, PADDING_COLOR
from convlab.viz.words import N_, bilingual
from convlab.widgets.base import Demo

__all__ = ["output_size_calculator", "padding_explorer", "receptive_field_growth"]

INPUT_COLOR = "#c6dbef"
MISSED_COLOR = "#f4a6a6"          # input cells that no position of the filter covers
ERROR_COLOR = "#b00000"
# Cell borders are drawn only on grids of at most this many cells per side.
MAX_CELLS_WITH_LINES = 40
# The pooling layers of receptive_field_growth: 2x2, stride 2.
POOL_SIZE = POOL_STRIDE = 2
# The largest input size N of the sliders: AlexNet's 227 fits.
MAX_INPUT_SIZE = 256


def output_size_calculator(n=7, f=3, stride=1, pad=0, channels=3, filters=10):
    """The output size of a conv layer, by the lecture's formula.

    Inputs (the controls' starting values): the input is n x n x channels
    (N and C), the layer has ``filters`` (K) filters f x f (F), with stride
    S and zero padding P.

    Controls: ``n``, ``f``, ``stride``, ``pad``, ``channels``, ``filters``.
    The readout shows (N - F + 2P)/S + 1 with the numbers, the output volume
    and the parameter count (F*F*C + 1)*K; when the filter does not fit, the
    reason and the strides that fit. The picture shows the padded input and
    the cells where the filter's top-left corner lands, every S cells.
    """
    return OutputSizeCalculator(n, f, stride, pad, channels, filters)


def padding_explorer(n=32, f=5, layers=3):
    """Sizes through stacked conv layers (stride 1): without padding, and with P = (F - 1)/2.

    Inputs (the controls' starting values): an n x n input, ``layers`` conv
    layers with f x f filters.

    Controls: ``n``, ``f``, ``layers`` and ``pad`` (a checkbox: zero padding
    (F - 1)/2 or none). The readout lists the sizes layer by layer for both,
    e.g. 32 → 28 → 24 → 20 and 32 → 32 → 32 → 32, the chosen one first; a
    layer whose filter no longer fits says so.
    """
    return PaddingExplorer(n, f, layers)


def receptive_field_growth(layers=4, f=3, stride=1, pool_every=0):
    """How much of the input one neuron sees after k stacked conv layers.

    Inputs (the controls' starting values): ``layers`` conv layers with
    f x f filters and stride ``stride``; a 2x2 pooling layer (stride 2)
    after every ``pool_every`` conv layers (0: no pooling).

    Controls: ``layers``, ``f``, ``stride`` and ``pool_every``. The readout
    lists the receptive field after each layer (3, 5, 7, 9, ... for 3x3
    filters with stride 1) with the formula
    r_k = r_(k-1) + (F - 1) * jump, where the jump (the distance on the
    input between two neighbouring neurons) is multiplied by each stride.
    """
    return ReceptiveFieldGrowth(layers, f, stride, pool_every)


# --- Output size ---------------------------------------------------------------

class OutputSizeCalculator(Demo):
    """The demo made by ``output_size_calculator``."""

    def __init__(self, n=7, f=3, stride=1, pad=0, channels=3, filters=10):
        controls = {
            "n": _slider(_("input size N"), n, 1, MAX_INPUT_SIZE),
            "f": _slider(_("filter size F"), f, 1, 11),
            "stride": _slider(_("stride S"), stride, 1, 6),
            "pad": _slider(_("zero padding P"), pad, 0, 5),
            "channels": _slider(_("input depth C"), channels, 1, 64),
            "filters": _slider(_("filters K"), filters, 1, 128),
        }
        self.figure = None          # the last picture drawn, e.g. to save it
        super().__init__(controls, _("Output size of a conv layer"))
        self.update()

    def update(self, change=None):
        """Recompute the readout and the picture from the controls."""
        n, f, s, p, c, k = (self.controls[name].value for name in
                            ("n", "f", "stride", "pad", "channels", "filters"))
        lines = [_("Input volume: {n}x{n}x{c}").format(n=n, c=c)]
        try:
            size = conv_output_size(n, f, s, p)
        except ShapeError as error:
            size = None
            lines.append(_("Output size: (N - F + 2P)/S + 1"))
            lines.append(_error(error))
        else:
            lines.append(_("Output size: (N - F + 2P)/S + 1 = ({n} - {f} + 2*{p})/{s} + 1 "
                           "= {size}").format(n=n, f=f, p=p, s=s, size=size))
            lines.append("<b>{}</b>".format(_("Output volume: {size}x{size}x{k} (depth = "
                                              "the number of filters K)").format(
                size=size, k=k)))
        lines.append(_("Parameters: (F*F*C + 1)*K = ({f}*{f}*{c} + 1)*{k} = {count}").format(
            f=f, c=c, k=k, count=conv_param_count(c, k, f)))
        lines.append(_padding_hint(f, s, p))
        self.readout.value = "<br>".join(lines)
        self.figure = _landing_figure(n, f, s, p, size)
        self.show(self.figure)


def _padding_hint(f, s, p):
    """What padding keeps the size: P = (F - 1)/2, with stride 1 and an odd F."""
    if f % 2 == 0:
        return _("P = (F - 1)/2 keeps the size with stride 1, but F = {f} is even: "
                 "(F - 1)/2 = {half} is not a whole number; odd filter sizes "
                 "(3, 5, 7) are used for that.").format(f=f, half=(f - 1) / 2)
    keep = (f - 1) // 2
    if s == 1 and p == keep:
        return _("With stride 1, P = (F - 1)/2 = {keep} keeps the size: the output is "
                 "as large as the input.").format(keep=keep)
    if s == 1:
        return _("With stride 1, P = (F - 1)/2 keeps the size: try P = {keep}.").format(
            keep=keep)
    return _("P = (F - 1)/2 = {keep} keeps the size only with stride 1; stride {s} "
             "divides it by about {s}.").format(keep=keep, s=s)


def _landing_figure(n, f, s, p, size):
    """The padded input, the cells no filter position covers, and where the filter lands."""
    padded = n + 2 * p
    starts = list(range(0, padded - f + 1, s))      # top-left corners along one side
    covered = np.zeros(padded, dtype=bool)
    for start in starts:
        covered[start:start + f] = True
    is_input = np.zeros(padded, dtype=bool)
    is_input[p:p + n] = True
    # The windows form a grid, so a cell is covered when its row and its column are.
    covered, is_input = np.outer(covered, covered), np.outer(is_input, is_input)
    # 0: padding, 1: input, 2: input never under the filter, 3: padding never under it.
    kind = np.where(is_input, np.where(covered, 1, 2), np.where(covered, 0, 3))

    fig, (grid_ax, out_ax) = plt.subplots(1, 2, figsize=(10, 5.4), width_ratios=[3, 2],
                                          layout="constrained")
    colors = ListedColormap([PADDING_COLOR, INPUT_COLOR, MISSED_COLOR, "#e8cccc"])
    grid_ax.imshow(kind, cmap=colors, vmin=-0.5, vmax=3.5, interpolation="nearest")
    _cell_lines(grid_ax, padded, padded)
    if p:
        grid_ax.add_patch(Rectangle((p - 0.5, p - 0.5), n, n, fill=False, edgecolor="0.3",
                                    linestyle="--", linewidth=1.2))
    if starts:
        corners = np.array([(r, c) for r in starts for c in starts])
        marker = max(4.0, min(80.0, 2500.0 / padded ** 2))
        grid_ax.scatter(corners[:, 1], corners[:, 0], s=marker, color=HIGHLIGHT, zorder=3)
        grid_ax.add_patch(Rectangle((-0.5, -0.5), f, f, fill=False, edgecolor=HIGHLIGHT,
                                    linewidth=2.5, zorder=4))
        if len(starts) > 1:
            grid_ax.add_patch(Rectangle((s - 0.5, -0.5), f, f, fill=False,
                                        edgecolor=HIGHLIGHT, linewidth=1.5,
                                        linestyle="--", zorder=4))
    else:
        # Larger than the padded input: the filter overhangs it.
        grid_ax.add_patch(Rectangle((-0.5, -0.5), f, f, fill=False, edgecolor=ERROR_COLOR,
                                    linewidth=2.5, linestyle="--", clip_on=False))
        grid_ax.set_xlim(-0.5, max(padded, f) - 0.5)
        grid_ax.set_ylim(max(padded, f) - 0.5, -0.5)
    grid_ax.set_title(bilingual(N_("Input {n}x{n}, zero padding P = {p}, filter {f}x{f}, "
                                   "stride {s}\ndots: where the filter's top-left corner "
                                   "lands")).format(n=n, p=p, f=f, s=s), fontsize=10)
    legend = [Patch(facecolor=INPUT_COLOR, edgecolor="0.5", label=bilingual(N_("input")))]
    if (kind == 2).any():
        legend.append(Patch(facecolor=MISSED_COLOR, edgecolor="0.5",
                            label=bilingual(N_("never under the filter"))))
    if p:
        legend.insert(0, Patch(facecolor=PADDING_COLOR, edgecolor="0.5",
                               label=bilingual(N_("zero padding"))))
    grid_ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.02),
                   ncols=len(legend), fontsize=9, frameon=False)

    if size is None:
        out_ax.set_axis_off()
        text = bilingual(N_("does not fit"))
        if padded >= f:
            text += "\n({} - {} + 2*{})/{} + 1 = {:.2f}".format(n, f, p, s, (padded - f) / s + 1)
        else:
            text += "\nF = {} > N + 2P = {}".format(f, padded)
        out_ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14,
                    color=ERROR_COLOR, transform=out_ax.transAxes)
    else:
        out_ax.imshow(np.zeros((size, size)), cmap=ListedColormap(["#fbe3d0"]),
                      interpolation="nearest")
        _cell_lines(out_ax, size, size)
        cells = np.arange(size)
        out_ax.scatter(*np.meshgrid(cells, cells), s=max(4.0, min(80.0, 2500.0 / size ** 2)),
                       color=HIGHLIGHT)
        out_ax.set_title(bilingual(N_("Output {size}x{size}: one value per dot")).format(
            size=size), fontsize=10)
    return fig


# --- Padding -------------------------------------------------------------------

class PaddingExplorer(Demo):
    """The demo made by ``padding_explorer``."""

    def __init__(self, n=32, f=5, layers=3):
        controls = {
            "n": _slider(_("input size N"), n, 1, MAX_INPUT_SIZE),
            "f": _slider(_("filter size F"), f, 1, 11),
            "layers": _slider(_("layers"), layers, 1, 10),
            "pad": ipywidgets.Checkbox(value=False, description=_("zero padding (F-1)/2"),
                                       style={"description_width": "initial"}),
        }
        self.figure = None          # the last picture drawn, e.g. to save it
        super().__init__(controls, _("Zero padding keeps the size"))
        self.update()

    def update(self, change=None):
        """Recompute the readout and the picture from the controls."""
        n, f, layers = (self.controls[name].value for name in ("n", "f", "layers"))
        keep = (f - 1) // 2           # (F - 1)/2, rounded down for an even F
        # (message, P): the readout says the message in the chosen language,
        # the figure in both.
        rows = [(N_("without zero padding (P = 0)"), 0),
                (N_("with zero padding P = (F - 1)/2 = {pad}"), keep)]
        if self.controls["pad"].value:
            rows.reverse()            # the chosen one first
        rows = [(label, pad) + _stacked_sizes(n, f, pad, layers) for label, pad in rows]

        lines = [_("Conv layers {f}x{f}, stride 1, input {n}x{n}:").format(f=f, n=n)]
        for k, (label, pad, sizes, error) in enumerate(rows):
            text = "{}: {}".format(_(label).format(pad=pad), " → ".join(map(str, sizes)))
            if error:
                text += "<br>&nbsp;&nbsp;" + _("layer {k} does not fit: {message}").format(
                    k=len(sizes), message=html.escape(str(error)))
            lines.append("<b>{}</b>".format(text) if k == 0 else text)
        lines.append(_("Without padding each layer takes F - 1 = {lost} from the size.").format(
            lost=f - 1))
        if f % 2 == 0:
            lines.append(_("F = {f} is even: (F - 1)/2 = {half} is not a whole number, so "
                           "P = {pad} and the size still shrinks by 1 per layer.").format(
                f=f, half=(f - 1) / 2, pad=keep))
        self.readout.value = "<br>".join(lines)
        self.figure = _padding_figure(rows, n, layers, keep)
        self.show(self.figure)


def _stacked_sizes(n, f, pad, layers):
    """(sizes, error): [n, size after layer 1, ...] until a layer does not fit.

    ``error`` is that layer's ShapeError, or None when all layers fit.
    """
    sizes = [n]
    for _layer in range(layers):
        try:
            sizes.append(conv_output_size(sizes[-1], f, 1, pad))
        except ShapeError as error:
            return sizes, error
    return sizes, None


def _padding_figure(rows, n, layers, keep):
    """Each row of sizes as squares to scale, the chosen (first) in colour, the other grey."""
    pitch = n + 2 * keep + 0.25 * n + 1          # from one square to the next
    fig, axes = plt.subplots(2, 1, figsize=(min(2 + 1.6 * (layers + 1), 16), 5.2),
                             sharex=True, sharey=True, layout="constrained")
    for k, (ax, (label, pad, sizes, error)) in enumerate(zip(axes, rows)):
        color = "#4c72b0" if k == 0 else "0.75"
        for layer, size in enumerate(sizes):
            left = layer * pitch
            if pad and layer < layers:
                # The zero padding the next layer adds around this volume.
                ax.add_patch(Rectangle((left, 0), size + 2 * pad, size + 2 * pad,
                                       facecolor=PADDING_COLOR, edgecolor="0.6"))
            ax.add_patch(Rectangle((left + pad, pad), size, size, facecolor=color,
                                   edgecolor="black"))
            name = bilingual(N_("input")) if layer == 0 else \
                bilingual(N_("layer {k}")).format(k=layer)
            ax.text(left + pad + size / 2, -0.08 * n, "{}\n{}x{}".format(name, size, size),
                    ha="center", va="top", fontsize=9)
        if error:
            ax.text(len(sizes) * pitch + n / 2, n / 2,
                    bilingual(N_("layer {k}: does not fit")).format(k=len(sizes)),
                    ha="center", va="center", color=ERROR_COLOR, fontsize=10)
        ax.set_axis_off()
        ax.set_title(bilingual(label).format(pad=pad), fontsize=11,
                     fontweight="bold" if k == 0 else "normal",
                     color="black" if k == 0 else "0.4")
    axes[0].set_xlim(-0.5, (layers + 1) * pitch)
    axes[0].set_ylim(-0.45 * n, n + 2 * keep + 0.5)
    for ax in axes:
        ax.set_aspect("equal")
    return fig


# --- Receptive field -------------------------------------------------------------

class ReceptiveFieldGrowth(Demo):
    """The demo made by ``receptive_field_growth``."""

    def __init__(self, layers=4, f=3, stride=1, pool_every=0):
        controls = {
            "layers": _slider(_("depth: conv layers"), layers, 1, 8),
            "f": _slider(_("filter size F"), f, 1, 7),
            "stride": _slider(_("stride S"), stride, 1, 3),
            "pool_every": _slider(_("pool_every: a 2x2 pooling layer after every "
                                    "pool_every conv layers (0 = no pooling)"),
                                  pool_every, 0, 4),
        }
        self.figure = None          # the last picture drawn, e.g. to save it
        super().__init__(controls, _("Receptive field of one neuron"))
        self.update()

    def update(self, change=None):
        """Recompute the readout and the picture from the controls."""
        layers, f, s, pool_every = (self.controls[name].value for name in
                                    ("layers", "f", "stride", "pool_every"))
        steps = receptive_fields(layers, f, s, pool_every)
        fields = [str(step["field"]) if step["kind"] == "conv"
                  else _("{field} (pooling)").format(field=step["field"]) for step in steps]
        lines = [
            "<b>{}</b>".format(_("Receptive field after each layer: {fields}").format(
                fields=", ".join(fields))),
            _("r<sub>k</sub> = r<sub>k-1</sub> + (F - 1) × jump<sub>k-1</sub> and "
              "jump<sub>k</sub> = jump<sub>k-1</sub> × S (× 2 after a 2x2 pooling layer), "
              "from r<sub>0</sub> = 1, "
              "jump<sub>0</sub> = 1 (the jump is the distance, on the input, between "
              "two neighbouring neurons)"),
        ]
        r = 1
        for step in steps:
            if step["kind"] == "conv":
                name = _("conv layer {k} ({f}x{f}, stride {s})").format(
                    k=step["layer"], f=step["size"], s=step["stride"])
            else:
                name = _("pooling 2x2, stride 2")
            lines.append(_("{name}: r = {previous} + ({size} - 1) × {jump} = {field}, "
                           "jump {new_jump}").format(
                name=name, previous=r, size=step["size"], jump=step["jump"],
                field=step["field"], new_jump=step["jump"] * step["stride"]))
            r = step["field"]
        lines.append(_("One neuron after {layers} conv layers sees {r}x{r} pixels of the "
                       "input.").format(layers=layers, r=r))
        self.readout.value = "<br>".join(lines)
        self.figure = _field_figure(steps)
        self.show(self.figure)


def receptive_fields(layers, f, stride=1, pool_every=0):
    """The receptive field after each layer of a stack of conv (and pooling) layers.

    ``layers`` conv layers f x f with stride ``stride``; a 2x2 pooling layer
    of stride 2 after every ``pool_every`` conv layers, between them (none
    after the last; 0: no pooling). Returns one dict per layer: kind ("conv"
    or "pool"), layer (the conv layer's number), size and stride, jump (the
    distance on the input between two neighbouring neurons of the layer
    below) and field (the receptive field's side on the input).
    """
    steps = []
    field, jump = 1, 1
    for k in range(1, layers + 1):
        field += (f - 1) * jump
        steps.append(dict(kind="conv", layer=k, size=f, stride=stride, jump=jump,
                          field=field))
        jump *= stride
        if pool_every and k % pool_every == 0 and k < layers:
            field += (POOL_SIZE - 1) * jump
            steps.append(dict(kind="pool", layer=k, size=POOL_SIZE, stride=POOL_STRIDE,
                              jump=jump, field=field))
            jump *= POOL_STRIDE
    return steps


def _field_figure(steps):
    """Nested squares on the input: the receptive field after each layer, around one neuron."""
    largest = steps[-1]["field"]
    side = largest + 2              # a margin of one cell around the largest field
    centre = (side - 1) // 2
    fig, ax = plt.subplots(figsize=(7.5, 5.4), layout="constrained")
    ax.add_patch(Rectangle((-0.5, -0.5), side, side, facecolor="white", edgecolor="0.5"))
    _cell_lines(ax, side, side)
    shades = plt.get_cmap("Blues")(np.linspace(0.2, 0.8, len(steps)))
    handles = []
    for step, shade in reversed(list(zip(steps, shades))):
        r = step["field"]
        start = centre - (r - 1) // 2 - 0.5
        label = bilingual(N_("layer {k}: {r}x{r}")).format(k=step["layer"], r=r) \
            if step["kind"] == "conv" else bilingual(N_("pooling: {r}x{r}")).format(r=r)
        handles.append(ax.add_patch(Rectangle(
            (start, start), r, r, facecolor=shade, edgecolor="black", linewidth=1,
            label=label)))
    ax.add_patch(Rectangle((centre - 0.5, centre - 0.5), 1, 1, facecolor=HIGHLIGHT,
                           edgecolor="black", label=bilingual(N_("the neuron's centre"))))
    ax.set_xlim(-0.5, side - 0.5)
    ax.set_ylim(side - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(handles=handles[::-1], loc="upper left", bbox_to_anchor=(1.02, 1),
              fontsize=9, title=bilingual(N_("receptive field")))
    ax.set_title(bilingual(N_("What one neuron sees of the input, layer by layer")),
                 fontsize=11)
    return fig


# --- Helpers -------------------------------------------------------------------

def _slider(description, value, low, high):
    """An IntSlider from ``low`` to ``high``, widened to hold ``value``."""
    return ipywidgets.IntSlider(value=value, min=min(low, value), max=max(high, value),
                                description=description,
                                style={"description_width": "initial"})


def _error(error):
    """A ShapeError's message in red, as HTML."""
    return "<span style='color:{}'><b>{}</b> {}</span>".format(
        ERROR_COLOR, _("does not fit:"), html.escape(str(error)))


def _cell_lines(ax, rows, cols):
    """Thin borders between the cells of a grid drawn with imshow; none on large grids."""
    ax.set_xticks([])
    ax.set_yticks([])
    if max(rows, cols) > MAX_CELLS_WITH_LINES:
        return
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="both", length=0)
