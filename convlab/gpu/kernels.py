"""Launching convlab's CUDA kernels (convlab/gpu/cuda/*.cu) on arrays on the GPU.

The fast layers compute on the GPU with the same code as on the CPU where
that is efficient (the GEMMs: ``@`` on CuPy arrays is cuBLAS), and call the
functions of this module where NumPy-style code would be slow on a GPU:
im2col / col2im and pooling. Each function here takes device arrays (im2col
and col2im the arguments of their NumPy twins in ``convlab.fast_layers``),
allocates its output on the device and launches one kernel:

    fast_layers.conv_forward -> kernels.im2col -> _launch -> provider -> im2col_f32

A *kernel provider* runs a compiled kernel by name; the launch configuration
(grid and block sizes, int arguments as numpy.int32, float32 or float64 entry
point) is chosen here, once, for both providers:

- ``CupyKernels``, the real one: compiles each .cu file once with NVRTC
  (``cupy.RawModule``, cached per process and by CuPy on disk) and launches
  the kernel on the GPU;
- ``convlab.gpu.emulation.EmulatedKernels``, for tests without a GPU: the
  same .cu files compiled by g++ for the CPU, called on the memory of
  emulated device arrays.

The provider is picked by the type of the arrays (CuPy or emulated: the
emulation registers its provider in ``PROVIDERS`` when it is imported), so
nothing else in convlab knows which one runs.

The kernels are grid-stride loops (each thread handles elements idx,
idx + grid*block, ...), one thread per output element, without barriers or
atomics: any grid size is correct, so the grid is capped at MAX_BLOCKS and
small arrays get just enough blocks.
"""
import numbers
from pathlib import Path

import numpy as np

from convlab.gpu.backend import common_array_module
from convlab.i18n import _

CUDA_DIR = Path(__file__).resolve().parent / "cuda"
THREADS_PER_BLOCK = 256
MAX_BLOCKS = 4096
SUFFIXES = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}
_INT_LIMIT = 2**31 - 1        # the kernels index with int


# --- The layers' kernels --------------------------------------------------------

def im2col(x_padded, HH, WW, stride, H2, W2):
    """im2col.cu: every HH x WW window of x_padded (N, C, Hp, Wp) as a column
    of cols (C*HH*WW, N*H2*W2), as ``fast_layers.im2col``."""
    xp = common_array_module(x=x_padded)
    x_padded = xp.ascontiguousarray(x_padded)
    N, C, Hp, Wp = x_padded.shape
    cols = xp.empty((C * HH * WW, N * H2 * W2), dtype=x_padded.dtype)
    _launch("im2col.cu", "im2col", cols.size, x_padded, cols,
            N, C, Hp, Wp, HH, WW, stride, H2, W2)
    return cols


def col2im(cols, x_shape, HH, WW, stride, pad, H2, W2):
    """im2col.cu: the adjoint of im2col, dx (N, C, H, W) of the unpadded input,
    as ``fast_layers.col2im``; one thread per entry of dx gathers its sum."""
    xp = common_array_module(dcols=cols)
    cols = xp.ascontiguousarray(cols)
    N, C, H, W = x_shape
    dx = xp.empty(x_shape, dtype=cols.dtype)
    _launch("im2col.cu", "col2im", dx.size, cols, dx,
            N, C, H, W, HH, WW, stride, pad, H2, W2)
    return dx


def max_pool_forward(x, size, stride, H2, W2):
    """pool.cu: (out, argmax), both (N, C, H2, W2); argmax (int32) is the cell
    i*size + j of each window's first maximum, which the backward pass uses."""
    xp = common_array_module(x=x)
    x = xp.ascontiguousarray(x)
    N, C, H, W = x.shape
    out = xp.empty((N, C, H2, W2), dtype=x.dtype)
    argmax = xp.empty((N, C, H2, W2), dtype=np.int32)
    _launch("pool.cu", "max_pool_forward", out.size, x, out, argmax,
            N, C, H, W, size, stride, H2, W2)
    return out, argmax


def max_pool_backward(dout, argmax, x_shape, size, stride):
    """pool.cu: dx (N, C, H, W); each input cell gathers the dout of the
    windows whose maximum it was."""
    xp = common_array_module(dout=dout, argmax=argmax)
    dout, argmax = xp.ascontiguousarray(dout), xp.ascontiguousarray(argmax)
    N, C, H, W = x_shape
    H2, W2 = dout.shape[2:]
    dx = xp.empty(x_shape, dtype=dout.dtype)
    _launch("pool.cu", "max_pool_backward", dx.size, dout, argmax, dx,
            N, C, H, W, size, stride, H2, W2)
    return dx


def avg_pool_forward(x, size, stride, H2, W2):
    """pool.cu: the mean of every size x size window, out (N, C, H2, W2)."""
    xp = common_array_module(x=x)
    x = xp.ascontiguousarray(x)
    N, C, H, W = x.shape
    out = xp.empty((N, C, H2, W2), dtype=x.dtype)
    _launch("pool.cu", "avg_pool_forward", out.size, x, out,
            N, C, H, W, size, stride, H2, W2)
    return out


def avg_pool_backward(dout, x_shape, size, stride):
    """pool.cu: dx (N, C, H, W), 1/(size*size) of each covering window's dout."""
    xp = common_array_module(dout=dout)
    dout = xp.ascontiguousarray(dout)
    N, C, H, W = x_shape
    H2, W2 = dout.shape[2:]
    dx = xp.empty(x_shape, dtype=dout.dtype)
    _launch("pool.cu", "avg_pool_backward", dx.size, dout, dx,
            N, C, H, W, size, stride, H2, W2)
    return dx


# --- Launching ----------------------------------------------------------------

def launch_config(total):
    """(grid, block) for ``total`` output elements: one thread per element,
    at most MAX_BLOCKS blocks (the grid-stride loop covers the rest)."""
    block = THREADS_PER_BLOCK
    grid = max(1, min(MAX_BLOCKS, -(-total // block)))
    return grid, block


def _launch(source, kernel, total, *args):
    """Launch ``kernel`` of ``source`` (the f32 or f64 entry point, after the
    first array's dtype) over ``total`` output elements; Python ints in
    ``args`` are passed as numpy.int32, arrays as device pointers."""
    arrays = [a for a in args if not isinstance(a, numbers.Integral)]
    dtype = arrays[0].dtype
    if dtype not in SUFFIXES:
        raise TypeError(_("on the GPU, convlab's layers compute in float32 or "
                          "float64, got dtype {dtype}: convert the data with "
                          ".astype(numpy.float32) first.").format(dtype=dtype))
    if max(a.size for a in arrays) > _INT_LIMIT:
        raise ValueError(_("an array of {size} numbers is too large for convlab's "
                           "GPU kernels (at most 2**31 - 1): use smaller "
                           "batches.").format(size=max(a.size for a in arrays)))
    if total == 0:
        return
    arguments = tuple(np.int32(a) if isinstance(a, numbers.Integral) else a for a in args)
    grid, block = launch_config(total)
    _provider(arrays[0]).launch(source, f"{kernel}_{SUFFIXES[dtype]}", grid, block,
                                arguments)


def _provider(array):
    """The kernel provider for ``array``: CuPy's, or the emulation's in tests."""
    return PROVIDERS.get(type(array).__module__, CUPY_KERNELS)


class CupyKernels:
    """Runs the kernels on the GPU: each .cu file compiled once (NVRTC)."""

    def __init__(self):
        self._modules = {}

    def module(self, source):
        """The compiled ``cupy.RawModule`` of convlab/gpu/cuda/``source``."""
        if source not in self._modules:
            import cupy
            code = (CUDA_DIR / source).read_text(encoding="utf-8")
            self._modules[source] = cupy.RawModule(code=code)
        return self._modules[source]

    def launch(self, source, name, grid, block, args):
        self.module(source).get_function(name)((grid,), (block,), args)


CUPY_KERNELS = CupyKernels()
# Other providers by the module of their array type (convlab.gpu.emulation's).
PROVIDERS = {}
