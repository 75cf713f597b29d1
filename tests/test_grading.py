"""convlab.grading: the reference passes quietly, every common mistake gets its hint.

The students' functions below are written from source, as a student would:
one right version per exercise, and each mistake as a small edit of it.
"""
import ast
import linecache
import re
import textwrap
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import convlab
from convlab import grading, layers, models, shapes
from convlab.classroom import assignments
from convlab.fast_layers import conv_forward as fast_conv_forward
from convlab.grading.hints import ERRORS, MISTAKES
from convlab.grading.runner import HINT
from convlab.i18n import LANGUAGES, translate


# --- Writing a student's function -------------------------------------------------

def edited(source, *edits):
    """The code of a student's cell: ``source`` with each (old, new) edit
    made (everywhere ``old`` occurs)."""
    source = textwrap.dedent(source)
    for old, new in edits:
        assert source.count(old) >= 1, f"edit not found: {old!r}"
        source = source.replace(old, new)
    return source


def student(source, *edits):
    """The function (or class) a student's cell defines: ``source`` with
    each (old, new) edit made (everywhere ``old`` occurs). The code is
    registered like a notebook cell's, so tracebacks show its lines."""
    source = edited(source, *edits)
    filename = f"<student cell {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "warnings": warnings}
    namespace.update({k: getattr(layers, k) for k in (
        "conv_forward", "conv_backward", "relu_forward", "relu_backward",
        "affine_forward", "affine_backward", "max_pool_forward", "max_pool_backward",
        "softmax_loss")})
    exec(compile(source, filename, "exec"), namespace)
    return namespace[ast.parse(source).body[-1].name]


PERCEPTRON = """
def perceptron_step(w, b, x, d, learning_rate):
    y = 1 if np.dot(w, x) + b > 0 else 0
    w = w + learning_rate * (d - y) * x
    b = b + learning_rate * (d - y)
    return w, b, y
"""
AFFINE_FORWARD = """
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)
"""
AFFINE_BACKWARD = """
def affine_backward(dout, cache):
    x, w, b = cache
    x_rows = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_rows.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
"""
RELU_FORWARD = """
def relu_forward(x):
    out = np.maximum(x, 0)
    return out, x
"""
RELU_BACKWARD = """
def relu_backward(dout, cache):
    x = cache
    dx = dout * (x > 0)
    return dx
"""
SOFTMAX = """
def softmax_loss(scores, y):
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    return loss, dscores
"""
OUTPUT_SIZE = """
def conv_output_size(n, f, stride=1, pad=0):
    span = n - f + 2 * pad
    if span < 0 or span % stride != 0:
        raise ValueError("the filter does not fit")
    return span // stride + 1
"""
ZERO_PAD = """
def zero_pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
"""
SINGLE_STEP = """
def conv_single_step(a_slice, w, b):
    return float(np.sum(a_slice * w) + b)
"""
PARAM_COUNT = """
def conv_param_count(in_channels, filters, f):
    return (f * f * in_channels + 1) * filters
"""
CONV_FORWARD = """
def conv_forward_naive(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H2 = 1 + (H + 2 * pad - HH) // stride
    W2 = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H2, W2))
    for n in range(N):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)
"""
CONV_FAST = """
def conv_forward_fast(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (HH, WW), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
    return out, (x, w, b, stride, pad)
"""
CONV_BACKWARD = """
def conv_backward_naive(dout, cache):
    x, w, b, stride, pad = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H2, W2 = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            db[f] += np.sum(dout[n, f])
            for i in range(H2):
                for j in range(W2):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dxp[n, :, rows, cols] += w[f] * dout[n, f, i, j]
                    dw[f] += xp[n, :, rows, cols] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
"""
POOL_FORWARD = """
def max_pool_forward_naive(x, size=2, stride=2):
    N, C, H, W = x.shape
    H2 = (H - size) // stride + 1
    W2 = (W - size) // stride + 1
    out = np.zeros((N, C, H2, W2))
    for n in range(N):
        for c in range(C):
            for i in range(H2):
                for j in range(W2):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    out[n, c, i, j] = np.max(window)
    return out, (x, size, stride)
"""
POOL_BACKWARD = """
def max_pool_backward_naive(dout, cache):
    x, size, stride = cache
    N, C, H2, W2 = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H2):
                for j in range(W2):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    return dx
"""
NET = """
class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        C, H, W = input_dim
        self.reg = reg
        rows = num_filters * (H // 2) * (W // 2)
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(rows, hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        pad = (W1.shape[2] - 1) // 2
        conv, conv_cache = conv_forward(X, W1, b1, 1, pad)
        relu1, relu1_cache = relu_forward(conv)
        pool, pool_cache = max_pool_forward(relu1, 2, 2)
        hidden, hidden_cache = affine_forward(pool, W2, b2)
        relu2, relu2_cache = relu_forward(hidden)
        scores, scores_cache = affine_forward(relu2, W3, b3)
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
        grads = {}
        drelu2, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dhidden = relu_backward(drelu2, relu2_cache)
        dpool, grads["W2"], grads["b2"] = affine_backward(dhidden, hidden_cache)
        drelu1 = max_pool_backward(dpool, pool_cache)
        dconv = relu_backward(drelu1, relu1_cache)
        dx, grads["W1"], grads["b1"] = conv_backward(dconv, conv_cache)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        grads["W3"] += self.reg * W3
        return loss, grads
"""


# --- Every check, the student's right functions and convlab's -----------------------

CHECKS = {
    # check: (convlab's functions, a student's right functions, cases)
    "check_perceptron_step": (
        lambda: [_perceptron_with],
        lambda: [student(PERCEPTRON)], 8),
    "check_affine_forward": (lambda: [layers.affine_forward],
                             lambda: [student(AFFINE_FORWARD)], 4),
    "check_affine_backward": (lambda: [layers.affine_forward, layers.affine_backward],
                              lambda: [student(AFFINE_FORWARD), student(AFFINE_BACKWARD)], 4),
    "check_relu_forward": (lambda: [layers.relu_forward], lambda: [student(RELU_FORWARD)], 3),
    "check_relu_backward": (lambda: [layers.relu_forward, layers.relu_backward],
                            lambda: [student(RELU_FORWARD), student(RELU_BACKWARD)], 3),
    "check_softmax_loss": (lambda: [layers.softmax_loss], lambda: [student(SOFTMAX)], 5),
    "check_conv_output_size": (lambda: [shapes.conv_output_size],
                               lambda: [student(OUTPUT_SIZE)], 12),
    "check_zero_pad": (lambda: [layers.zero_pad], lambda: [student(ZERO_PAD)], 4),
    "check_conv_single_step": (lambda: [lambda a, w, b: float(np.sum(a * w) + b)],
                               lambda: [student(SINGLE_STEP)], 5),
    "check_conv_forward_naive": (lambda: [layers.conv_forward_naive],
                                 lambda: [student(CONV_FORWARD)], 12),
    "check_conv_forward_fast": (lambda: [fast_conv_forward], lambda: [student(CONV_FAST)], 12),
    "check_conv_backward_naive": (
        lambda: [layers.conv_forward_naive, layers.conv_backward_naive],
        lambda: [student(CONV_FORWARD), student(CONV_BACKWARD)], 6),
    "check_conv_param_count": (lambda: [shapes.conv_param_count],
                               lambda: [student(PARAM_COUNT)], 5),
    "check_max_pool_forward_naive": (lambda: [layers.max_pool_forward_naive],
                                     lambda: [student(POOL_FORWARD)], 7),
    "check_max_pool_backward_naive": (
        lambda: [layers.max_pool_forward_naive, layers.max_pool_backward_naive],
        lambda: [student(POOL_FORWARD), student(POOL_BACKWARD)], 8),
    "check_three_layer_convnet": (lambda: [models.ThreeLayerConvNet],
                                  lambda: [student(NET)], 5),
}


def _perceptron_with(w, b, x, d, rate):
    """convlab's Perceptron, one step."""
    p = models.Perceptron(len(w), rate)
    p.w, p.b = w.astype(float), b
    y = p.step(x, d)
    return p.w, p.b, y


def test_every_check_is_tested():
    public = {name for name in grading.__all__}
    assert public == set(CHECKS)


@pytest.mark.parametrize("who", ["convlab", "student"])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_right_functions_pass_with_one_line_and_no_stderr(name, who, capfd):
    convlabs, students, count = CHECKS[name]
    functions = convlabs() if who == "convlab" else students()
    getattr(grading, name)(*functions)
    out, err = capfd.readouterr()
    assert err == ""
    assert out.count("\n") == 1 and out.endswith(f": {count} cases passed\n"), out


# --- Every hint, from a student's mistake -------------------------------------------

def mistake_of(source, *edits, extra=()):
    """The functions to pass to a check: ``extra`` right ones first, then the
    student's ``source`` with the mistake made by ``edits``. Their code, as
    a student's cells would hold it, is in the attribute ``sources``."""
    def functions():
        return [student(s) for s in functions.sources]
    functions.sources = [edited(s) for s in extra] + [edited(source, *edits)]
    return functions


# Max pooling's backward pass, the gradient to every maximum of a window
# instead of the first (a student's "win == win.max()").
TO_THE_ARGMAX = """\
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]"""
TO_EVERY_MAXIMUM = """\
                    mask = window == window.max()
                    dx[n, c, i * stride:i * stride + size, j * stride:j * stride + size] += \\
                        mask * dout[n, c, i, j]"""

HINTS = [
    # (check, hint key, mistake name, the student's functions)
    ("check_perceptron_step", "perceptron_step", "greater_or_equal",
     mistake_of(PERCEPTRON, ("+ b > 0", "+ b >= 0"))),
    ("check_perceptron_step", "perceptron_step", "sign",
     mistake_of(PERCEPTRON, ("(d - y)", "(y - d)"))),
    ("check_perceptron_step", "perceptron_step", "bias_not_learned",
     mistake_of(PERCEPTRON, ("    b = b + learning_rate * (d - y)\n", ""))),
    ("check_perceptron_step", "perceptron_step", "y_after_update",
     mistake_of(PERCEPTRON, ("    return w, b, y",
                             "    y = 1 if np.dot(w, x) + b > 0 else 0\n    return w, b, y"))),
    ("check_affine_forward", "affine_forward", "no_reshape",
     mistake_of(AFFINE_FORWARD, ("x.reshape(x.shape[0], -1) @ w", "x @ w"))),
    ("check_affine_forward", "affine_forward", "no_bias",
     mistake_of(AFFINE_FORWARD, (" @ w + b", " @ w"))),
    ("check_affine_backward", "affine_backward", "dx_not_reshaped",
     mistake_of(AFFINE_BACKWARD, ("(dout @ w.T).reshape(x.shape)", "dout @ w.T"),
                extra=[AFFINE_FORWARD])),
    ("check_affine_backward", "affine_backward", "dw_x_not_reshaped",
     mistake_of(AFFINE_BACKWARD, ("dw = x_rows.T @ dout", "dw = x.T @ dout"),
                extra=[AFFINE_FORWARD])),
    ("check_affine_backward", "affine_backward", "dw_transposed",
     mistake_of(AFFINE_BACKWARD, ("dw = x_rows.T @ dout", "dw = dout.T @ x_rows"),
                extra=[AFFINE_FORWARD])),
    ("check_affine_backward", "affine_backward", "db_axis",
     mistake_of(AFFINE_BACKWARD, ("axis=0", "axis=1"), extra=[AFFINE_FORWARD])),
    ("check_relu_forward", "relu_forward", "np_max",
     mistake_of(RELU_FORWARD, ("np.maximum(x, 0)", "np.max(x, 0)"))),
    ("check_relu_forward", "relu_forward", "mask",
     mistake_of(RELU_FORWARD, ("np.maximum(x, 0)", "x > 0"))),
    ("check_relu_backward", "relu_backward", "mask_of_dout",
     mistake_of(RELU_BACKWARD, ("(x > 0)", "(dout > 0)"), extra=[RELU_FORWARD])),
    ("check_relu_backward", "relu_backward", "forgot_dout",
     mistake_of(RELU_BACKWARD, ("dout * (x > 0)", "(x > 0).astype(float)"),
                extra=[RELU_FORWARD])),
    ("check_softmax_loss", "softmax_loss", "no_max",
     mistake_of(SOFTMAX, ("scores - np.max(scores, axis=1, keepdims=True)", "scores"))),
    ("check_softmax_loss", "softmax_loss", "loss_not_averaged",
     mistake_of(SOFTMAX, ("y])) / N", "y]))"))),
    ("check_softmax_loss", "softmax_loss", "dscores_not_averaged",
     mistake_of(SOFTMAX, ("    dscores /= N\n", ""))),
    ("check_softmax_loss", "softmax_loss", "forgot_minus_one",
     mistake_of(SOFTMAX, ("    dscores[np.arange(N), y] -= 1\n", ""))),
    ("check_conv_output_size", "conv_output_size", "floor",
     mistake_of(OUTPUT_SIZE, ("span < 0 or span % stride != 0", "False"))),
    ("check_conv_output_size", "conv_output_size", "forgot_2p",
     mistake_of(OUTPUT_SIZE, ("span = n - f + 2 * pad", "span = n - f"))),
    ("check_conv_output_size", "conv_output_size", "used_p",
     mistake_of(OUTPUT_SIZE, ("span = n - f + 2 * pad", "span = n - f + pad"))),
    ("check_conv_output_size", "conv_output_size", "forgot_stride",
     mistake_of(OUTPUT_SIZE, ("return span // stride + 1", "return span + 1"))),
    ("check_conv_output_size", "conv_output_size", "forgot_plus_one",
     mistake_of(OUTPUT_SIZE, ("return span // stride + 1", "return span // stride"))),
    ("check_conv_output_size", "conv_output_size", "float",
     mistake_of(OUTPUT_SIZE, ("return span // stride + 1", "return span / stride + 1"))),
    ("check_zero_pad", "zero_pad", "all_axes",
     mistake_of(ZERO_PAD, ("((0, 0), (0, 0), (pad, pad), (pad, pad))", "pad"))),
    ("check_zero_pad", "zero_pad", "after_only",
     mistake_of(ZERO_PAD, ("(pad, pad), (pad, pad)", "(0, pad), (0, pad)"))),
    ("check_zero_pad", "zero_pad", "before_only",
     mistake_of(ZERO_PAD, ("(pad, pad), (pad, pad)", "(pad, 0), (pad, 0)"))),
    ("check_conv_single_step", "conv_single_step", "no_bias",
     mistake_of(SINGLE_STEP, ("a_slice * w) + b", "a_slice * w)"))),
    ("check_conv_single_step", "conv_single_step", "bias_each",
     mistake_of(SINGLE_STEP, ("a_slice * w) + b", "a_slice * w + b)"))),
    ("check_conv_single_step", "conv_single_step", "matmul",
     mistake_of(SINGLE_STEP, ("a_slice * w", "a_slice @ w"))),
    ("check_conv_single_step", "conv_single_step", "dot",
     mistake_of(SINGLE_STEP, ("a_slice * w", "np.dot(a_slice, w)"))),
    ("check_conv_forward_naive", "conv_forward", "forgot_2p",
     mistake_of(CONV_FORWARD, ("H + 2 * pad - HH", "H - HH"), ("W + 2 * pad - WW", "W - WW"))),
    ("check_conv_forward_naive", "conv_forward", "used_p",
     mistake_of(CONV_FORWARD, ("2 * pad", "pad"))),
    ("check_conv_forward_naive", "conv_forward", "forgot_stride",
     mistake_of(CONV_FORWARD, ("1 + (H + 2 * pad - HH) // stride", "1 + (H + 2 * pad - HH)"),
                ("1 + (W + 2 * pad - WW) // stride", "1 + (W + 2 * pad - WW)"))),
    ("check_conv_forward_naive", "conv_forward", "forgot_plus_one",
     mistake_of(CONV_FORWARD, ("1 + (H", "(H"), ("1 + (W", "(W"))),
    ("check_conv_forward_naive", "conv_forward", "unpadded",
     mistake_of(CONV_FORWARD, ("window = xp[", "window = x["))),
    ("check_conv_forward_naive", "conv_forward", "ignored_pad",
     mistake_of(CONV_FORWARD, ("H + 2 * pad - HH", "H - HH"), ("W + 2 * pad - WW", "W - WW"),
                ('np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")',
                 "x"))),
    ("check_conv_forward_naive", "conv_forward", "pad_all_axes",
     mistake_of(CONV_FORWARD, ("((0, 0), (0, 0), (pad, pad), (pad, pad))", "pad"))),
    ("check_conv_forward_naive", "conv_forward", "stride",
     mistake_of(CONV_FORWARD, ("i * stride:i * stride + HH, j * stride:j * stride + WW",
                               "i:i + HH, j:j + WW"))),
    ("check_conv_forward_naive", "conv_forward", "no_bias",
     mistake_of(CONV_FORWARD, (" * w[f]) + b[f]", " * w[f])"))),
    ("check_conv_forward_naive", "conv_forward", "bias_each",
     mistake_of(CONV_FORWARD, (" * w[f]) + b[f]", " * w[f] + b[f])"))),
    ("check_conv_forward_naive", "conv_forward", "bias_times",
     mistake_of(CONV_FORWARD, (" * w[f]) + b[f]", " * w[f]) * b[f]"))),
    ("check_conv_forward_naive", "conv_forward", "flipped",
     mistake_of(CONV_FORWARD, ("window * w[f]", "window * w[f, :, ::-1, ::-1]"))),
    ("check_conv_forward_naive", "conv_forward", "transposed",
     mistake_of(CONV_FORWARD, ("np.zeros((N, F, H2, W2))", "np.zeros((N, F, W2, H2))"),
                ("out[n, f, i, j] =", "out[n, f, j, i] ="))),
    ("check_conv_forward_fast", "conv_forward", "flipped",
     mistake_of(CONV_FAST, ("windows, w)", "windows, w[:, :, ::-1, ::-1])"))),
    ("check_conv_forward_fast", "conv_forward", "no_bias",
     mistake_of(CONV_FAST, (" + b[None, :, None, None]", ""))),
    ("check_conv_forward_fast", "conv_forward", "transposed",
     mistake_of(CONV_FAST, ("->nfhw", "->nfwh"))),
    ("check_conv_backward_naive", "conv_backward", "db_sum_axes",
     mistake_of(CONV_BACKWARD, ("db = np.zeros_like(b)", "db = dout.sum(axis=(2, 3))"),
                ("            db[f] += np.sum(dout[n, f])\n", ""), extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "db_batch_only",
     mistake_of(CONV_BACKWARD, ("db = np.zeros_like(b)", "db = np.sum(dout, axis=0)"),
                ("            db[f] += np.sum(dout[n, f])\n", ""), extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "db_last_example",
     mistake_of(CONV_BACKWARD, ("db[f] += ", "db[f] = "), extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "dx_not_cropped",
     mistake_of(CONV_BACKWARD, ("return dx, dw, db", "return dxp, dw, db"),
                extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "dw_assigned",
     mistake_of(CONV_BACKWARD, ("dw[f] += ", "dw[f] = "), extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "dx_assigned",
     mistake_of(CONV_BACKWARD, ("dxp[n, :, rows, cols] += ", "dxp[n, :, rows, cols] = "),
                extra=[CONV_FORWARD])),
    ("check_conv_backward_naive", "conv_backward", "dx_flipped",
     mistake_of(CONV_BACKWARD, ("+= w[f] * dout", "+= w[f, :, ::-1, ::-1] * dout"),
                extra=[CONV_FORWARD])),
    ("check_conv_param_count", "conv_param_count", "no_bias",
     mistake_of(PARAM_COUNT, ("(f * f * in_channels + 1) * filters",
                              "f * f * in_channels * filters"))),
    ("check_conv_param_count", "conv_param_count", "bias_per_weight",
     mistake_of(PARAM_COUNT, ("(f * f * in_channels + 1) * filters",
                              "2 * f * f * in_channels * filters"))),
    ("check_conv_param_count", "conv_param_count", "no_depth",
     mistake_of(PARAM_COUNT, ("f * f * in_channels", "f * f"))),
    ("check_max_pool_forward_naive", "max_pool_forward", "stride",
     mistake_of(POOL_FORWARD, ("i * stride:i * stride + size, j * stride:j * stride + size",
                               "i:i + size, j:j + size"))),
    ("check_max_pool_forward_naive", "max_pool_forward", "all_channels",
     mistake_of(POOL_FORWARD, ("window = x[n, c,", "window = x[n, :,"))),
    ("check_max_pool_backward_naive", "max_pool_backward", "every_cell",
     mistake_of(POOL_BACKWARD, (
         "dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]",
         "dx[n, c, i * stride:i * stride + size, j * stride:j * stride + size] "
         "+= dout[n, c, i, j]"), extra=[POOL_FORWARD])),
    ("check_max_pool_backward_naive", "max_pool_backward", "position",
     mistake_of(POOL_BACKWARD, ("i * stride:i * stride + size, j * stride:j * stride + size",
                                "i:i + size, j:j + size"),
                ("dx[n, c, i * stride + r, j * stride + s]", "dx[n, c, i + r, j + s]"),
                extra=[POOL_FORWARD])),
    ("check_max_pool_backward_naive", "max_pool_backward", "assigned",
     mistake_of(POOL_BACKWARD, ("+ s] += dout", "+ s] = dout"), extra=[POOL_FORWARD])),
    ("check_max_pool_backward_naive", "max_pool_backward", "every_maximum",
     mistake_of(POOL_BACKWARD, (TO_THE_ARGMAX, TO_EVERY_MAXIMUM), extra=[POOL_FORWARD])),
    ("check_max_pool_backward_naive", "max_pool_backward", "shared_by_maxima",
     mistake_of(POOL_BACKWARD, (TO_THE_ARGMAX, TO_EVERY_MAXIMUM + " / mask.sum()"),
                extra=[POOL_FORWARD])),
    ("check_three_layer_convnet", "three_layer_convnet.params", "no_pool",
     mistake_of(NET, ("rows = num_filters * (H // 2) * (W // 2)", "rows = num_filters * H * W"),
                ("pool, pool_cache = max_pool_forward(relu1, 2, 2)", "pool = relu1"),
                ("drelu1 = max_pool_backward(dpool, pool_cache)", "drelu1 = dpool"))),
    ("check_three_layer_convnet", "three_layer_convnet.params", "no_pad",
     mistake_of(NET, ("rows = num_filters * (H // 2) * (W // 2)",
                      "rows = num_filters * ((H - filter_size + 1) // 2) * "
                      "((W - filter_size + 1) // 2)"),
                ("pad = (W1.shape[2] - 1) // 2", "pad = 0"))),
    ("check_three_layer_convnet", "three_layer_convnet.loss", "reg_not_in_loss",
     mistake_of(NET, ("        loss += 0.5 * self.reg", "        # loss += 0.5 * self.reg"))),
    ("check_three_layer_convnet", "three_layer_convnet.loss", "reg_not_in_grads",
     mistake_of(NET, ('        grads["W1"] += self.reg * W1\n', ""),
                ('        grads["W2"] += self.reg * W2\n', ""),
                ('        grads["W3"] += self.reg * W3\n', ""))),
    ("check_three_layer_convnet", "three_layer_convnet.loss", "reg_not_halved",
     mistake_of(NET, ("loss += 0.5 * self.reg", "loss += self.reg"))),
    ("check_three_layer_convnet", "three_layer_convnet.loss", "reg_biases",
     mistake_of(NET, ("np.sum(W3 ** 2))", "np.sum(W3 ** 2) + np.sum(b1 ** 2) + "
                                          "np.sum(b2 ** 2) + np.sum(b3 ** 2))"))),
]


def hint_message(key, name):
    return next(m.message for m in MISTAKES[key] if m.name == name)


@pytest.mark.parametrize("check, key, name, functions", HINTS,
                         ids=[f"{c[6:]}-{n}" for c, _k, n, _f in HINTS])
def test_each_mistake_gets_its_hint(check, key, name, functions, capfd):
    with pytest.raises(AssertionError) as info:
        getattr(grading, check)(*functions())
    message = str(info.value)
    expected = hint_message(key, name)
    assert "Hint: " + expected in message
    for other in MISTAKES[key]:
        if other.message != expected:
            assert other.message not in message, f"also hinted: {other.name}"
    assert capfd.readouterr() == ("", "")


def test_every_hint_of_the_table_is_tested():
    tested = {(key, name) for _check, key, name, _f in HINTS}
    assert tested == {(key, m.name) for key, mistakes in MISTAKES.items() for m in mistakes}


# --- Hints for the errors of the student's code --------------------------------------

ERROR_HINTS = [
    # (check, error hint name, the student's functions)
    ("check_conv_forward_naive", "float_size",
     mistake_of(CONV_FORWARD, ("// stride", "/ stride"))),
    ("check_max_pool_forward_naive", "float_size",
     mistake_of(POOL_FORWARD, ("// stride", "/ stride"))),
    ("check_max_pool_backward_naive", "float_index",
     mistake_of(POOL_BACKWARD, ("r, s = np.unravel_index(np.argmax(window), window.shape)",
                                "r, s = np.argmax(window) / size, np.argmax(window) % size"),
                extra=[POOL_FORWARD])),
]


def error_hint_message(name):
    return next(hint.message for hint in ERRORS if hint.name == name)


@pytest.mark.parametrize("check, name, functions", ERROR_HINTS,
                         ids=[f"{c[6:]}-{n}" for c, n, _f in ERROR_HINTS])
def test_an_error_of_the_students_code_gets_its_hint(check, name, functions, capfd):
    with pytest.raises(AssertionError) as info:
        getattr(grading, check)(*functions())
    message = str(info.value)
    assert "Your code raised " in message
    assert "Hint: " + error_hint_message(name) in message
    assert capfd.readouterr() == ("", "")


def test_every_error_hint_is_tested():
    assert {name for _check, name, _f in ERROR_HINTS} == {hint.name for hint in ERRORS}


def test_an_error_without_a_hint_gets_none():
    functions = mistake_of(CONV_FORWARD, ("+ b[f]", "+ b[f + 1]"))()   # an IndexError
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(*functions)
    assert "Hint" not in str(info.value)


# --- What a failing check says -------------------------------------------------------

def test_a_wrong_output_size_shows_the_formula_with_the_numbers():
    functions = mistake_of(CONV_FORWARD, ("H + 2 * pad - HH", "H - HH"),
                           ("W + 2 * pad - WW", "W - WW"))()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(*functions)
    message = str(info.value)
    assert "case 3 of 12: x (2, 3, 5, 5), w (4, 3, 3, 3), b (4,), stride=1, pad=1" in message
    assert "out has the wrong shape: expected (2, 4, 5, 5), got (2, 4, 3, 3)" in message
    assert "H2 = (H - HH + 2P)/S + 1 = (5 - 3 + 2*1)/1 + 1 = 5" in message


def test_the_lecture_example_is_shown_in_full():
    functions = mistake_of(CONV_FORWARD, ("window * w[f]", "window * w[f, :, ::-1, ::-1]"))()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(*functions)
    message = str(info.value)
    assert message.startswith("conv_forward_naive fails in case 1 of 12: the lecture's 9x9 "
                              "input and [1 0 -1] filter")
    assert "out has wrong values: 28 of 49 differ" in message
    assert "[[ 1.  1.  0. -1. -1.  0.  0.]" in message          # the slides' 7x7 map


def test_the_lecture_max_pool_example_fails_first():
    functions = mistake_of(POOL_FORWARD, ("np.max(window)", "np.mean(window)"))()
    with pytest.raises(AssertionError) as info:
        grading.check_max_pool_forward_naive(*functions)
    assert "case 1 of 7: the lecture's 4x4 example" in str(info.value)
    assert "[[6. 8.]\n [3. 4.]]" in str(info.value)


def test_an_error_in_the_students_code_names_the_case_and_the_line(capfd):
    functions = mistake_of(CONV_FORWARD, ("+ b[f]", "+ b[f + 1]"))()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(*functions)
    message = str(info.value)
    assert message.splitlines()[0] == (
        "conv_forward_naive fails in case 1 of 12: the lecture's 9x9 input and [1 0 -1] "
        "filter: x (1, 1, 9, 9), w (1, 1, 3, 3), b (1,), stride=1, pad=0.")
    assert "Your code raised IndexError: index 1 is out of bounds" in message
    assert "(in conv_forward_naive, line 14: out[n, f, i, j] = np.sum(window * w[f]) " \
        "+ b[f + 1])" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "Traceback" not in message
    assert capfd.readouterr() == ("", "")


def test_the_traceback_is_short():
    functions = mistake_of(CONV_FORWARD, ("+ b[f]", "+ b[f + 1]"))()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(*functions)
    # Frames of the convlab package (not of a folder that happens to be
    # named convlab, such as a clone of this repository).
    package = Path(convlab.__file__).resolve().parent
    inside_convlab = [entry for entry in info.traceback
                      if package in Path(entry.path).resolve().parents]
    assert len(inside_convlab) == 1


def test_a_wrong_shape_is_reported_before_wrong_values():
    # dx keeps the padding (wrong shape) and dw is assigned (wrong values).
    functions = mistake_of(CONV_BACKWARD, ("return dx, dw, db", "return dxp, dw, db"),
                           ("dw[f] += ", "dw[f] = "), extra=[CONV_FORWARD])()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_backward_naive(*functions)
    message = str(info.value)
    assert "case 1 of 6" in message
    assert "dx has the wrong shape: expected (2, 3, 5, 5), got (2, 3, 7, 7)" in message
    assert "dx has the shape of x, (2, 3, 5, 5)" in message
    assert "wrong values" not in message


def test_wrong_values_of_a_gradient_give_the_numerical_relative_error():
    functions = mistake_of(CONV_BACKWARD, ("dw[f] += ", "dw[f] = "), extra=[CONV_FORWARD])()
    with pytest.raises(AssertionError) as info:
        grading.check_conv_backward_naive(*functions)
    message = str(info.value)
    assert "dw has wrong values" in message
    assert "Relative error between your dw and the numerical gradient: " in message


def test_a_backward_check_needs_a_right_forward_first():
    forward = student(CONV_FORWARD, (" * w[f]) + b[f]", " * w[f])"))
    with pytest.raises(AssertionError) as info:
        grading.check_conv_backward_naive(forward, student(CONV_BACKWARD))
    message = str(info.value)
    assert message.startswith("conv_backward_naive is checked with your conv_forward_naive, "
                              "which is not right yet: make check_conv_forward_naive pass first.")
    assert "Hint: " + hint_message("conv_forward", "no_bias") in message


@pytest.mark.parametrize("edit, expected", [
    (("    return out, (x, w, b, stride, pad)", "    return out"),
     "conv_forward_naive must return (out, cache), got a NumPy array of shape (1, 1, 7, 7)."),
    (("    return out, (x, w, b, stride, pad)", "    pass"),
     "conv_forward_naive returned None: did you forget the return statement?"),
])
def test_a_wrong_kind_of_result_is_explained(edit, expected):
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(student(CONV_FORWARD, edit))
    assert expected in str(info.value)


def test_conv_output_size_must_refuse_a_filter_that_does_not_fit():
    refuses_nothing = student(OUTPUT_SIZE, ("span < 0 or span % stride != 0", "False"))
    with pytest.raises(AssertionError) as info:
        grading.check_conv_output_size(refuses_nothing)
    message = str(info.value)
    assert "case 3 of 12: n=7, f=3, stride=3, pad=0" in message
    assert "Expected a ValueError, because (7 - 3 + 2*0)/3 + 1 = 2.33 is not a whole " \
           "number" in message
    assert "Your function returned 2 instead." in message


def test_conv_output_size_must_raise_a_value_error_not_another_error():
    asserts = student(OUTPUT_SIZE, ('raise ValueError("the filter does not fit")',
                                    'assert False, "does not fit"'))
    with pytest.raises(AssertionError) as info:
        grading.check_conv_output_size(asserts)
    assert "Your function raised AssertionError instead: does not fit" in str(info.value)


def test_a_class_without_params_is_explained():
    with pytest.raises(AssertionError) as info:
        grading.check_three_layer_convnet(student(NET, ("self.params = {", "self.weights = {"),
                                                  ("self.params.items()", "self.weights.items()"),
                                                  ("self.params[k] =", "self.weights[k] =")))
    assert "ThreeLayerConvNet must keep its parameters in a dict self.params, got NoneType." \
        in str(info.value)


def test_a_network_initialised_with_large_weights_is_caught():
    with pytest.raises(AssertionError) as info:
        grading.check_three_layer_convnet(
            student(NET, ("weight_scale * np.random.randn", "np.random.randn")))
    message = str(info.value)
    assert "the first loss, with the network's own initial weights" in message
    assert "log(num_classes) = log(4) = 1.3863" in message


def test_a_loss_computed_in_float32_is_caught_with_digits_that_differ():
    float32 = student(NET, ('        W1, b1 = self.params["W1"], self.params["b1"]',
                            '        X = X.astype(np.float32)\n'
                            '        W1, b1 = self.params["W1"], self.params["b1"]'))
    with pytest.raises(AssertionError) as info:
        grading.check_three_layer_convnet(float32)
    first = re.search(r"expected (\S+), got (\S+)\.", str(info.value))
    assert first and first.group(1) != first.group(2)


def test_the_gradient_check_of_the_network(monkeypatch):
    monkeypatch.setattr(grading.checks, "GRADIENT_LIMIT", 0.0)   # nothing passes
    with pytest.raises(AssertionError) as info:
        grading.check_three_layer_convnet(student(NET))
    message = str(info.value)
    assert message.startswith("ThreeLayerConvNet fails in the gradient check: parameters "
                              "set by the check, reg=0.1: X (3, 3, 8, 8), y (3,).")
    assert "grads['W1'] does not agree with the numerical gradient of your loss: " \
           "relative error" in message


def test_the_check_needs_the_students_function():
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(None)
    assert "The check needs your conv_forward_naive itself" in str(info.value)


# --- Quiet: nothing on stderr, whatever the student's code does ----------------------

def test_warnings_of_the_students_code_stay_quiet(capfd):
    noisy = student(RELU_FORWARD, ("    out = np.maximum(x, 0)",
                                   "    warnings.warn('debug', UserWarning)\n"
                                   "    np.log(np.zeros(1))\n"
                                   "    out = np.maximum(x, 0)"))
    grading.check_relu_forward(noisy)
    out, err = capfd.readouterr()
    assert err == "" and out == "relu_forward: 3 cases passed\n"


def test_overflow_in_the_students_code_is_quiet_and_explained(capfd):
    no_max = student(SOFTMAX, ("scores - np.max(scores, axis=1, keepdims=True)", "scores"))
    with pytest.raises(AssertionError) as info:
        grading.check_softmax_loss(no_max)
    assert "case 5 of 5: large scores" in str(info.value)
    assert "loss is wrong: expected 2.77527, got nan." in str(info.value)
    assert capfd.readouterr() == ("", "")


def test_the_students_code_gets_copies_of_the_inputs():
    destructive = student(ZERO_PAD, ("    return np.pad", "    xp = np.pad"),
                          ('mode="constant")', 'mode="constant")\n    x[...] = 0\n    return xp'))
    grading.check_zero_pad(destructive)


# --- Languages -----------------------------------------------------------------------

def test_checks_work_in_vietnamese(capfd):
    convlab.set_language("vi")
    grading.check_conv_forward_naive(layers.conv_forward_naive)
    out, err = capfd.readouterr()
    assert err == "" and out.startswith("conv_forward_naive") and "12" in out
    flipped = student(CONV_FORWARD, ("window * w[f]", "window * w[f, :, ::-1, ::-1]"))
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(flipped)
    # The hint's words depend on the catalog; the case's shapes do not.
    assert "x (1, 1, 9, 9), w (1, 1, 3, 3)" in str(info.value)
    assert len(str(info.value).splitlines()) > 3
    assert capfd.readouterr() == ("", "")


def hint_in(message, language):
    """The line that shows hint ``message`` in ``language``."""
    return translate(HINT, language).format(hint=translate(message, language))


@pytest.mark.parametrize("chosen, environment, shown", [
    (None, None, ["en", "vi"]),      # nobody chose: both, as the course text
    ("en", None, ["en"]),
    ("vi", None, ["vi"]),
    (None, "vi", ["vi"]),            # CONVLAB_LANG chooses too
    ("en", "vi", ["en"]),            # set_language wins over the variable
])
def test_hints_follow_the_chosen_language_or_come_in_both(chosen, environment, shown,
                                                          monkeypatch):
    if environment:
        monkeypatch.setenv("CONVLAB_LANG", environment)
    convlab.set_language(chosen)
    flipped = student(CONV_FORWARD, ("window * w[f]", "window * w[f, :, ::-1, ::-1]"))
    with pytest.raises(AssertionError) as info:
        grading.check_conv_forward_naive(flipped)
    message = str(info.value)
    assert [language for language in LANGUAGES
            if hint_in(hint_message("conv_forward", "flipped"), language) in message] == shown
    lines = message.splitlines()
    assert lines.index(hint_in(hint_message("conv_forward", "flipped"), shown[0])) \
        == len(lines) - len(shown), "the hints come last, English first"


# --- The hints in the released notebooks -------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
RELEASED = {name: ROOT / "assignments" / name / f"{name}.ipynb"
            for name in ("a1_perceptron_fc", "a2_convolution", "a3_pooling_convnet")}
# The names ``student`` gives a student's cell besides NumPy (convlab's layers,
# which the network of HINTS is built from).
PREAMBLE = ("import warnings\n"
            "from convlab.layers import (affine_backward, affine_forward, conv_backward,\n"
            "                            conv_forward, max_pool_backward, max_pool_forward,\n"
            "                            relu_backward, relu_forward, softmax_loss)\n")
# The language each notebook's student chooses: all three cases, one kernel each.
CHOSEN = {"a1_perceptron_fc": "vi", "a2_convolution": None, "a3_pooling_convnet": "en"}


def cells_by_check(notebook):
    """{check name: the autograded test cell of ``notebook`` that calls it}."""
    return {name: cell for cell in assignments.graded_cells(notebook)
            for name in re.findall(r"grading\.(check_\w+)\(", cell.source)}


def calls_a_check(node):
    return any(isinstance(n, ast.Attribute) and n.attr.startswith("check_")
               for n in ast.walk(node))


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_plain_asserts_let_the_hints_through(name):
    """In a released test cell, an assert without a message comes after the
    cell's check, which explains a failure first; nothing else runs the
    student's code before the check."""
    for cell in assignments.graded_cells(nbformat.read(RELEASED[name], as_version=4)):
        statements = ast.parse(cell.source).body
        checks = [i for i, statement in enumerate(statements) if calls_a_check(statement)]
        before = statements[:checks[0]] if checks else statements
        for statement in before:
            if checks:
                assert isinstance(statement, (ast.Import, ast.ImportFrom)), \
                    f"{cell.metadata.nbgrader.grade_id}: {ast.unparse(statement)[:60]}"
            for node in ast.walk(statement):
                if isinstance(node, ast.Assert):
                    assert node.msg is not None, \
                        f"{cell.metadata.nbgrader.grade_id}: {ast.unparse(node)[:60]}"


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_every_mistake_shows_its_hint_in_the_released_test_cell(name):
    """Each mistake of HINTS and ERROR_HINTS whose check this notebook calls:
    the student's cell with the mistake, then the released test cell, in one
    kernel; the cell's output has the hint, in the language the student chose
    (or in both)."""
    released = nbformat.read(RELEASED[name], as_version=4)
    tests = cells_by_check(released)
    mistakes = [(check, hint_message(key, mistake), functions)
                for check, key, mistake, functions in HINTS if check in tests]
    mistakes += [(check, error_hint_message(hint), functions)
                 for check, hint, functions in ERROR_HINTS if check in tests]
    assert mistakes
    setup = next(c for c in released.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    chosen = CHOSEN[name]
    cells = [nbformat.v4.new_code_cell(setup.source), nbformat.v4.new_code_cell(
        PREAMBLE + (f"convlab.set_language({chosen!r})\n" if chosen else ""))]
    for check, _message, functions in mistakes:
        cells += [nbformat.v4.new_code_cell("\n\n".join(functions.sources)),
                  nbformat.v4.new_code_cell(tests[check].source)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(RELEASED[name].parent)}}).execute()
    shown = [chosen] if chosen else list(LANGUAGES)
    for (check, message, functions), cell in zip(mistakes, notebook.cells[3::2]):
        text = "\n".join(o.get("evalue", "") + o.get("text", "") for o in cell.outputs)
        for language in LANGUAGES:
            assert (hint_in(message, language) in text) == (language in shown), \
                f"{check}, {functions.sources[-1][:200]}:\n{text}"
