"""Common mistakes and their hints: the tables of every check.

Each ``Mistake`` is a deliberately wrong version of convlab's reference,
written the way a student writes the mistake, and the hint shown when the
student's code gives the same results as that wrong version (see
``runner.matching_hints``). A wrong version takes the same arguments as the
reference of its check (``convlab.grading.references``) and returns the same
tuple of results; it may raise, like the student code it copies.

To add a hint, add one entry under the key of its check::

    Mistake("forgot_bias",                       # short name, used by the tests
            N_("You forgot the bias ..."),       # English, translated when shown
            lambda x, w, b, stride, pad: ...,    # the wrong version
            outputs=("out",))                    # optional: results it is about

Messages are marked with ``N_`` for the translation catalogs and translated
when shown, in the language chosen then, or in English and Vietnamese
when none was chosen (``runner.hint_lines``). Then
add the student's code that makes the mistake to ``HINTS`` in
tests/test_grading.py: a test checks that every entry of the table has one.

``ERRORS`` is the second table: hints for an exception of the student's code
(e.g. a TypeError from a size computed with /), whatever the check; a
student's code that raises it is in ``ERROR_HINTS`` of tests/test_grading.py.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from convlab import layers
from convlab.grading import references as ref
from convlab.i18n import N_


@dataclass(frozen=True)
class Mistake:
    name: str
    message: str
    wrong: Callable
    outputs: tuple = ()   # the results this mistake is about; () means all


# Where each named result is in the tuple a reference returns.
_POSITION = {"dx": 0, "dw": 1, "db": 2, "loss": 0, "dscores": 1}


def _replace(results, **changed):
    """A reference's results with some of them, by name, replaced."""
    results = list(results)
    for name, value in changed.items():
        results[_POSITION[name]] = value
    return tuple(results)


# --- Perceptron -----------------------------------------------------------------

def _perceptron(w, b, x, d, learning_rate, fires=lambda net: net > 0,
                sign=1, learn_bias=True, y_after_update=False):
    """Rosenblatt's step with one thing changed."""
    y = int(fires(w @ x + b))
    error = sign * (d - y)
    w_new = w + learning_rate * error * x
    b_new = b + learning_rate * error if learn_bias else b
    if y_after_update:
        y = int(fires(w_new @ x + b_new))
    return w_new, b_new, y


PERCEPTRON_GE = N_(
    "You used >= instead of >: the perceptron outputs y = 1 only when w.x + b > 0, "
    "so y = 0 when w.x + b is exactly 0 (as at the start, when w = 0 and b = 0).")
PERCEPTRON_SIGN = N_(
    "The update has the wrong sign: w_i + learning_rate * (d - y) * x_i, the "
    "desired output minus the actual output, not (y - d).")
PERCEPTRON_BIAS = N_(
    "The bias b did not change: it learns like a weight whose input is always 1, "
    "b + learning_rate * (d - y).")
PERCEPTRON_Y_AFTER = N_(
    "You returned the output after the update: y is computed with the old w and b, "
    "before they change (it is the y of d - y).")

# --- Fully connected, ReLU, softmax ---------------------------------------------

AFFINE_RESHAPE = N_(
    "Reshape x to (N, D) first: each example of shape (d_1, ..., d_k) becomes one "
    "row of D = d_1 * ... * d_k numbers, x.reshape(x.shape[0], -1).")
AFFINE_BIAS = N_("You forgot to add the bias b.")
AFFINE_DX_SHAPE = N_(
    "dx must have the shape of x: reshape dout @ w.T back to x.shape.")
AFFINE_DW_RESHAPE = N_(
    "For dw, reshape x to (N, D) as in the forward pass: "
    "dw = x.reshape(x.shape[0], -1).T @ dout.")
AFFINE_DB_AXIS = N_(
    "db adds dout over the examples of the batch: dout.sum(axis=0), one number per "
    "output.")
AFFINE_DW_TRANSPOSED = N_(
    "dw is transposed: it has the shape of w, (D, M), so it is x_rows.T @ dout, "
    "not dout.T @ x_rows.")
RELU_NP_MAX = N_(
    "np.max(x, 0) is the largest value along axis 0. ReLU compares every element "
    "with 0: np.maximum(x, 0).")
RELU_MASK = N_("You returned the mask (x > 0), not the values max(0, x).")
RELU_DOUT_MASK = N_(
    "The mask comes from the input x of the forward pass (the cache), not from "
    "dout: dx = dout * (x > 0).")
RELU_FORGOT_DOUT = N_(
    "Multiply by the upstream gradient: dx = dout * (x > 0), not only the mask.")
SOFTMAX_MAX = N_(
    "Subtract each row's largest score before np.exp (scores - "
    "scores.max(axis=1, keepdims=True)): the softmax does not change, and without "
    "it np.exp overflows to inf on large scores and the loss becomes nan.")
SOFTMAX_MEAN = N_(
    "The loss is N times too big: average it over the N examples of the batch.")
SOFTMAX_DSCORES_N = N_(
    "dscores is N times too big: the loss is an average over the batch, so its "
    "gradient is divided by N too.")
SOFTMAX_MINUS_ONE = N_(
    "dscores is the softmax probabilities minus 1 at the correct class of each "
    "example: you forgot the - 1.")


def _softmax_without_max(scores, y):
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    n = len(y)
    dscores = probs.copy()
    dscores[np.arange(n), y] -= 1
    return -np.mean(np.log(probs[np.arange(n), y])), dscores / n


def _softmax_forgot_minus_one(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return ref.softmax_loss(scores, y)[0], probs / len(y)


# --- Output size, padding, parameters ---------------------------------------------

SIZE_FLOOR = N_(
    "You rounded down: when (n - f + 2P)/S + 1 is not a whole number, or the filter "
    "is larger than the padded input, the filter does not fit and the function must "
    "raise a ValueError (e.g. n = 7, f = 3, stride 3 gives 2.33).")
SIZE_2P = N_(
    "Zero padding adds P zeros on each side, 2P in all: (n - f + 2P)/S + 1.")
SIZE_STRIDE = N_(
    "Divide by the stride: the filter moves S cells at a time, (n - f + 2P)/S + 1.")
SIZE_PLUS_ONE = N_(
    "Add 1 for the filter's first position: (n - f + 2P)/S + 1.")
SIZE_FLOAT = N_(
    "Return an int, not a float: / always gives a float in Python. Once you know "
    "the division is exact, use // (or int()).")
PAD_ALL_AXES = N_(
    "Pad only H and W of (N, C, H, W), not the batch or channel axes: np.pad(x, pad) "
    "pads every axis. Give one (before, after) pair per axis: "
    "((0, 0), (0, 0), (pad, pad), (pad, pad)).")
PAD_ONE_SIDE = N_(
    "Zero padding adds pad zeros on both sides of H and W: (pad, pad), not "
    "(0, pad) or (pad, 0).")
COUNT_BIAS = N_("Each filter also has one bias: (f*f*C + 1) parameters per filter.")
COUNT_BIAS_PER_WEIGHT = N_(
    "There is one bias per filter, not one per weight: (f*f*C + 1) * F.")
COUNT_DEPTH = N_(
    "A filter extends through the full depth of the input volume: it has f*f*C "
    "weights, not f*f.")

# --- Convolution ------------------------------------------------------------------

STEP_BIAS = N_("You forgot the bias b: the result is np.sum(a_slice * w) + b.")
STEP_BIAS_EACH = N_(
    "Add the bias once, after the sum: np.sum(a_slice * w) + b, not "
    "np.sum(a_slice * w + b), which adds b once per element.")
STEP_MATMUL = N_(
    "Multiply element by element, a_slice * w, then sum: @ and np.dot are matrix "
    "products, not what a filter computes.")
CONV_UNPADDED = N_(
    "Take the windows from the zero-padded input (xp = zero_pad(x, pad)), not from "
    "x: with padding, the windows at the bottom and right go past the edge of x.")
CONV_NO_PAD = N_(
    "You left out the zero padding: pad x with pad zeros on each side of H and W "
    "first (xp = zero_pad(x, pad)), and count them in the output size, "
    "(H - HH + 2P)/S + 1.")
CONV_STRIDE = N_(
    "The window of output (i, j) starts at row i*S and column j*S: multiply by the "
    "stride in the slice.")
CONV_BIAS = N_("You forgot the bias: add b[f] to every output of filter f.")
CONV_BIAS_EACH = N_(
    "Add the bias once per output, after the sum: np.sum(window * w[f]) + b[f], not "
    "np.sum(window * w[f] + b[f]).")
CONV_BIAS_TIMES = N_(
    "Add the bias, do not multiply by it: np.sum(window * w[f]) + b[f].")
CONV_FLIPPED = N_(
    "You flipped the filter: a convolution layer computes the cross-correlation of "
    "the lecture, with the filter as it is: np.sum(window * w[f]).")
CONV_TRANSPOSED = N_(
    "You swapped height and width: x is (N, C, H, W) and out is (N, F, H2, W2), "
    "height first; i runs over the rows (H2) and j over the columns (W2).")
CONV_DB = N_(
    "db[f] adds dout[n, f, i, j] over the whole batch and every output position: "
    "db = dout.sum(axis=(0, 2, 3)).")
CONV_DX_CROP = N_(
    "Return dx for x, not for the padded input: crop the padding off, "
    "dxp[:, :, pad:pad + H, pad:pad + W].")
CONV_DW_ADD = N_(
    "dw[f] collects a term from every window of every example: add with +=, do not "
    "assign with =.")
CONV_DX_ADD = N_(
    "Windows overlap, so several of them send gradient to the same input cell: add "
    "into dx with +=, do not assign with =.")
CONV_DX_FLIPPED = N_(
    "dx uses the filter as it is, not flipped: output (n, f, i, j) sends "
    "w[f] * dout[n, f, i, j] back to the window it read, "
    "dxp[n, :, rows, cols] += w[f] * dout[n, f, i, j].")


def _conv_loop(source, w, b, shape, step, value=None):
    """The lecture's loop over outputs, with NumPy's broadcasting (like a student's):
    out[n, f, i, j] = value(source window at (i*step, j*step), w[f], b[f])."""
    value = value or (lambda window, w_f, b_f: np.sum(window * w_f) + b_f)
    HH, WW = w.shape[2:]
    out = np.zeros(shape)
    for n, f, i, j in np.ndindex(*shape):
        window = source[n, :, i * step:i * step + HH, j * step:j * step + WW]
        out[n, f, i, j] = value(window, w[f], b[f])
    return out


def _out_shape(x, w, stride, pad, size=lambda n, f, s, p: (n - f + 2 * p) // s + 1):
    return (x.shape[0], w.shape[0], size(x.shape[2], w.shape[2], stride, pad),
            size(x.shape[3], w.shape[3], stride, pad))


def _conv_sized(size):
    """The loop, over an output of the size a wrong formula gives."""
    def wrong(x, w, b, stride, pad):
        return (_conv_loop(layers.zero_pad(x, pad), w, b,
                           _out_shape(x, w, stride, pad, size), stride),)
    return wrong


def _conv_valued(value):
    """The loop, with another value at each output."""
    def wrong(x, w, b, stride, pad):
        return (_conv_loop(layers.zero_pad(x, pad), w, b, _out_shape(x, w, stride, pad),
                           stride, value),)
    return wrong


def _conv_backward_assigning(x, w, b, stride, pad, dout):
    """The backward loop with = instead of += (for dw and for dx)."""
    xp = layers.zero_pad(x, pad)
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    HH, WW = w.shape[2:]
    for n, f, i, j in np.ndindex(*dout.shape):
        rows = slice(i * stride, i * stride + HH)
        cols = slice(j * stride, j * stride + WW)
        dxp[n, :, rows, cols] = w[f] * dout[n, f, i, j]
        dw[f] = xp[n, :, rows, cols] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _conv_backward_uncropped(x, w, b, stride, pad, dout):
    dxp = ref.conv_backward(layers.zero_pad(x, pad), w, b, stride, 0, dout)[0]
    return _replace(ref.conv_backward(x, w, b, stride, pad, dout), dx=dxp)


def _conv_backward_dx_flipped(x, w, b, stride, pad, dout):
    """dx sent back through the flipped filter (the "full convolution" of a
    textbook, applied window by window)."""
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
    dx = ref.conv_backward(x, flipped, b, stride, pad, dout)[0]
    return _replace(ref.conv_backward(x, w, b, stride, pad, dout), dx=dx)


# --- Max pooling ------------------------------------------------------------------

POOL_CHANNELS = N_(
    "Max pooling works on every activation map (channel) on its own: the max of "
    "x[n, c, window], not of all the channels together.")
POOL_EVERY_CELL = N_(
    "Only the input that was the maximum of its window gets the gradient (the "
    "argmax); the other cells of the window get 0.")
POOL_POSITION = N_(
    "You sent the gradient to the maximum of the wrong window: window (i, j) starts "
    "at row i*S and column j*S.")
POOL_ADD = N_(
    "Windows can overlap (stride < size): add the gradient with +=, do not assign "
    "with =.")
POOL_TIES = N_(
    "When several inputs of a window tie for its maximum, only the first of them in "
    "reading order gets the gradient (the one np.argmax of the window gives), not "
    "each of them, nor a share each.")


def _pool_loop(x, size, stride, step, channels=False):
    """Max pooling's loop, windows at (i*step, j*step); over all channels at once
    when ``channels``."""
    N, C, H, W = x.shape
    H2, W2 = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, H2, W2))
    for n, c, i, j in np.ndindex(*out.shape):
        window = x[n, :, i * step:i * step + size, j * step:j * step + size]
        out[n, c, i, j] = window.max() if channels else window[c].max()
    return (out,)


def _pool_backward_loop(x, size, stride, dout, step, route="argmax", add=True):
    """Max pooling's backward loop with one thing changed: windows at
    (i*step, j*step); the gradient to the argmax, to every cell, to every
    maximum ("ties") or shared by the maxima ("shared"); += or =."""
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        rows = slice(i * step, i * step + size)
        cols = slice(j * step, j * step + size)
        if route == "every":
            dx[n, c, rows, cols] += dout[n, c, i, j]
            continue
        if route in ("ties", "shared"):
            window = x[n, c, rows, cols]
            maxima = (window == window.max()) * 1.0
            if route == "shared":
                maxima /= maxima.sum()
            dx[n, c, rows, cols] += maxima * dout[n, c, i, j]
            continue
        r, s = np.unravel_index(np.argmax(x[n, c, rows, cols]), (size, size))
        if add:
            dx[n, c, i * step + r, j * step + s] += dout[n, c, i, j]
        else:
            dx[n, c, i * step + r, j * step + s] = dout[n, c, i, j]
    return (dx,)


# --- ThreeLayerConvNet ------------------------------------------------------------

NET_NO_POOL = N_(
    "W2 is too big for the volume after the pool: the 2x2 max pool halves H and W, "
    "so W2 has F * H/2 * W/2 rows. Did you apply the pool?")
NET_NO_PAD = N_(
    "W2 is too small: the convolution keeps H and W (stride 1, pad "
    "(filter_size - 1) // 2) before the pool halves them.")
NET_REG_LOSS = N_(
    "The loss does not include the regularisation: add 0.5 * reg * (the sum of "
    "W1**2, W2**2 and W3**2).")
NET_REG_GRADS = N_(
    "The gradients of the weights miss the regularisation: add reg * W to "
    "grads['W1'], grads['W2'] and grads['W3'].")
NET_REG_HALF = N_(
    "The regularisation is twice convlab's: convlab (like CS231n) adds "
    "0.5 * reg * sum(W**2), whose gradient is reg * W.")
NET_REG_BIASES = N_("Regularise only the weights W1, W2, W3, not the biases.")

_WEIGHTS = ("W1", "W2", "W3")


def _net_shapes(conv_size):
    """A ThreeLayerConvNet's parameter shapes if the volume after conv and pool
    were conv_size(H, filter_size) x conv_size(W, filter_size)."""
    def wrong(config):
        (C, H, W), F, fs = config["input_dim"], config["num_filters"], config["filter_size"]
        hidden, classes = config["hidden_dim"], config["num_classes"]
        rows = F * conv_size(H, fs) * conv_size(W, fs)
        return tuple(np.zeros(shape) for shape in (
            (F, C, fs, fs), (F,), (rows, hidden), (hidden,), (hidden, classes), (classes,)))
    return wrong


def _net_reg(loss_change=lambda reg, params: 0.0, grad_change=lambda reg, w: 0.0):
    """The reference net's results with its regularisation changed."""
    def wrong(config, X, y, params):
        results = list(ref.net_loss(config, X, y, params))
        reg = config["reg"]
        results[1] += loss_change(reg, params)
        for name in _WEIGHTS:
            results[2 + ref.NET_PARAMS.index(name)] += grad_change(reg, params[name])
        return tuple(results)
    return wrong


def _weights_squared(params, names=_WEIGHTS):
    return sum(float(np.sum(params[name] ** 2)) for name in names)


# --- The table --------------------------------------------------------------------

MISTAKES = {
    "perceptron_step": [
        Mistake("greater_or_equal", PERCEPTRON_GE,
                lambda *a: _perceptron(*a, fires=lambda net: net >= 0)),
        Mistake("sign", PERCEPTRON_SIGN, lambda *a: _perceptron(*a, sign=-1)),
        Mistake("bias_not_learned", PERCEPTRON_BIAS,
                lambda *a: _perceptron(*a, learn_bias=False)),
        Mistake("y_after_update", PERCEPTRON_Y_AFTER,
                lambda *a: _perceptron(*a, y_after_update=True)),
    ],
    "affine_forward": [
        Mistake("no_reshape", AFFINE_RESHAPE, lambda x, w, b: (x @ w + b,)),
        Mistake("no_bias", AFFINE_BIAS,
                lambda x, w, b: (x.reshape(x.shape[0], -1) @ w,)),
    ],
    "affine_backward": [
        Mistake("dx_not_reshaped", AFFINE_DX_SHAPE,
                lambda x, w, b, dout: _replace(ref.affine_backward(x, w, b, dout),
                                               dx=dout @ w.T), outputs=("dx",)),
        Mistake("dw_x_not_reshaped", AFFINE_DW_RESHAPE,
                lambda x, w, b, dout: _replace(ref.affine_backward(x, w, b, dout),
                                               dw=x.T @ dout), outputs=("dw",)),
        Mistake("dw_transposed", AFFINE_DW_TRANSPOSED,
                lambda x, w, b, dout: _replace(ref.affine_backward(x, w, b, dout),
                                               dw=dout.T @ x.reshape(len(x), -1)),
                outputs=("dw",)),
        Mistake("db_axis", AFFINE_DB_AXIS,
                lambda x, w, b, dout: _replace(ref.affine_backward(x, w, b, dout),
                                               db=dout.sum(axis=1)), outputs=("db",)),
    ],
    "relu_forward": [
        Mistake("np_max", RELU_NP_MAX, lambda x: (np.max(x, 0),)),
        Mistake("mask", RELU_MASK, lambda x: ((x > 0) * 1.0,)),
    ],
    "relu_backward": [
        Mistake("mask_of_dout", RELU_DOUT_MASK, lambda x, dout: (dout * (dout > 0),)),
        Mistake("forgot_dout", RELU_FORGOT_DOUT, lambda x, dout: ((x > 0) * 1.0,)),
    ],
    "softmax_loss": [
        Mistake("no_max", SOFTMAX_MAX, _softmax_without_max),
        Mistake("loss_not_averaged", SOFTMAX_MEAN,
                lambda s, y: _replace(ref.softmax_loss(s, y),
                                      loss=ref.softmax_loss(s, y)[0] * len(y)),
                outputs=("loss",)),
        Mistake("dscores_not_averaged", SOFTMAX_DSCORES_N,
                lambda s, y: _replace(ref.softmax_loss(s, y),
                                      dscores=ref.softmax_loss(s, y)[1] * len(y)),
                outputs=("dscores",)),
        Mistake("forgot_minus_one", SOFTMAX_MINUS_ONE, _softmax_forgot_minus_one,
                outputs=("dscores",)),
    ],
    "conv_output_size": [
        Mistake("floor", SIZE_FLOOR, lambda n, f, s, p: ((n - f + 2 * p) // s + 1,)),
        Mistake("forgot_2p", SIZE_2P, lambda n, f, s, p: ((n - f) // s + 1,)),
        Mistake("used_p", SIZE_2P, lambda n, f, s, p: ((n - f + p) // s + 1,)),
        Mistake("forgot_stride", SIZE_STRIDE, lambda n, f, s, p: (n - f + 2 * p + 1,)),
        Mistake("forgot_plus_one", SIZE_PLUS_ONE, lambda n, f, s, p: ((n - f + 2 * p) // s,)),
        Mistake("float", SIZE_FLOAT, lambda n, f, s, p: ((n - f + 2 * p) / s + 1,)),
    ],
    "zero_pad": [
        Mistake("all_axes", PAD_ALL_AXES, lambda x, pad: (np.pad(x, pad),)),
        Mistake("after_only", PAD_ONE_SIDE,
                lambda x, pad: (np.pad(x, ((0, 0), (0, 0), (0, pad), (0, pad))),)),
        Mistake("before_only", PAD_ONE_SIDE,
                lambda x, pad: (np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0))),)),
    ],
    "conv_single_step": [
        Mistake("no_bias", STEP_BIAS, lambda a, w, b: (np.sum(a * w),)),
        Mistake("bias_each", STEP_BIAS_EACH, lambda a, w, b: (np.sum(a * w + b),)),
        Mistake("matmul", STEP_MATMUL, lambda a, w, b: (np.sum(a @ w) + b,)),
        Mistake("dot", STEP_MATMUL, lambda a, w, b: (np.sum(np.dot(a, w)) + b,)),
    ],
    "conv_forward": [
        Mistake("forgot_2p", SIZE_2P, _conv_sized(lambda n, f, s, p: (n - f) // s + 1)),
        Mistake("used_p", SIZE_2P, _conv_sized(lambda n, f, s, p: (n - f + p) // s + 1)),
        Mistake("forgot_stride", SIZE_STRIDE,
                _conv_sized(lambda n, f, s, p: n - f + 2 * p + 1)),
        Mistake("forgot_plus_one", SIZE_PLUS_ONE,
                _conv_sized(lambda n, f, s, p: (n - f + 2 * p) // s)),
        Mistake("unpadded", CONV_UNPADDED, lambda x, w, b, s, p: (
            _conv_loop(x, w, b, _out_shape(x, w, s, p), s),)),
        Mistake("ignored_pad", CONV_NO_PAD, lambda x, w, b, s, p: (
            _conv_loop(x, w, b, _out_shape(x, w, s, 0), s),)),
        Mistake("pad_all_axes", PAD_ALL_AXES, lambda x, w, b, s, p: (
            _conv_loop(np.pad(x, p), w, b, _out_shape(x, w, s, p), s),)),
        Mistake("stride", CONV_STRIDE, lambda x, w, b, s, p: (
            _conv_loop(layers.zero_pad(x, p), w, b, _out_shape(x, w, s, p), 1),)),
        Mistake("no_bias", CONV_BIAS,
                _conv_valued(lambda window, w_f, b_f: np.sum(window * w_f))),
        Mistake("bias_each", CONV_BIAS_EACH,
                _conv_valued(lambda window, w_f, b_f: np.sum(window * w_f + b_f))),
        Mistake("bias_times", CONV_BIAS_TIMES,
                _conv_valued(lambda window, w_f, b_f: np.sum(window * w_f) * b_f)),
        Mistake("flipped", CONV_FLIPPED, _conv_valued(
            lambda window, w_f, b_f: np.sum(window * w_f[:, ::-1, ::-1]) + b_f)),
        Mistake("transposed", CONV_TRANSPOSED, lambda x, w, b, s, p: (
            ref.conv_forward(x, w, b, s, p)[0].transpose(0, 1, 3, 2),)),
    ],
    "conv_backward": [
        Mistake("db_sum_axes", CONV_DB, lambda x, w, b, s, p, dout: _replace(
            ref.conv_backward(x, w, b, s, p, dout), db=dout.sum(axis=(2, 3))),
            outputs=("db",)),
        Mistake("db_batch_only", CONV_DB, lambda x, w, b, s, p, dout: _replace(
            ref.conv_backward(x, w, b, s, p, dout), db=dout.sum(axis=0)),
            outputs=("db",)),
        Mistake("db_last_example", CONV_DB, lambda x, w, b, s, p, dout: _replace(
            ref.conv_backward(x, w, b, s, p, dout), db=dout[-1].sum(axis=(1, 2))),
            outputs=("db",)),
        Mistake("dx_not_cropped", CONV_DX_CROP, _conv_backward_uncropped, outputs=("dx",)),
        Mistake("dw_assigned", CONV_DW_ADD, _conv_backward_assigning, outputs=("dw",)),
        Mistake("dx_assigned", CONV_DX_ADD, _conv_backward_assigning, outputs=("dx",)),
        Mistake("dx_flipped", CONV_DX_FLIPPED, _conv_backward_dx_flipped, outputs=("dx",)),
    ],
    "conv_param_count": [
        Mistake("no_bias", COUNT_BIAS, lambda c, k, f: (f * f * c * k,)),
        Mistake("bias_per_weight", COUNT_BIAS_PER_WEIGHT, lambda c, k, f: (2 * f * f * c * k,)),
        Mistake("no_depth", COUNT_DEPTH, lambda c, k, f: ((f * f + 1) * k,)),
    ],
    "max_pool_forward": [
        Mistake("stride", CONV_STRIDE, lambda x, size, s: _pool_loop(x, size, s, step=1)),
        Mistake("all_channels", POOL_CHANNELS,
                lambda x, size, s: _pool_loop(x, size, s, step=s, channels=True)),
    ],
    "max_pool_backward": [
        Mistake("every_cell", POOL_EVERY_CELL, lambda x, size, s, dout: _pool_backward_loop(
            x, size, s, dout, step=s, route="every")),
        Mistake("position", POOL_POSITION, lambda x, size, s, dout: _pool_backward_loop(
            x, size, s, dout, step=1)),
        Mistake("assigned", POOL_ADD, lambda x, size, s, dout: _pool_backward_loop(
            x, size, s, dout, step=s, add=False)),
        Mistake("every_maximum", POOL_TIES, lambda x, size, s, dout: _pool_backward_loop(
            x, size, s, dout, step=s, route="ties")),
        Mistake("shared_by_maxima", POOL_TIES, lambda x, size, s, dout: _pool_backward_loop(
            x, size, s, dout, step=s, route="shared")),
    ],
    "three_layer_convnet.params": [
        Mistake("no_pool", NET_NO_POOL, _net_shapes(lambda n, fs: n)),
        Mistake("no_pad", NET_NO_PAD, _net_shapes(lambda n, fs: (n - fs + 1) // 2)),
    ],
    "three_layer_convnet.loss": [
        Mistake("reg_not_in_loss", NET_REG_LOSS,
                _net_reg(loss_change=lambda reg, p: -0.5 * reg * _weights_squared(p)),
                outputs=("loss",)),
        Mistake("reg_not_in_grads", NET_REG_GRADS,
                _net_reg(grad_change=lambda reg, w: -reg * w), outputs=ref.NET_GRADS),
        Mistake("reg_not_halved", NET_REG_HALF,
                _net_reg(loss_change=lambda reg, p: 0.5 * reg * _weights_squared(p)),
                outputs=("loss",)),
        Mistake("reg_biases", NET_REG_BIASES, _net_reg(
            loss_change=lambda reg, p: 0.5 * reg * _weights_squared(p, ("b1", "b2", "b3"))),
            outputs=("loss",)),
    ],
}


# --- Errors of the student's code -----------------------------------------------------

@dataclass(frozen=True)
class ErrorHint:
    """A hint for an exception the student's code raised, whatever the check:
    shown when the exception is an ``error`` whose message matches ``pattern``
    (a regular expression)."""
    name: str
    message: str
    error: type
    pattern: str


FLOAT_SIZE = N_(
    "A size or an index is a float: / always gives a float in Python (6 / 2 is 3.0), "
    "and np.zeros, range() and slices need whole numbers. Compute sizes with //, "
    "which is exact when the layer fits: (H - HH + 2 * pad) // stride + 1.")

ERRORS = [
    ErrorHint("float_size", FLOAT_SIZE, TypeError,
              r"float\w*' object cannot be interpreted as an integer"
              r"|slice indices must be integers"),
    ErrorHint("float_index", FLOAT_SIZE, IndexError,
              r"only integers, slices .* are valid indices"),
]
