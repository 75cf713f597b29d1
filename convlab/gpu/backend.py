"""Where arrays live: NumPy on the CPU, or CuPy on a GPU.

``get_array_module(x)`` returns the module to compute with for ``x`` (numpy
or cupy), ``on_gpu(x)`` says whether ``x`` lives on the GPU, ``to_gpu`` /
``to_cpu`` move arrays, and ``gpu_available()`` says whether CuPy can run
here. CuPy is imported only when a CuPy array is seen or a GPU is asked for,
so ``import convlab`` never fails or slows down without it (CuPy >= 13 even
imports without a driver and fails at first use; ``gpu_available`` tries a
real allocation to find out).

Tests on machines without a GPU can switch on a stand-in GPU
(``convlab.gpu.emulation.emulated_gpu()``): ``to_gpu`` then returns arrays
of ``convlab.gpu.emulation``, which the layers treat as device arrays and
whose kernels are the same .cu files compiled for the CPU. The emulation
registers itself here when it is imported (``_emulation``), so this module
never imports it: imports in convlab.gpu go one way, emulation -> kernels
-> backend.
"""
import functools
import importlib.util
import sys

import numpy as np

from convlab.i18n import _


# The module convlab.gpu.emulation, set when it is imported (tests): its
# arrays are device arrays too.
_emulation = None
# Set by convlab.gpu.emulation.emulated_gpu() (tests): to_gpu makes arrays
# of the CPU stand-in for a GPU instead of CuPy arrays.
_emulated_gpu = False


def get_array_module(*arrays):
    """numpy, or cupy if any of ``arrays`` is a CuPy array.

    (For arrays of the emulated GPU of the tests: convlab.gpu.emulation.xp,
    NumPy that makes its new arrays on the emulated GPU, as cupy does.)
    """
    for x in arrays:
        home = type(x).__module__
        if home.split(".")[0] == "cupy":
            import cupy
            return cupy
        if _emulation is not None and home == _emulation.__name__:
            return _emulation.xp
    return np


def on_gpu(*arrays):
    """True when any of ``arrays`` lives on the GPU (is not a NumPy array)."""
    return get_array_module(*arrays) is not np


def is_array(x):
    """True for a NumPy array or an array on the GPU."""
    return isinstance(x, np.ndarray) or on_gpu(x)


def common_array_module(**arrays):
    """The module of ``arrays`` (given by name), which must all live on one device.

    Raises TypeError naming one array on the GPU and one on the CPU otherwise:
    NumPy and CuPy arrays do not mix, each must be moved first.
    """
    places = {name: on_gpu(x) for name, x in arrays.items() if is_array(x)}
    if len(set(places.values())) > 1:
        gpu = next(name for name, where in places.items() if where)
        cpu = next(name for name, where in places.items() if not where)
        raise TypeError(_("{gpu} is on the GPU but {cpu} is a NumPy array on the "
                          "CPU: move both to one place first, with convlab.to_gpu "
                          "or convlab.to_cpu.").format(gpu=gpu, cpu=cpu))
    return get_array_module(*arrays.values())


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
    if _emulated_gpu:
        return _emulation.to_device(x)
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


def synchronize(x):
    """Wait until the GPU has computed ``x`` (kernels run asynchronously; a
    timing must wait for them). Nothing to wait for on the CPU."""
    xp = get_array_module(x)
    if hasattr(xp, "cuda"):
        xp.cuda.get_current_stream().synchronize()


DEVICES = ("cpu", "gpu")


def check_device(device):
    """Check ``device`` ("cpu" or "gpu") and return it.

    "gpu" needs a usable GPU (or the emulated one of the tests): otherwise
    RuntimeError says what is missing and what to do.
    """
    if device not in DEVICES:
        raise ValueError(_("device must be \"cpu\" or \"gpu\", got {device!r}.").format(
            device=device))
    if device == "gpu" and not _emulated_gpu:
        usable, reason = gpu_status()
        if not usable:
            raise RuntimeError(_("device=\"gpu\" needs CuPy and a working GPU, but here: "
                                 "{reason}. Train with device=\"cpu\" (the default), or "
                                 "see docs/gpu.md and `convlab doctor`.").format(
                reason=reason))
    return device


def to_device(x, device):
    """``x`` on ``device`` ("cpu" or "gpu"), moved only when it is elsewhere.

    Anything that is not an array is returned as it is.
    """
    if not is_array(x):
        return x
    if device == "gpu":
        return x if on_gpu(x) else to_gpu(x)
    return to_cpu(x) if on_gpu(x) else x


def cupy_imported():
    """Whether CuPy has been imported in this process (tests use it)."""
    return "cupy" in sys.modules
