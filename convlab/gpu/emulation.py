"""A stand-in GPU for tests on machines without one.

convlab's GPU code path is: data moved with ``to_gpu`` -> layers that see
device arrays -> ``convlab.gpu.kernels`` -> the CUDA kernels of
``convlab/gpu/cuda/*.cu``. Without a GPU none of that would run. Inside
``emulated_gpu()`` the very same path runs on the CPU:

- ``to_gpu(x)`` returns an ``EmulatedGpuArray``: a NumPy array that says it
  lives on the GPU, so that ``convlab.gpu.backend.on_gpu`` is true for it and the
  layers take their device branch. Like CuPy it refuses to be mixed with
  NumPy arrays in arithmetic (a forgotten ``to_gpu`` is a TypeError, as on
  a real GPU), gives 0-d arrays for reductions, and comes back with ``.get()``.
- its array module (``xp``, what ``get_array_module`` returns for it) is
  NumPy whose creation functions (zeros, empty, arange, ...) make their
  arrays on the emulated GPU, as ``cupy.zeros`` does, and NumPy functions
  of device arrays (np.pad, np.concatenate, ...) give device arrays;
- its kernels are the .cu files themselves, compiled by g++ through
  ``convlab/gpu/cuda/cpu_shim.h`` into a shared library and called with ctypes
  on the arrays' memory (``EmulatedKernels``), with the launch
  configuration (grid, block) that ``convlab.gpu.kernels`` chose for the GPU.

What it cannot show: that the code runs on a real GPU with real CuPy (CuPy
implements most, not all, of NumPy; the GEMMs run in cuBLAS there), and how
fast. The GPU-only tests check that where a GPU is present.

    from convlab.gpu.emulation import emulated_gpu
    with emulated_gpu():
        model = ConvNet.from_spec(..., device="gpu")   # the device code path, on the CPU
"""
import atexit
import contextlib
import ctypes
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from convlab.gpu import backend, kernels
from convlab.gpu.kernels import CUDA_DIR
from convlab.i18n import _


# --- Arrays on the emulated GPU ----------------------------------------------

class EmulatedGpuArray(np.ndarray):
    """A NumPy array standing for an array in GPU memory (see the module doc)."""

    def get(self):
        """A NumPy copy on the CPU, as ``cupy.ndarray.get()``."""
        return np.array(self.view(np.ndarray))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        outs = kwargs.get("out", ())
        for operand in inputs + tuple(outs):
            if type(operand) is np.ndarray and operand.ndim > 0:
                raise TypeError(_("an array on the (emulated) GPU was mixed with a "
                                  "NumPy array in {ufunc}: move it with "
                                  "convlab.to_gpu first, as CuPy requires.").format(
                    ufunc=ufunc.__name__))
        inputs = tuple(_plain(a) for a in inputs)
        if outs:
            kwargs["out"] = tuple(_plain(o) for o in outs)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if outs:
            return outs[0] if len(outs) == 1 else outs
        if isinstance(result, tuple):
            return tuple(_on_device(r) for r in result)
        return _on_device(result)

    def __array_function__(self, func, types, args, kwargs):
        # np.concatenate, np.pad, ... of arrays on the GPU stay there (as in CuPy).
        result = super().__array_function__(func, types, args, kwargs)
        if isinstance(result, tuple):
            return tuple(_on_device(r) for r in result)
        return _on_device(result)


def _plain(a):
    return a.view(np.ndarray) if isinstance(a, EmulatedGpuArray) else a


def _on_device(a):
    """``a`` (an array or a NumPy scalar) as an array of the emulated GPU."""
    if isinstance(a, (np.ndarray, np.generic)):
        return np.asarray(a).view(EmulatedGpuArray)
    return a


def to_device(x):
    """A copy of ``x`` on the emulated GPU (what ``to_gpu`` does in emulation)."""
    return np.array(_plain(x)).view(EmulatedGpuArray)


class _ArrayModule:
    """``xp`` for emulated arrays: NumPy, except that the functions that make
    new arrays make them on the emulated GPU (as cupy.zeros, cupy.pad, ...)."""

    MAKERS = ("array", "asarray", "ascontiguousarray", "empty", "zeros", "ones",
              "full", "arange")

    def __getattr__(self, name):
        function = getattr(np, name)
        if name not in self.MAKERS:
            return function
        return lambda *args, **kwargs: _on_device(function(*args, **kwargs))

    def __repr__(self):
        return "<convlab.gpu.emulation.xp: NumPy on the emulated GPU>"


xp = _ArrayModule()


# --- Kernels -----------------------------------------------------------------

def build_cpu_library(directory):
    """Compile convlab/gpu/cuda/cpu_launch.cpp (which includes every .cu) with g++.

    Returns the path of the shared library in ``directory``; RuntimeError
    with the compiler's output when g++ is missing or fails.
    """
    gxx = shutil.which("g++")
    if gxx is None:
        raise RuntimeError(_("g++ is not installed: the CUDA kernels cannot be "
                             "compiled for the CPU."))
    out = Path(directory) / "libconvlab_cuda_cpu.so"
    result = subprocess.run(
        [gxx, "-O2", "-shared", "-fPIC", "-std=c++17", "-Wall", "-Werror",
         str(CUDA_DIR / "cpu_launch.cpp"), "-o", str(out)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return out


class EmulatedKernels:
    """Runs ``name(args)`` on ``grid`` x ``block`` emulated threads, through
    the launchers of cpu_launch.cpp (built once, on first use)."""

    def __init__(self):
        self._library = None

    def library(self):
        if self._library is None:
            directory = tempfile.mkdtemp(prefix="convlab-cuda-cpu-")
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            self._library = ctypes.CDLL(str(build_cpu_library(directory)))
        return self._library

    def launch(self, source, name, grid, block, args):
        converted = []
        for a in args:
            if isinstance(a, EmulatedGpuArray):
                assert a.flags.c_contiguous, "kernels take C-contiguous arrays"
                converted.append(ctypes.c_void_p(a.ctypes.data))
            else:
                assert isinstance(a, np.int32), "int arguments are numpy.int32"
                converted.append(ctypes.c_int(int(a)))
        getattr(self.library(), f"launch_{name}")(ctypes.c_int(grid), ctypes.c_int(block),
                                                  *converted)


KERNELS = EmulatedKernels()

# Known to the backend and the kernel launcher from now on (they never import
# this module: see convlab.gpu.backend).
backend._emulation = sys.modules[__name__]
kernels.PROVIDERS[__name__] = KERNELS


@contextlib.contextmanager
def emulated_gpu():
    """Within this block, ``to_gpu`` and ``device="gpu"`` use the emulated GPU."""
    previous = backend._emulated_gpu
    backend._emulated_gpu = True
    try:
        yield
    finally:
        backend._emulated_gpu = previous
