"""Numerical gradients to check analytic ones (the CS231n definitions).

Centred differences: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h, one
element at a time. Slow, so use small inputs; exact enough in float64 to
catch any mistake in a backward pass.
"""
import numpy as np

from convlab import checks
from convlab.errors import ShapeError
from convlab.i18n import _


def rel_error(a, b):
    """Largest relative error max |a - b| / max(1e-8, |a| + |b|) between two arrays.

    Rough guide in float64: < 1e-7 the gradients agree; > 1e-2 something is
    wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ShapeError(_("rel_error needs two arrays of the same shape, "
                           "got {a} and {b}.").format(a=a.shape, b=b.shape))
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: function of one argument (an array like x) returning a number
    - x: the point, a float array; changed in place during the evaluation
      and restored before returning
    - h: step size

    Returns grad, an array like x.
    """
    checks.array("x", x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Numerical gradient of sum(f(x) * dout) with respect to x.

    For a function f returning an array (a layer's forward pass), ``dout``
    is the upstream gradient, the shape of f(x). Returns an array like x.
    """
    checks.array("x", x)
    checks.array("dout", dout)
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), copy=True)
        x[i] = old - h
        minus = np.array(f(x), copy=True)
        x[i] = old
        grad[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad
