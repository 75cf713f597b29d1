"""Where arrays live: NumPy on the CPU, or CuPy on a GPU.

``get_array_module(x)`` returns the module to compute with for ``x`` (numpy
or cupy), ``to_gpu`` / ``to_cpu`` move arrays, and ``gpu_available()`` says
whether CuPy can run here. CuPy is imported only when a CuPy array is seen
or a GPU is asked for, so ``import convlab`` never fails or slows down
without it (CuPy >= 13 even imports without a driver and fails at first use;
``gpu_available`` tries a real allocation to find out).
"""
import functools
import importlib.util
import sys

import numpy as np

from convlab.i18n import _


def get_array_module(*arrays):
    """numpy, or cupy if any of ``arrays`` is a CuPy array."""
    for x in arrays:
        if type(x).__module__.split(".")[0] == "cupy":
            import cupy
            return cupy
    return np


@functools.lru_cache(maxsize=None)
def gpu_status():
    """(usable, reason): whether CuPy can compute on a GPU here. Never raises."""
    if importlib.util.find_spec("cupy") is None:
        return False, _("CuPy is not installed")
    try:
        import cupy
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return False, _("no GPU found")
        cupy.zeros(1).sum()      # a real allocation and kernel launch
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        return True, name.decode() if isinstance(name, bytes) else str(name)
    except Exception as error:  # no driver, no device, broken install: all "no GPU"
        return False, str(error).splitlines()[0][:200]


def gpu_available():
    """True when CuPy can compute on a GPU here (checked once, then cached)."""
    return gpu_status()[0]


def to_gpu(x):
    """A copy of the NumPy array ``x`` on the GPU (a CuPy array)."""
    usable, reason = gpu_status()
    if not usable:
        raise RuntimeError(_("no usable GPU ({reason}): keep the data on the CPU, or "
                             "see `convlab doctor`.").format(reason=reason))
    import cupy
    return cupy.asarray(x)


def to_cpu(x):
    """``x`` as a NumPy array (a copy from the GPU for CuPy arrays)."""
    if get_array_module(x) is np:
        return np.asarray(x)
    return x.get()


def cupy_imported():
    """Whether CuPy has been imported in this process (tests use it)."""
    return "cupy" in sys.modules
