"""Input validation shared by every public function of convlab.

Each check runs before any work and raises an error that names the argument,
says what was seen and what was expected, in the current language:
``TypeError`` for something that is not a numeric array or a whole number,
``ShapeError`` (a ValueError) for shapes and values that do not fit.
"""
import numbers

import numpy as np

from convlab.gpu.backend import is_array, on_gpu
from convlab.errors import ShapeError
from convlab.i18n import _

# dtype kinds we compute with: signed and unsigned integers, floating point.
NUMERIC_KINDS = "iuf"


def array(name, x, ndim=None, layout=""):
    """Check that ``x`` is a numeric ndarray (of ``ndim`` dimensions) and return it.

    ``layout`` names the axes for the message, e.g. "(N, C, H, W)". Arrays on
    a GPU (CuPy) are accepted as they are, never copied to the CPU.
    """
    if not is_array(x):
        raise TypeError(_("{name} must be a NumPy array, got {type}. Convert it "
                          "with np.asarray({name}) first.").format(
            name=name, type=type(x).__name__))
    if x.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(_("{name} must hold numbers (integers or floating point), "
                          "got dtype {dtype}.").format(name=name, dtype=x.dtype))
    if ndim is not None and x.ndim != ndim:
        raise ShapeError(_("{name} must be a {ndim}-D array {layout}, got shape "
                           "{shape} ({got}-D).").format(
            name=name, ndim=ndim, layout=layout, shape=x.shape, got=x.ndim))
    if x.size == 0:
        raise ShapeError(_("{name} must not be empty, got shape {shape}.").format(
            name=name, shape=x.shape))
    return x


def on_cpu(function, fast, **arrays):
    """Check that ``arrays`` (given by name) are NumPy arrays, not on a GPU.

    For the naive layers: their loops, one tiny step per window, are what a
    GPU does worst. The message points to the fast layer ``fast``.
    """
    for name, x in arrays.items():
        if on_gpu(x):
            raise TypeError(_("{function} runs on NumPy arrays only (its loops would "
                              "be very slow on a GPU), but {name} is on the GPU. Use "
                              "{fast}, which computes on the GPU, or move the data "
                              "with convlab.to_cpu({name}).").format(
                function=function, name=name, fast=fast))


def whole_number(name, value, minimum):
    """Check that ``value`` is an int >= ``minimum`` and return it as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(_("{name} must be a whole number, got {value!r} "
                          "({type}).").format(
            name=name, value=value, type=type(value).__name__))
    if value < minimum:
        raise ShapeError(_("{name} must be at least {minimum}, got {value}.").format(
            name=name, minimum=minimum, value=value))
    return int(value)


def same_shape(name, x, expected, forward):
    """Check that ``x`` (e.g. dout) has the shape ``expected`` made by ``forward``."""
    array(name, x)
    if x.shape != tuple(expected):
        raise ShapeError(_("{name} must have the shape of the output of {forward}, "
                           "{expected}, got {shape}.").format(
            name=name, forward=forward, expected=tuple(expected), shape=x.shape))
    return x


def cache(value, length, forward):
    """Check that ``value`` looks like the cache ``forward`` returned."""
    if not isinstance(value, tuple) or len(value) not in length:
        raise TypeError(_("cache must be the cache returned by {forward}, "
                          "got {type}.").format(
            forward=forward, type=type(value).__name__))
    return value


def conv_inputs(x, w, b):
    """Check the arrays of a convolution: x (N, C, H, W), w (F, C, HH, WW), b (F,)."""
    array("x", x, 4, "(N, C, H, W)")
    array("w", w, 4, "(F, C, HH, WW)")
    array("b", b, 1, "(F,)")
    if w.shape[1] != x.shape[1]:
        raise ShapeError(_("w has {wc} channels per filter (w.shape[1]) but x has "
                           "{xc} channels (x.shape[1]): a filter always extends "
                           "the full depth of the input volume. Got x {xshape}, "
                           "w {wshape}.").format(
            wc=w.shape[1], xc=x.shape[1], xshape=x.shape, wshape=w.shape))
    if b.shape[0] != w.shape[0]:
        raise ShapeError(_("b must hold one bias per filter: expected shape "
                           "({f},) for w {wshape}, got {shape}.").format(
            f=w.shape[0], wshape=w.shape, shape=b.shape))


def labels(y, scores):
    """Check class labels y (N,) against scores (N, K)."""
    array("scores", scores, 2, "(N, K)")
    array("y", y, 1, "(N,)")
    if y.dtype.kind not in "iu":
        raise TypeError(_("y must hold integer class labels, got dtype "
                          "{dtype}.").format(dtype=y.dtype))
    n, k = scores.shape
    if y.shape[0] != n:
        raise ShapeError(_("y must hold one label per row of scores: expected "
                           "shape ({n},), got {shape}.").format(n=n, shape=y.shape))
    if y.min() < 0 or y.max() >= k:
        raise ShapeError(_("y must hold class labels from 0 to {last} (scores has "
                           "{k} columns), got labels from {lo} to {hi}.").format(
            last=k - 1, k=k, lo=y.min(), hi=y.max()))


def affine_inputs(x, w, b):
    """Check a fully connected layer's x (N, d_1, ..., d_k), w (D, M), b (M,)."""
    array("x", x)
    if x.ndim < 2:
        raise ShapeError(_("x must have a batch axis and at least one more "
                           "(N, d_1, ..., d_k), got shape {shape}.").format(
            shape=x.shape))
    array("w", w, 2, "(D, M)")
    array("b", b, 1, "(M,)")
    d = int(np.prod(x.shape[1:]))
    if d != w.shape[0]:
        raise ShapeError(_("x has {d} numbers per example (x.shape[1:] = {dims}) "
                           "but w expects {wd} (w.shape[0]). Got x {xshape}, "
                           "w {wshape}.").format(
            d=d, dims=x.shape[1:], wd=w.shape[0], xshape=x.shape, wshape=w.shape))
    if b.shape[0] != w.shape[1]:
        raise ShapeError(_("b must hold one bias per output: expected shape "
                           "({m},) for w {wshape}, got {shape}.").format(
            m=w.shape[1], wshape=w.shape, shape=b.shape))
