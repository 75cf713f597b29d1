"""convlab.gpu.backend: arrays on the CPU without CuPy, and no CuPy import for nothing."""
import importlib.util
import json
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from convlab.gpu import backend


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


# --- With CuPy really installed (the dev extra) and no GPU -----------------------

CUPY_WHEELS = sys.platform == "linux" and platform.machine() in ("x86_64", "aarch64")


def run_python(code):
    """Run ``code`` in a fresh interpreter; its last line of output, as JSON."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.skipif(not CUPY_WHEELS, reason="cupy-cuda12x wheels exist for Linux only")
def test_cupy_is_really_installed_for_these_tests():
    assert importlib.util.find_spec("cupy") is not None, \
        "CuPy is in the dev extra: pip install -e '.[dev]'"


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed")
def test_import_convlab_with_cupy_installed_stays_light_and_numpy_works():
    """import convlab and NumPy work do not import CuPy, and import no more
    modules than when CuPy is absent (counted, not timed: no wall clock)."""
    work = """
        import json, sys
        import numpy as np
        import convlab
        from convlab import layers, models
        imported = len(sys.modules)
        x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
        out, cache = layers.conv_forward(x, np.ones((2, 3, 3, 3)), np.zeros(2), pad=1)
        layers.conv_backward(out, cache)
        layers.max_pool_backward(*layers.max_pool_forward(out))
        net = models.ThreeLayerConvNet(input_dim=(3, 6, 6), num_filters=2, filter_size=3,
                                       hidden_dim=4, num_classes=3, seed=0)
        loss, grads = net.loss(x, np.array([0, 2]))
        print(json.dumps({"modules": imported, "cupy": "cupy" in sys.modules,
                          "loss": float(loss), "dx": float(np.abs(out).sum())}))
    """
    hide_cupy = "import sys; sys.modules['cupy'] = None  # as if not installed\n"
    installed, absent = run_python(work), run_python(hide_cupy + textwrap.dedent(work))
    assert installed["cupy"] is False
    assert installed["loss"] == absent["loss"] and installed["dx"] == absent["dx"]
    assert installed["modules"] <= absent["modules"] + 2
    # What convlab avoids: importing CuPy alone pulls in hundreds of modules.
    with_cupy = run_python("import json, sys, cupy; print(json.dumps(len(sys.modules)))")
    assert with_cupy > installed["modules"] + 100


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed")
@pytest.mark.skipif(backend.gpu_available(), reason="a GPU is usable here")
def test_cupy_without_a_gpu_is_reported_not_raised():
    result = run_python("""
        import json, sys
        import numpy as np
        import convlab
        from convlab.gpu import backend
        usable, reason = backend.gpu_status()
        errors = []
        for attempt in (lambda: convlab.to_gpu(np.ones(2)),
                        lambda: convlab.models.TwoLayerNet(input_dim=4, device="gpu")):
            try:
                attempt()
            except RuntimeError as error:
                errors.append(str(error))
        print(json.dumps({"available": convlab.gpu_available(), "usable": usable,
                          "reason": reason, "cupy": "cupy" in sys.modules,
                          "errors": errors}))
    """)
    assert result["available"] is False and result["usable"] is False
    assert result["reason"] and result["reason"] != "CuPy is not installed"
    assert result["cupy"] is True          # imported to find out, then reported
    to_gpu_error, device_error = result["errors"]
    assert to_gpu_error.startswith("no usable GPU (" + result["reason"])
    assert 'device="gpu" needs CuPy and a working GPU' in device_error
    assert result["reason"] in device_error and "docs/gpu.md" in device_error


def test_common_array_module_names_the_arrays_on_each_side():
    assert backend.common_array_module(x=np.ones(2), w=np.ones(2), stride=2) is np
    assert not backend.on_gpu(np.ones(2), 3.0)
    assert backend.is_array(np.ones(2)) and not backend.is_array([1.0])
    assert backend.to_device([1, 2], "gpu") == [1, 2]      # not an array: left alone
    with pytest.raises(ValueError, match="device must be"):
        backend.check_device("GPU")
