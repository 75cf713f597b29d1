"""Output sizes and parameter counts of convolution and pooling layers.

The lecture's formulas, in one place, so that every layer checks its
hyperparameters the same way::

    output size = (N - F + 2P) / S + 1

A configuration where this is not a whole number "doesn't fit": convlab
raises ``ShapeError`` rather than silently dropping the last rows and columns
the way PyTorch's floor does.
"""
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab import checks


def conv_output_size(n, f, stride=1, pad=0):
    """Output size of a convolution along one spatial dimension.

    Inputs:
    - n: input size (height or width), >= 1
    - f: filter size along that dimension, >= 1
    - stride: S, >= 1
    - pad: P, zeros added on each side, >= 0

    Returns (n - f + 2*pad) / stride + 1 as an int. Raises ShapeError, with
    the formula and the numbers, when the filter does not fit.
    """
    n = checks.whole_number("n", n, minimum=1)
    f = checks.whole_number("f", f, minimum=1)
    stride = checks.whole_number("stride", stride, minimum=1)
    pad = checks.whole_number("pad", pad, minimum=0)
    return fitted_size(n, f, stride, pad)


def pool_output_size(n, size, stride):
    """Output size of a pooling layer along one dimension: (n - size)/stride + 1.

    Raises ShapeError when the pooling window does not fit.
    """
    n = checks.whole_number("n", n, minimum=1)
    size = checks.whole_number("size", size, minimum=1)
    stride = checks.whole_number("stride", stride, minimum=1)
    return pooled_size(n, size, stride)


def conv_param_count(in_channels, filters, f):
    """Learnable parameters of a conv layer with ``filters`` f x f filters.

    Each filter has f*f*in_channels weights and one bias:
    (f*f*in_channels + 1) * filters. E.g. ten 5x5 filters on a 32x32x3
    input: (5*5*3 + 1) * 10 = 760.
    """
    in_channels = checks.whole_number("in_channels", in_channels, minimum=1)
    filters = checks.whole_number("filters", filters, minimum=1)
    f = checks.whole_number("f", f, minimum=1)
    return (f * f * in_channels + 1) * filters


def fitted_size(n, f, stride, pad, dimension=None):
    """(n - f + 2*pad)/stride + 1 for checked whole numbers, or ShapeError.

    ``dimension`` ("height" or "width") words the message for one side of a
    rectangular input; None words it for a square one, as in the lecture.
    """
    span = n - f + 2 * pad
    if span < 0:
        raise ShapeError(_too_big_message(n, f, pad, dimension))
    if span % stride:
        if dimension is None:
            where = _("a {f}x{f} filter with stride {stride} does not fit "
                      "a {n}x{n} input").format(f=f, stride=stride, n=n)
        else:
            where = _("along the {dimension}, a filter of size {f} with stride "
                      "{stride} does not fit an input of size {n}").format(
                dimension=_dimension_name(dimension), f=f, stride=stride, n=n)
        where += _(" (padding {pad})").format(pad=pad)
        raise ShapeError(_not_whole(f"({n} - {f} + 2*{pad})/{stride} + 1", span, f, stride,
                                    where))
    return span // stride + 1


def pooled_size(n, size, stride, dimension=None):
    """(n - size)/stride + 1 for a pooling window (which has no padding), for
    checked whole numbers, or ShapeError; ``dimension`` as in fitted_size."""
    span = n - size
    if span < 0:
        if dimension is None:
            raise ShapeError(_("the {size}x{size} pooling window is larger than the "
                               "{n}x{n} input").format(size=size, n=n))
        raise ShapeError(_("along the {dimension}, the pooling window ({size}) is larger "
                           "than the input ({n})").format(
            dimension=_dimension_name(dimension), size=size, n=n))
    if span % stride:
        if dimension is None:
            where = _("a {size}x{size} pooling window with stride {stride} does not fit "
                      "a {n}x{n} input").format(size=size, stride=stride, n=n)
        else:
            where = _("along the {dimension}, a pooling window of size {size} with "
                      "stride {stride} does not fit an input of size {n}").format(
                dimension=_dimension_name(dimension), size=size, stride=stride, n=n)
        raise ShapeError(_not_whole(f"({n} - {size})/{stride} + 1", span, size, stride,
                                    where))
    return span // stride + 1


def _not_whole(formula, span, f, stride, where):
    """The message for a stride that does not fit: the formula's value, where,
    and the strides that would."""
    fitting = [s for s in range(1, max(stride, f) + 1) if span % s == 0]
    message = _("{formula} is not a whole number: {where}").format(
        formula=f"{formula} = {span / stride + 1:.2f}", where=where)
    return message + _(". Strides that fit: {fitting}. PyTorch would round down and "
                       "silently ignore the last rows or columns; convlab follows the "
                       "lecture and refuses.").format(fitting=", ".join(map(str, fitting)))


def _too_big_message(n, f, pad, dimension):
    padded = n + 2 * pad
    if dimension is None:
        return _("the {f}x{f} filter is larger than the {n}x{n} input "
                 "(with padding {pad}: {padded}x{padded})").format(
            f=f, n=n, pad=pad, padded=padded)
    return _("along the {dimension}, the filter ({f}) is larger than the input "
             "({n}, with padding {pad}: {padded})").format(
        dimension=_dimension_name(dimension), f=f, n=n, pad=pad, padded=padded)


def _dimension_name(dimension):
    return _("height") if dimension == "height" else _("width")


def conv_output_shape(x, w, b, stride, pad):
    """Validate a convolution's inputs and return its output's (H2, W2).

    Checks, before any work: x (N, C, H, W), w (F, C, HH, WW) and b (F,) are
    numeric arrays whose channels and filter counts agree, stride >= 1,
    pad >= 0, and the filter fits along both spatial dimensions.
    """
    checks.conv_inputs(x, w, b)
    stride = checks.whole_number("stride", stride, minimum=1)
    pad = checks.whole_number("pad", pad, minimum=0)
    (H, W), (HH, WW) = x.shape[2:], w.shape[2:]
    if H == W and HH == WW:
        size = fitted_size(H, HH, stride, pad)
        return size, size
    return (fitted_size(H, HH, stride, pad, "height"),
            fitted_size(W, WW, stride, pad, "width"))


def pool_output_shape(x, size, stride):
    """Validate a pooling layer's inputs and return its output's (H2, W2)."""
    checks.array("x", x, 4, "(N, C, H, W)")
    size = checks.whole_number("size", size, minimum=1)
    stride = checks.whole_number("stride", stride, minimum=1)
    H, W = x.shape[2:]
    if H == W:
        out = pooled_size(H, size, stride)
        return out, out
    return (pooled_size(H, size, stride, "height"), pooled_size(W, size, stride, "width"))
