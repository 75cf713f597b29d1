"""convlab.backend: arrays on the CPU without CuPy, and no CuPy import for nothing."""
import subprocess
import sys

import numpy as np
import pytest

from convlab import backend


def test_numpy_arrays_compute_with_numpy():
    assert backend.get_array_module(np.ones(2), 3.0) is np
    x = np.arange(3)
    assert backend.to_cpu(x) is x


def test_import_convlab_does_not_import_cupy():
    code = "import sys, convlab, convlab.models, convlab.layers; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_gpu_status_never_raises_and_is_cached():
    usable, reason = backend.gpu_status()
    assert isinstance(usable, bool) and reason
    assert backend.gpu_status() is backend.gpu_status()


@pytest.mark.skipif(backend.gpu_available(), reason="a GPU is usable here")
def test_to_gpu_without_a_gpu_says_why():
    with pytest.raises(RuntimeError, match="no usable GPU"):
        backend.to_gpu(np.ones(2))
