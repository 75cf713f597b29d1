"""Fast convolution and pooling in pure NumPy.

Same arguments, results and caches as the naive loops in ``convlab.layers``
(which re-exports these), without a compiled extension to build: the speed
comes from two tricks, named where they are used.

- Convolution is one matrix multiply ("im2col"): every filter-sized window of
  the input becomes a column of a matrix, the filters become the rows of
  another, and BLAS does the dot products of the lecture all at once.
- Loops run over the cells of a filter or pooling window (HH*WW or F*F of
  them), never over positions: cell (i, j) of every window at once is one
  strided slice of the input. Backward passes add gradients back one cell at
  a time: within one cell no two windows touch the same input, so a plain
  ``+=`` is right; ``np.add.at``, the usual way to add into repeated
  indices, is many times slower.

On a GPU (CuPy arrays, see convlab.gpu.backend) the same functions compute
where the data lives: the GEMMs and elementwise work are the same lines
(``@`` on CuPy arrays is cuBLAS), and im2col, col2im and pooling, whose
NumPy tricks would be slow there, launch the CUDA kernels of
convlab/gpu/cuda/*.cu through ``convlab.gpu.kernels``.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from convlab import checks
from convlab.gpu import kernels
from convlab.gpu.backend import common_array_module
from convlab.shapes import conv_output_shape, pool_output_shape


def zero_pad(x, pad):
    """Add ``pad`` zeros around each side of the H and W axes of x (N, C, H, W).

    Only the spatial axes are padded, never the batch or channel axes.
    """
    if pad == 0:
        return x
    xp = common_array_module(x=x)
    return xp.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")


# --- Convolution -----------------------------------------------------------

def conv_forward(x, w, b, stride=1, pad=0):
    """Fast convolution layer; same contract as ``conv_forward_naive``.

    Inputs: x (N, C, H, W), w (F, C, HH, WW), b (F,), stride S, pad P.
    Returns (out, cache): out (N, F, H2, W2), cache (x, w, b, stride, pad, cols).
    """
    H2, W2 = conv_output_shape(x, w, b, stride, pad)
    xp = common_array_module(x=x, w=w, b=b)            # numpy, or cupy on a GPU
    x, w, b = _common_dtype(x, w, b)
    N, F = x.shape[0], w.shape[0]
    to_columns = im2col if xp is np else kernels.im2col
    cols = to_columns(zero_pad(x, pad), w.shape[2], w.shape[3], stride, H2, W2)
    products = w.reshape(F, -1) @ cols                  # (F, N*H2*W2): one GEMM
    # Add the bias while reordering to (N, F, H2, W2): one pass, not two.
    out = xp.empty((N, F, H2 * W2), dtype=products.dtype)
    xp.add(products.reshape(F, N, H2 * W2).transpose(1, 0, 2), b[:, None], out=out)
    return out.reshape(N, F, H2, W2), (x, w, b, stride, pad, cols)


def conv_backward(dout, cache, need_dx=True):
    """Backward pass of ``conv_forward`` (also accepts the naive cache).

    Inputs: dout (N, F, H2, W2); cache from conv_forward.
    Returns (dx, dw, db) with the shapes of x, w and b. With need_dx=False,
    dx is None and not computed: a network's first layer needs no gradient
    for its input images, and dx is the costliest part for such layers.
    """
    checks.cache(cache, (5, 6), "conv_forward")
    x, w, b, stride, pad = cache[:5]
    H2, W2 = conv_output_shape(x, w, b, stride, pad)
    N, F, HH, WW = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    checks.same_shape("dout", dout, (N, F, H2, W2), "conv_forward")
    xp = common_array_module(dout=dout, x=x)
    to_columns, to_image = ((im2col, col2im) if xp is np else
                            (kernels.im2col, kernels.col2im))
    if len(cache) == 6:
        cols = cache[5]
    else:
        x, w, b = _common_dtype(x, w, b)
        cols = to_columns(zero_pad(x, pad), HH, WW, stride, H2, W2)
    db = dout.sum(axis=(0, 2, 3))
    dout2 = dout.transpose(1, 0, 2, 3).reshape(F, -1)   # (F, N*H2*W2)
    dw = (dout2 @ cols.T).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = w.reshape(F, -1).T @ dout2                  # (C*HH*WW, N*H2*W2)
    dx = to_image(dcols, x.shape, HH, WW, stride, pad, H2, W2)
    return dx, dw, db


def im2col(xp, HH, WW, stride, H2, W2):
    """Every HH x WW window of a padded input as one column of a matrix.

    Input: xp (N, C, Hp, Wp), already zero-padded.
    Returns cols (C*HH*WW, N*H2*W2): column (n, h, w) holds the window whose
    top-left corner is xp[n, :, h*stride, w*stride], flattened as (C, HH, WW)
    like a filter, so that ``w.reshape(F, -1) @ cols`` computes every output.

    as_strided builds the 6-D view (C, HH, WW, N, H2, W2) without copying;
    the reshape then copies it once, in the order the GEMM reads it.
    """
    N, C = xp.shape[:2]
    sN, sC, sH, sW = xp.strides
    windows = as_strided(xp, shape=(C, HH, WW, N, H2, W2),
                         strides=(sC, sH, sW, sN, stride * sH, stride * sW),
                         writeable=False)
    return windows.reshape(C * HH * WW, N * H2 * W2)


def col2im(cols, x_shape, HH, WW, stride, pad, H2, W2):
    """Add columns back into an image: the adjoint of ``im2col``.

    Inputs: cols (C*HH*WW, N*H2*W2); x_shape (N, C, H, W) of the unpadded input.
    Returns dx (N, C, H, W): each input cell gets the sum of the column
    entries it was copied to. Entries that came from the zero padding are
    dropped, so the padded image is never built.
    """
    N, C, H, W = x_shape
    dx = np.zeros(x_shape, dtype=cols.dtype)
    dx_by_channel = dx.transpose(1, 0, 2, 3)            # a view, (C, N, H, W)
    cols = cols.reshape(C, HH, WW, N, H2, W2)
    for i in range(HH):
        rows, h = _inside(i, stride, pad, H, H2)
        for j in range(WW):
            columns, w = _inside(j, stride, pad, W, W2)
            dx_by_channel[:, :, rows, columns] += cols[:, i, j, :, h, w]
    return dx


def _inside(offset, stride, pad, n, n_out):
    """Where filter cell ``offset`` lands inside the unpadded input.

    Output position o reads padded cell offset + stride*o, i.e. input cell
    offset + stride*o - pad. Returns (input slice, output slice) over the
    positions o for which that cell is inside [0, n).
    """
    first = max(0, -(-(pad - offset) // stride))           # ceil division
    last = min(n_out - 1, (n - 1 + pad - offset) // stride)
    count = last - first + 1
    if count <= 0:
        return slice(0, 0), slice(0, 0)
    return (_steps(offset + stride * first - pad, stride, count),
            slice(first, last + 1))


def _steps(start, stride, count):
    """The slice start, start + stride, ..., ``count`` positions in all."""
    return slice(start, start + stride * (count - 1) + 1, stride)


def _common_dtype(*arrays):
    """The arrays in the dtype of their result (float32 stays float32)."""
    dtype = np.result_type(*(a.dtype for a in arrays))
    return tuple(a.astype(dtype, copy=False) for a in arrays)


# --- Pooling ---------------------------------------------------------------

def max_pool_forward(x, size=2, stride=2):
    """Fast max pooling; same contract as ``max_pool_forward_naive``.

    Inputs: x (N, C, H, W); window ``size`` F; ``stride`` S.
    Returns (out, cache): out (N, C, H2, W2), cache (x, size, stride, out)
    (on a GPU (x, size, stride, argmax): where each window's maximum was).

    Instead of looping over windows, loop over the F*F cells of a window:
    cell (i, j) of every window at once is the strided slice
    x[:, :, i::S, j::S], so the max is F*F elementwise np.maximum calls.
    """
    H2, W2 = pool_output_shape(x, size, stride)
    if common_array_module(x=x) is not np:      # GPU: pool.cu, a thread per output
        out, argmax = kernels.max_pool_forward(x, size, stride, H2, W2)
        # On the GPU the cache holds where each maximum was, for the backward kernel.
        return out, (x, size, stride, argmax)
    out = x[:, :, _steps(0, stride, H2), _steps(0, stride, W2)].copy()
    for i, j in np.ndindex(size, size):
        np.maximum(out, x[:, :, _steps(i, stride, H2), _steps(j, stride, W2)], out=out)
    # The cache keeps its own copy: the caller may change ``out`` in place.
    return out, (x, size, stride, out.copy())


def max_pool_backward(dout, cache):
    """Backward pass of ``max_pool_forward`` (also accepts the naive cache).

    Each output's gradient goes to the input that was its window's maximum:
    the first cell, in reading order, equal to the window's output (as in
    the naive loop, which matters for ties such as windows of ReLU zeros).
    Returns dx (N, C, H, W).
    """
    checks.cache(cache, (3, 4), "max_pool_forward")
    x, size, stride = cache[:3]
    H2, W2 = pool_output_shape(x, size, stride)
    checks.same_shape("dout", dout, x.shape[:2] + (H2, W2), "max_pool_forward")
    if common_array_module(dout=dout, x=x) is not np:   # GPU: pool.cu, a gather per input
        argmax = cache[3] if len(cache) == 4 else max_pool_forward(x, size, stride)[1][3]
        dout = dout.astype(np.result_type(dout.dtype, x.dtype), copy=False)
        return kernels.max_pool_backward(dout, argmax, x.shape, size, stride)
    out = cache[3] if len(cache) == 4 else max_pool_forward(x, size, stride)[0]
    dtype = np.result_type(dout, x)
    # When the windows tile the input (stride == size), every input cell is
    # in exactly one window: each cell's gradient can be written, not added.
    tiled = stride == size
    dx = np.empty(x.shape, dtype) if tiled else np.zeros(x.shape, dtype)
    taken = np.zeros(out.shape, dtype=bool)     # window's max already found
    hit = np.empty(out.shape, dtype=bool)
    share = np.empty(out.shape, dtype=dtype)
    for i, j in np.ndindex(size, size):
        rows, columns = _steps(i, stride, H2), _steps(j, stride, W2)
        np.equal(x[:, :, rows, columns], out, out=hit)
        np.greater(hit, taken, out=hit)         # hit and not taken: the first max
        taken |= hit
        if tiled:
            np.multiply(dout, hit, out=dx[:, :, rows, columns])
        else:
            np.multiply(dout, hit, out=share)
            dx[:, :, rows, columns] += share
    return dx


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: each output is the mean of its F x F window.

    Inputs: x (N, C, H, W); window ``size`` F; ``stride`` S.
    Returns (out, cache): out (N, C, H2, W2) (floating point, also for
    integer x), cache (x, size, stride).
    """
    H2, W2 = pool_output_shape(x, size, stride)
    if common_array_module(x=x) is not np:      # GPU: pool.cu, a thread per output
        return kernels.avg_pool_forward(x, size, stride, H2, W2), (x, size, stride)
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    out = np.zeros(x.shape[:2] + (H2, W2), dtype=dtype)
    for i in range(size):
        for j in range(size):
            out += x[:, :, _steps(i, stride, H2), _steps(j, stride, W2)]
    out /= size * size
    return out, (x, size, stride)


def avg_pool_backward(dout, cache):
    """Backward pass of ``avg_pool_forward``: each input of a window gets
    1/(F*F) of the window's gradient. Returns dx (N, C, H, W)."""
    x, size, stride = checks.cache(cache, (3,), "avg_pool_forward")
    H2, W2 = pool_output_shape(x, size, stride)
    checks.same_shape("dout", dout, x.shape[:2] + (H2, W2), "avg_pool_forward")
    if common_array_module(dout=dout, x=x) is not np:   # GPU: pool.cu, a gather per input
        return kernels.avg_pool_backward(dout, x.shape, size, stride)
    share = dout / (size * size)
    dx = np.zeros(x.shape, dtype=share.dtype)
    for i in range(size):
        for j in range(size):
            dx[:, :, _steps(i, stride, H2), _steps(j, stride, W2)] += share
    return dx
