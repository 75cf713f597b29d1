"""Layers of a convolutional network, as plain functions.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward`` takes
``(dout, cache)`` and returns the gradients of its inputs (the CS231n
convention). Arrays are NCHW: x (N, C, H, W), conv weights w (F, C, HH, WW),
bias b (F,). Hyperparameters are named as in the lecture: ``stride`` (S),
``pad`` (P), pooling window ``size`` (F).

The ``*_naive`` functions are the loops a student writes: slow, and easy to
check against the lecture's pictures. The fast ones (``conv_forward``,
``max_pool_forward``, ...) live in ``convlab.fast_layers``, take the same
arguments and return the same results; they are re-exported here, so one
line swaps one for the other.

The fast layers, the fully connected and ReLU layers and the losses also
take arrays on a GPU (CuPy, see convlab.gpu.backend) and compute there; the
naive loops take NumPy arrays only and say so.
"""
import numpy as np

from convlab import checks
from convlab.gpu.backend import common_array_module
from convlab.shapes import conv_output_shape, pool_output_shape
from convlab.fast_layers import (  # noqa: F401  (re-exported)
    avg_pool_backward,
    avg_pool_forward,
    conv_backward,
    conv_forward,
    max_pool_backward,
    max_pool_forward,
    zero_pad,
)


# --- Fully connected -------------------------------------------------------

def affine_forward(x, w, b):
    """Fully connected layer: out = x.reshape(N, D) @ w + b.

    Inputs:
    - x: (N, d_1, ..., d_k), each example stretched to D = d_1 * ... * d_k
      numbers (a 32x32x3 image becomes 3072)
    - w: (D, M) weights
    - b: (M,) biases

    Returns (out, cache): out (N, M), cache (x, w, b).
    """
    checks.affine_inputs(x, w, b)
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    Inputs: dout (N, M); cache (x, w, b) from affine_forward.
    Returns (dx, dw, db) with the shapes of x, w and b.
    """
    x, w, b = checks.cache(cache, (3,), "affine_forward")
    checks.same_shape("dout", dout, (x.shape[0], w.shape[1]), "affine_forward")
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# --- ReLU ------------------------------------------------------------------

def relu_forward(x):
    """Rectified linear unit: out = max(0, x), elementwise, any shape.

    Returns (out, cache): out like x, cache x.
    """
    checks.array("x", x)
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """Backward pass of relu_forward: dx = dout where x > 0, else 0."""
    x = cache
    checks.array("cache", x)
    checks.same_shape("dout", dout, x.shape, "relu_forward")
    return dout * (x > 0)


# --- Convolution, naive ----------------------------------------------------

def conv_forward_naive(x, w, b, stride=1, pad=0):
    """Convolution layer with loops, as in the lecture.

    Each filter slides over the zero-padded input; at each position the
    output is the dot product of the filter with the window under it, plus
    the filter's bias (cross-correlation: the filter is not flipped).

    Inputs:
    - x: input volume (N, C, H, W)
    - w: filters (F, C, HH, WW)
    - b: biases (F,)
    - stride: S, step between windows
    - pad: P, zeros added around each side of H and W

    Returns (out, cache):
    - out: (N, F, H2, W2), H2 = (H - HH + 2P)/S + 1, W2 = (W - WW + 2P)/S + 1
    - cache: (x, w, b, stride, pad)
    """
    H2, W2 = conv_output_shape(x, w, b, stride, pad)
    checks.on_cpu("conv_forward_naive", "layers.conv_forward", x=x, w=w, b=b)
    N, F = x.shape[0], w.shape[0]
    HH, WW = w.shape[2:]
    xp = zero_pad(x, pad)
    out = np.zeros((N, F, H2, W2), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv_backward_naive(dout, cache):
    """Backward pass of conv_forward_naive.

    Inputs: dout (N, F, H2, W2); cache (x, w, b, stride, pad).
    Returns (dx, dw, db) with the shapes of x, w and b.
    """
    x, w, b, stride, pad = checks.cache(cache, (5, 6), "conv_forward_naive")[:5]
    H2, W2 = conv_output_shape(x, w, b, stride, pad)
    N, F = x.shape[0], w.shape[0]
    checks.same_shape("dout", dout, (N, F, H2, W2), "conv_forward_naive")
    checks.on_cpu("conv_backward_naive", "layers.conv_backward", dout=dout, x=x, w=w)
    HH, WW = w.shape[2:]
    xp = zero_pad(x, pad)
    dxp = np.zeros(xp.shape, dtype=np.result_type(dout, w))
    dw = np.zeros(w.shape, dtype=np.result_type(dout, x))
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dxp[n, :, rows, cols] += w[f] * dout[n, f, i, j]
                    dw[f] += xp[n, :, rows, cols] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, dw, db


# --- Pooling, naive --------------------------------------------------------

def max_pool_forward_naive(x, size=2, stride=2):
    """Max pooling with loops: each activation map on its own.

    Inputs:
    - x: (N, C, H, W)
    - size: F, the pooling window is F x F
    - stride: S

    Returns (out, cache): out (N, C, H2, W2) with H2 = (H - F)/S + 1 and
    W2 = (W - F)/S + 1; cache (x, size, stride).
    """
    H2, W2 = pool_output_shape(x, size, stride)
    checks.on_cpu("max_pool_forward_naive", "layers.max_pool_forward", x=x)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H2, W2), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H2):
                for j in range(W2):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    out[n, c, i, j] = window.max()
    return out, (x, size, stride)


def max_pool_backward_naive(dout, cache):
    """Backward pass of max_pool_forward_naive.

    Each output's gradient goes to the one input that was the maximum of
    its window (the first one, when several are equal).

    Inputs: dout (N, C, H2, W2); cache (x, size, stride).
    Returns dx (N, C, H, W).
    """
    x, size, stride = checks.cache(cache, (3, 4), "max_pool_forward_naive")[:3]
    H2, W2 = pool_output_shape(x, size, stride)
    N, C = x.shape[:2]
    checks.same_shape("dout", dout, (N, C, H2, W2), "max_pool_forward_naive")
    checks.on_cpu("max_pool_backward_naive", "layers.max_pool_backward", dout=dout, x=x)
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(H2):
                for j in range(W2):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    return dx


# --- Losses ----------------------------------------------------------------

def softmax_loss(scores, y):
    """Softmax (cross-entropy) loss, averaged over the batch.

    Inputs: scores (N, K), class scores; y (N,), labels 0 <= y[i] < K.
    Returns (loss, dscores): a float and the gradient (N, K).
    """
    checks.labels(y, scores)
    rows = common_array_module(scores=scores, y=y).arange(scores.shape[0])
    shifted = scores - scores.max(axis=1, keepdims=True)  # for stability
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1
    return float(loss), dscores / n


def svm_loss(scores, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch.

    Inputs: scores (N, K); y (N,), labels 0 <= y[i] < K.
    Returns (loss, dscores): a float and the gradient (N, K).
    """
    checks.labels(y, scores)
    n = scores.shape[0]
    rows = common_array_module(scores=scores, y=y).arange(n)
    correct = scores[rows, y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[rows, y] = 0
    loss = margins.sum() / n
    dscores = (margins > 0).astype(scores.dtype if scores.dtype.kind == "f" else float)
    dscores[rows, y] = -dscores.sum(axis=1)
    return float(loss), dscores / n
