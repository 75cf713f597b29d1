"""What every plot of convlab.viz shares: the colours, figures and axes,
grids of cells with their numbers, outlines, checks of the arguments.
"""

import math
import numbers

import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _


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
