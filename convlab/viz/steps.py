"""One step of a convolution or a pooling layer, drawn as in the lecture.

- ``conv_step(x, w, i, j)``, with its numbers from ``conv_step_values``;
- ``pool_step(x, i, j)``, with its numbers from ``pool_step_values``.
"""

import numpy as np

from convlab.i18n import _
from convlab.shapes import conv_output_shape, pool_output_shape
from convlab.viz.style import (HIGHLIGHT, PADDING_COLOR, _cells, _fmt, _number, _outline,
                               _position, _rectangle, sign_legend, _single_channel,
                               _so_far, _step_figure, _text_panel, _texts)
from convlab.viz.words import N_, bilingual

# Grids of values that are never negative (inputs, pooled maps) are grey;
# as soon as a value is negative, the colour rule applies (style.py).
UNSIGNED_CMAP = "Greys"


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

    1. the input, zero-padded (the padding in light grey), with the window
       under the filter outlined;
    2. the filter;
    3. the products window * filter, each cell written "x×w = product";
    4. their sum, plus the bias: the output value;
    5. the output filled so far (reading order up to (i, j)), the current
       cell outlined in the colour of the window.

    Signed values (the filter, the products, the output, and the input if
    it has a negative value) follow the colour rule: positive red, negative
    blue, zero white, as the legend under the panels says; an input that is
    never negative is grey. Numbers are written into the cells when a grid
    has at most 16 rows and columns, white on dark cells. Words are in
    English and Vietnamese. Returns the Figure.
    """
    v = conv_step_values(x, w, i, j, stride=stride, pad=pad, b=b)
    padded, w, b, products = v["padded"], v["filter"], v["bias"], v["products"]
    out = v["output_so_far"]
    lines = _sum_lines(products, b)
    heading = bilingual(N_("sum + bias") if b else N_("sum"))

    panels = [padded.shape, w.shape, w.shape, None, out.shape]
    fig, axes = _step_figure(fig, panels, lines + [heading])
    input_ax, filter_ax, products_ax, sum_ax, output_ax = axes

    is_padding = np.ones(padded.shape, dtype=bool)
    is_padding[pad:padded.shape[0] - pad, pad:padded.shape[1] - pad] = False
    _unsigned_or_signed(input_ax, np.ma.masked_array(padded, is_padding), texts=_texts(padded),
                        blank=PADDING_COLOR, text_colors=np.where(is_padding, "0.45", ""))
    if pad:
        # The input itself, inside its padding.
        _outline(input_ax, pad, pad, rows=padded.shape[0] - 2 * pad,
                 cols=padded.shape[1] - 2 * pad, color="0.3", linestyle="--", linewidth=1.2)
        input_ax.set_title(bilingual(N_("input, zero padding {pad}")).format(pad=pad))
    else:
        input_ax.set_title(bilingual(N_("input")))
    _outline(input_ax, v["top"], v["left"], rows=w.shape[0], cols=w.shape[1])

    _cells(filter_ax, w, None, signed=True, texts=_texts(w))
    filter_ax.set_title(bilingual(N_("filter")))

    product_texts = _product_texts(v["window"], w, products)
    _cells(products_ax, products, None, signed=True, texts=product_texts,
           fontsize=10 if max(w.shape) <= 3 else 8)
    _outline(products_ax, 0, 0, rows=w.shape[0], cols=w.shape[1])
    products_ax.set_title(bilingual(N_("products")))

    _text_panel(sum_ax, heading, lines)

    _cells(output_ax, out, None, signed=True, texts=_texts(out))
    _outline(output_ax, i, j, rows=1, cols=1)
    output_ax.set_title(bilingual(N_("output {height}x{width}")).format(
        height=out.shape[0], width=out.shape[1]))

    fig.suptitle(bilingual(N_("Convolution, stride {stride}, zero padding {pad}: output "
                              "({i}, {j}) = {total}")).format(
        stride=stride, pad=pad, i=i, j=j, total=_fmt(v["total"])), fontsize=13)
    sign_legend(fig)
    return fig


def _unsigned_or_signed(ax, values, **kwargs):
    """Cells of values: grey when none is negative, else by the colour rule."""
    finite = np.ma.masked_invalid(values).compressed()
    if finite.size and finite.min() < 0:
        return _cells(ax, values, None, signed=True, **kwargs)
    # Stretched so that the largest value is mid-dark grey, not black.
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    return _cells(ax, values, UNSIGNED_CMAP, vmin=low, vmax=high + 0.4 * (high - low or 1),
                  **kwargs)


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
        lines = [bilingual(N_("sum of the {count} products")).format(count=products.size)]
    else:
        terms = [[_fmt(p, 2) if p >= 0 else f"({_fmt(p, 2)})" for p in row] for row in products]
        lines = ["   " + " + ".join(terms[0])]
        lines += ["+ " + " + ".join(row) for row in terms[1:]]
    if b:
        lines.append(bilingual(N_("+ bias {b}")).format(b=_fmt(b)))
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
    output filled so far with the current cell outlined. Values that are
    never negative are grey; a negative value brings the colour rule
    (positive red, negative blue, with its legend). Words are in English and
    Vietnamese. Returns the Figure.
    """
    v = pool_step_values(x, i, j, size=size, stride=stride, mode=mode)
    x, out = v["input"], v["output_so_far"]
    name = "max" if mode == "max" else "mean"
    rows = [", ".join(_fmt(a) for a in row) for row in v["window"]]
    lines = (name + "(" + ",\n    ".join(rows) + ")").split("\n")
    lines.append("= " + _fmt(v["value"]))
    heading = bilingual(N_("max pooling") if mode == "max" else N_("average pooling"))

    fig, (input_ax, op_ax, output_ax) = _step_figure(fig, [x.shape, None, out.shape],
                                                     lines + [heading])
    texts = _texts(x)
    weights = np.full(x.shape, "normal", dtype=object)
    if v["argmax"] is not None:
        r, c = v["top"] + v["argmax"][0], v["left"] + v["argmax"][1]
        weights[r, c] = "bold"
        input_ax.add_patch(_rectangle(r, c, 1, 1, color=HIGHLIGHT, fill=True, alpha=0.35))
    signed = x.min() < 0
    if signed:
        _cells(input_ax, x, None, signed=True, texts=texts, weights=weights)
    else:
        _unsigned_or_signed(input_ax, x, texts=texts, weights=weights)
    _outline(input_ax, v["top"], v["left"], rows=size, cols=size)
    input_ax.set_title(bilingual(N_("input")))

    _text_panel(op_ax, heading, lines)

    # The output on the input's scale: a value keeps its colour.
    if signed:
        _cells(output_ax, out, None, signed=True, texts=_texts(out), vmax=np.abs(x).max())
        sign_legend(fig)
    else:
        input_image = input_ax.get_images()[0]
        _cells(output_ax, out, UNSIGNED_CMAP, texts=_texts(out),
               vmin=input_image.norm.vmin, vmax=input_image.norm.vmax)
    _outline(output_ax, i, j, rows=1, cols=1)
    output_ax.set_title(bilingual(N_("output {height}x{width}")).format(
        height=out.shape[0], width=out.shape[1]))
    fig.suptitle(bilingual(N_("Pooling {size}x{size}, stride {stride}: output ({i}, {j}) "
                              "= {value}")).format(size=size, stride=stride, i=i, j=j,
                                                   value=_fmt(v["value"])), fontsize=13)
    return fig
