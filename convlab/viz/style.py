"""What every plot of convlab.viz shares: the colours, figures and axes,
grids of cells with their numbers, outlines, checks of the arguments.

The course's colour rule for signed values (weights, filters, products,
activations, gradients): **positive red, negative blue, zero white**, with
the diverging colour map ``SIGNED_CMAP`` ("RdBu_r") centred on zero
(vmin = -vmax), and a colour bar or a legend that says so. ``signed_image``
draws one such map; ``colour_rule_problems(fig)`` checks a figure.
"""

import math
import numbers

import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _


# The colour rule: positive red, negative blue, zero white (course/glossary.md).
SIGNED_CMAP = "RdBu_r"
POSITIVE_COLOR = "#b2182b"          # the ends of RdBu_r
NEGATIVE_COLOR = "#2166ac"
# Diverging colour maps: drawing with any of them means "these values are signed".
DIVERGING_CMAPS = {"RdBu", "bwr", "seismic", "coolwarm", "PiYG", "PRGn", "BrBG", "PuOr",
                   "RdGy", "RdYlBu", "RdYlGn", "Spectral"}
# Colours shared by the step pictures: the window and the output cell it
# makes are outlined in the same colour, so the eye links them.
HIGHLIGHT = "#e66100"
PADDING_COLOR = "#e6e6e6"
WRONG_COLOR = "#d62728"
# Text is written into the cells of a grid only when it has at most this
# many rows and columns; beyond that the numbers would be unreadable.
MAX_CELLS_WITH_TEXT = 16


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

    ``signed`` draws by the colour rule (``SIGNED_CMAP`` centred on zero)
    instead of ``cmap``. Each text is black on a light cell, white on a
    dark one (a colour in ``text_colors`` overrides it, "" keeps it). nan
    and masked cells are drawn in ``blank``. Returns the AxesImage.
    """
    import matplotlib

    values = np.ma.masked_invalid(values)
    rows, cols = values.shape
    finite = values.compressed()
    if signed:
        cmap = SIGNED_CMAP
        vmax = signed_limit(finite) if vmax is None else vmax
        vmin = -vmax
    if vmin is None:
        vmin = finite.min() if finite.size else 0.0
    if vmax is None:
        vmax = finite.max() if finite.size else 1.0
    if vmax == vmin:
        vmax = vmin + 1.0
    colormap = matplotlib.colormaps[cmap].with_extremes(bad=blank)
    image = ax.imshow(values, cmap=colormap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    ax.grid(which="minor", color="0.55", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if texts is None or max(rows, cols) > MAX_CELLS_WITH_TEXT:
        return image
    if fontsize is None:
        fontsize = 11 if max(rows, cols) <= 10 else 8
    colors = image.to_rgba(values)
    for r in range(rows):
        for c in range(cols):
            color = (text_colors[r][c] if text_colors is not None else "") \
                or text_color(colors[r, c])
            ax.text(c, r, texts[r][c], ha="center", va="center", fontsize=fontsize,
                    color=color, fontweight="normal" if weights is None else weights[r][c])
    return image


def _text_panel(ax, heading, lines, fontsize=12):
    """``lines`` of text centred in ``ax``, ``heading`` just above them."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(lines), ha="center", va="center", fontsize=fontsize,
            multialignment="left", linespacing=1.6, transform=ax.transAxes)
    # Half the block's height (1.6 lines per line of text), plus a gap, in points.
    above = len(lines) * 1.6 * fontsize / 2 + 10
    ax.annotate(heading, (0.5, 0.5), xycoords="axes fraction", xytext=(0, above),
                textcoords="offset points", ha="center", va="bottom", fontsize=fontsize)


def signed_limit(values):
    """The largest absolute value of ``values`` (nan ignored), 1 when they are all 0."""
    values = np.asarray(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0


def signed_image(ax, values, limit=None, colorbar=True, label=None, **imshow_kwargs):
    """Draw signed values (H, W) by the colour rule: positive red, negative blue, 0 white.

    Inputs:
    - ax: the axes to draw into
    - values: a 2-D array
    - limit: the colours go from -limit (darkest blue) to +limit (darkest
      red); None takes the largest absolute value of ``values``. Pass one
      limit to several maps to make them comparable.
    - colorbar: add a colour bar next to ``ax`` (the rule wants a colour bar
      or a legend on every signed map)
    - label: the colour bar's label; None writes the rule itself in both
      languages. Other keyword arguments go to ``imshow``.

    Returns the AxesImage (its ``.colorbar`` is the colour bar).
    """
    from convlab.viz.words import N_, bilingual

    limit = signed_limit(values) if limit is None else float(limit)
    image = ax.imshow(values, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit,
                      **{"interpolation": "nearest", **imshow_kwargs})
    if colorbar:
        if label is None:
            label = bilingual(N_("+ red, − blue"))
        ax.figure.colorbar(image, ax=ax, shrink=0.8, label=label)
    return image


def text_color(rgba):
    """"black" or "white": the text colour that reads best on a cell of colour ``rgba``."""
    red, green, blue = rgba[:3]
    # Relative luminance (ITU-R BT.709) of the cell's colour.
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5 else "white"


def annotate_cells(ax, image, texts=None, fontsize=9, **text_kwargs):
    """Write a number into each cell of ``image`` (an AxesImage), readable on dark cells.

    ``texts`` (rows, cols) holds the strings; None writes the image's values
    with 2 significant digits. Each text is black on a light cell and white
    on a dark one, chosen from the cell's colour. Returns the Text artists.
    """
    values = np.ma.masked_invalid(image.get_array())
    colors = image.to_rgba(values)
    if texts is None:
        texts = [["" if values.mask[r, c] else _fmt(values[r, c], digits=2)
                  for c in range(values.shape[1])] for r in range(values.shape[0])]
    artists = []
    for (r, c), text in np.ndenumerate(np.asarray(texts, dtype=object)):
        artists.append(ax.text(c, r, text, ha="center", va="center", fontsize=fontsize,
                               color=text_color(colors[r, c]), **text_kwargs))
    return artists


def colour_rule_problems(fig):
    """What breaks the colour rule in ``fig``; an empty list when nothing does.

    A map breaks it when it draws negative values, or uses a diverging
    colour map, without ``SIGNED_CMAP`` centred on zero (vmin = -vmax), or
    without a colour bar (its own, or one of the same scale) or a legend
    (on its axes or the figure).
    Images in colour (RGB) are photos and filters shown as pictures: not checked.
    """
    # Colour bars, by what they show: one colour bar may serve several maps
    # drawn on the same scale.
    scales = set()
    for ax in fig.get_axes():
        for mappable in list(ax.get_images()) + list(ax.collections):
            if getattr(mappable, "colorbar", None) is not None:
                scales.add(_scale(mappable))
    problems = []
    for ax in fig.get_axes():
        for image in ax.get_images():
            values = np.ma.masked_invalid(image.get_array())
            if values.ndim != 2:
                continue
            name = image.get_cmap().name.removesuffix("_r")
            if not (name in DIVERGING_CMAPS or (values.count() and values.min() < 0)):
                continue
            where = ax.get_title() or ax.get_label()
            vmin, vmax = image.norm.vmin, image.norm.vmax
            if image.get_cmap().name != SIGNED_CMAP:
                problems.append(f"{where!r}: colour map {image.get_cmap().name}, "
                                f"not {SIGNED_CMAP}")
            elif not np.isclose(vmin, -vmax):
                problems.append(f"{where!r}: not centred on 0 (vmin {vmin}, vmax {vmax})")
            legends = [ax.get_legend()] + list(fig.legends)
            if _scale(image) not in scales and not any(legends):
                problems.append(f"{where!r}: no colour bar or legend")
    return problems


def _scale(mappable):
    """(colour map name, vmin, vmax) of an image, rounded: what its colour bar would show."""
    norm = mappable.norm
    return (mappable.get_cmap().name, round(float(norm.vmin), 9), round(float(norm.vmax), 9))


def sign_legend(fig):
    """A legend of the colour rule under ``fig``: positive red, zero white, negative blue.

    For signed grids whose numbers are written into the cells, where a
    colour bar would say less than the numbers. Returns the Legend.
    """
    from matplotlib.patches import Patch

    from convlab.viz.words import N_, bilingual

    handles = [Patch(facecolor=POSITIVE_COLOR, label=bilingual(N_("positive"))),
               Patch(facecolor="white", edgecolor="0.5", label=bilingual(N_("zero"))),
               Patch(facecolor=NEGATIVE_COLOR, label=bilingual(N_("negative")))]
    return fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9,
                      frameon=False)


def _rectangle(row, col, rows, cols, color=HIGHLIGHT, fill=False, **kwargs):
    from matplotlib.patches import Rectangle
    return Rectangle((col - 0.5, row - 0.5), cols, rows, facecolor=color if fill else "none",
                     edgecolor=color, **kwargs)


def _outline(ax, row, col, rows, cols, color=HIGHLIGHT, linewidth=3, linestyle="-"):
    """Outline ``rows`` x ``cols`` cells of a grid, from (row, col)."""
    ax.add_patch(_rectangle(row, col, rows, cols, color=color, linewidth=linewidth,
                            linestyle=linestyle))
