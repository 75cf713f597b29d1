"""The CUDA kernels of convlab/gpu/cuda/, verified without a GPU.

The same .cu sources are compiled twice:

- for the CPU with g++, through convlab/gpu/cuda/cpu_shim.h (CUDA qualifiers
  become nothing, threadIdx/blockIdx/... become variables that the launchers
  of cpu_launch.cpp set for every (block, thread) pair of a small 1-D grid),
  and every kernel is compared with convlab's NumPy fast path on
  hypothesis-random shapes, strides, pads and launch sizes, float32 and
  float64 (results are bit-identical: the kernels add in convlab's order);
- to PTX with nvcc for sm_75 and sm_90, checking every kernel's entry point.
"""
import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from convlab import fast_layers
from convlab.gpu.emulation import build_cpu_library

CUDA_DIR = Path(__file__).resolve().parents[1] / "convlab" / "gpu" / "cuda"
CU_FILES = {
    "im2col.cu": ["im2col", "col2im"],
    "pool.cu": ["max_pool_forward", "max_pool_backward",
                "avg_pool_forward", "avg_pool_backward"],
}
DTYPES = {np.float32: "f32", np.float64: "f64"}
EXAMPLES = 40

_INT = ctypes.c_int
_PTR = ctypes.c_void_p
# Launcher arguments after (grid, block): "p" a pointer, "i" an int.
_SIGNATURES = {
    "im2col": "pp" + "i" * 9,
    "col2im": "pp" + "i" * 10,
    "max_pool_forward": "ppp" + "i" * 8,
    "max_pool_backward": "ppp" + "i" * 8,
    "avg_pool_forward": "pp" + "i" * 8,
    "avg_pool_backward": "pp" + "i" * 8,
}


@pytest.fixture(scope="session")
def lib(tmp_path_factory):
    """cpu_launch.cpp (which includes the .cu files) built and loaded, as the
    emulated GPU of convlab.gpu.emulation builds it (g++ -Wall -Werror)."""
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed: cannot build the CPU version of the CUDA kernels")
    library = ctypes.CDLL(str(build_cpu_library(tmp_path_factory.mktemp("cuda_cpu"))))
    for kernel, signature in _SIGNATURES.items():
        for suffix in DTYPES.values():
            function = getattr(library, f"launch_{kernel}_{suffix}")
            function.restype = None
            function.argtypes = [_INT, _INT] + [
                _PTR if kind == "p" else _INT for kind in signature]
    return library


def _launch(lib, kernel, dtype, launch, *args):
    """Call launch_<kernel>_<f32|f64>(grid, block, *args) on NumPy buffers."""
    grid, block = launch
    converted = []
    for a in args:
        if isinstance(a, np.ndarray):
            assert a.flags.c_contiguous
            converted.append(a.ctypes.data_as(_PTR))
        else:
            converted.append(int(np.int32(a)))
    getattr(lib, f"launch_{kernel}_{DTYPES[dtype]}")(grid, block, *converted)


def _unwritten(shape, dtype):
    """An output buffer poisoned with NaN (or -1): every cell must be written."""
    if np.dtype(dtype).kind == "f":
        return np.full(shape, np.nan, dtype=dtype)
    return np.full(shape, -1, dtype=dtype)


# Launch sizes: fewer threads than elements (each thread strides over many)
# as well as more (some threads do nothing).
launches = st.tuples(st.integers(1, 4), st.integers(1, 6))
dtypes = st.sampled_from(list(DTYPES))


# --- im2col / col2im -------------------------------------------------------

@st.composite
def conv_geometries(draw):
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 3))
    H2, W2 = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # Rows/columns past the last window (when the stride does not fit) too.
    H = (H2 - 1) * stride + HH - 2 * pad + draw(st.integers(0, stride - 1))
    W = (W2 - 1) * stride + WW - 2 * pad + draw(st.integers(0, stride - 1))
    assume(H >= 1 and W >= 1)
    return N, C, H, W, HH, WW, stride, pad, H2, W2


@settings(max_examples=EXAMPLES)
@given(geometry=conv_geometries(), dtype=dtypes, launch=launches,
       seed=st.integers(0, 2**32 - 1))
def test_im2col_matches_numpy(lib, geometry, dtype, launch, seed):
    N, C, H, W, HH, WW, stride, pad, H2, W2 = geometry
    x = np.random.default_rng(seed).standard_normal((N, C, H, W)).astype(dtype)
    xp = np.ascontiguousarray(fast_layers.zero_pad(x, pad))
    expected = fast_layers.im2col(xp, HH, WW, stride, H2, W2)
    cols = _unwritten((C * HH * WW, N * H2 * W2), dtype)
    _launch(lib, "im2col", dtype, launch, xp, cols, N, C, *xp.shape[2:],
            HH, WW, stride, H2, W2)
    np.testing.assert_array_equal(cols, expected)


@settings(max_examples=EXAMPLES)
@given(geometry=conv_geometries(), dtype=dtypes, launch=launches,
       seed=st.integers(0, 2**32 - 1))
def test_col2im_matches_numpy(lib, geometry, dtype, launch, seed):
    N, C, H, W, HH, WW, stride, pad, H2, W2 = geometry
    cols = np.random.default_rng(seed).standard_normal(
        (C * HH * WW, N * H2 * W2)).astype(dtype)
    expected = fast_layers.col2im(cols, (N, C, H, W), HH, WW, stride, pad, H2, W2)
    dx = _unwritten((N, C, H, W), dtype)
    _launch(lib, "col2im", dtype, launch, cols, dx, N, C, H, W, HH, WW,
            stride, pad, H2, W2)
    assert dx.dtype == expected.dtype
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_col2im_is_the_adjoint_of_im2col(lib, dtype):
    """<im2col(x), c> == <x, col2im(c)> with the kernels alone, padding included."""
    N, C, H, W, HH, WW, stride, pad = 2, 3, 7, 6, 3, 2, 2, 1
    H2 = (H + 2 * pad - HH) // stride + 1
    W2 = (W + 2 * pad - WW) // stride + 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W))
    c = rng.standard_normal((C * HH * WW, N * H2 * W2))
    xp = np.ascontiguousarray(fast_layers.zero_pad(x, pad)).astype(dtype)
    cols = _unwritten(c.shape, dtype)
    _launch(lib, "im2col", dtype, (3, 4), xp, cols, N, C, *xp.shape[2:],
            HH, WW, stride, H2, W2)
    dx = _unwritten(x.shape, dtype)
    _launch(lib, "col2im", dtype, (3, 4), c.astype(dtype), dx, N, C, H, W,
            HH, WW, stride, pad, H2, W2)
    tolerance = 1e-4 if dtype is np.float32 else 1e-12
    assert np.isclose(np.vdot(cols.astype(np.float64), c),
                      np.vdot(x.astype(dtype).astype(np.float64), dx), rtol=tolerance)


# --- Pooling ---------------------------------------------------------------

@st.composite
def pool_geometries(draw):
    """Shapes that convlab accepts: the windows fit the input exactly."""
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    size, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    H2, W2 = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    H, W = (H2 - 1) * stride + size, (W2 - 1) * stride + size
    return N, C, H, W, size, stride, H2, W2


def _pool_input(seed, shape, dtype, ties):
    rng = np.random.default_rng(seed)
    if ties:        # small integers: windows with several equal maxima
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _first_argmax(x, size, stride, H2, W2):
    """i*size + j of the first maximum, in reading order, of every window."""
    cells = np.stack([x[:, :, fast_layers._steps(i, stride, H2),
                        fast_layers._steps(j, stride, W2)]
                      for i, j in np.ndindex(size, size)], axis=-1)
    return np.argmax(cells, axis=-1).astype(np.int32)   # np.argmax: first one


@settings(max_examples=EXAMPLES)
@given(geometry=pool_geometries(), dtype=dtypes, launch=launches,
       ties=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_max_pool_matches_numpy(lib, geometry, dtype, launch, ties, seed):
    N, C, H, W, size, stride, H2, W2 = geometry
    x = _pool_input(seed, (N, C, H, W), dtype, ties)
    dout = np.random.default_rng(seed + 1).standard_normal((N, C, H2, W2)).astype(dtype)
    expected_out, cache = fast_layers.max_pool_forward(x, size, stride)
    expected_dx = fast_layers.max_pool_backward(dout, cache)

    out = _unwritten((N, C, H2, W2), dtype)
    argmax = _unwritten((N, C, H2, W2), np.int32)
    _launch(lib, "max_pool_forward", dtype, launch, x, out, argmax,
            N, C, H, W, size, stride, H2, W2)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(argmax, _first_argmax(x, size, stride, H2, W2))

    dx = _unwritten((N, C, H, W), dtype)
    _launch(lib, "max_pool_backward", dtype, launch, dout, argmax, dx,
            N, C, H, W, size, stride, H2, W2)
    assert dx.dtype == expected_dx.dtype
    np.testing.assert_array_equal(dx, expected_dx)


def test_max_pool_ties_go_to_the_first_maximum(lib):
    """A window of equal values (ReLU zeros): all the gradient to its first cell."""
    x = np.zeros((1, 1, 3, 3), np.float64)
    out, argmax = _unwritten((1, 1, 2, 2), np.float64), _unwritten((1, 1, 2, 2), np.int32)
    _launch(lib, "max_pool_forward", np.float64, (1, 3), x, out, argmax,
            1, 1, 3, 3, 2, 1, 2, 2)
    assert argmax.ravel().tolist() == [0, 0, 0, 0]
    dout = np.array([[[[1.0, 2.0], [4.0, 8.0]]]])
    dx = _unwritten(x.shape, np.float64)
    _launch(lib, "max_pool_backward", np.float64, (2, 2), dout, argmax, dx,
            1, 1, 3, 3, 2, 1, 2, 2)
    np.testing.assert_array_equal(dx, [[[[1, 2, 0], [4, 8, 0], [0, 0, 0]]]])


@settings(max_examples=EXAMPLES)
@given(geometry=pool_geometries(), dtype=dtypes, launch=launches,
       seed=st.integers(0, 2**32 - 1))
def test_avg_pool_matches_numpy(lib, geometry, dtype, launch, seed):
    N, C, H, W, size, stride, H2, W2 = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    dout = rng.standard_normal((N, C, H2, W2)).astype(dtype)
    expected_out, cache = fast_layers.avg_pool_forward(x, size, stride)
    expected_dx = fast_layers.avg_pool_backward(dout, cache)

    out = _unwritten((N, C, H2, W2), dtype)
    _launch(lib, "avg_pool_forward", dtype, launch, x, out,
            N, C, H, W, size, stride, H2, W2)
    assert out.dtype == expected_out.dtype
    np.testing.assert_array_equal(out, expected_out)

    dx = _unwritten((N, C, H, W), dtype)
    _launch(lib, "avg_pool_backward", dtype, launch, dout, dx,
            N, C, H, W, size, stride, H2, W2)
    assert dx.dtype == expected_dx.dtype
    np.testing.assert_array_equal(dx, expected_dx)


# --- nvcc ------------------------------------------------------------------

def _nvcc():
    found = shutil.which("nvcc")
    if found is None and os.access("/usr/local/bin/nvcc", os.X_OK):
        found = "/usr/local/bin/nvcc"
    return found


@pytest.mark.parametrize("arch", ["sm_75", "sm_90"])
@pytest.mark.parametrize("source", sorted(CU_FILES))
def test_nvcc_compiles_to_ptx(tmp_path, source, arch):
    nvcc = _nvcc()
    if nvcc is None:
        pytest.skip("nvcc is not on PATH nor at /usr/local/bin/nvcc: cannot check the CUDA build")
    ptx = tmp_path / (Path(source).stem + f"_{arch}.ptx")
    result = subprocess.run(
        [nvcc, "-ptx", f"-arch={arch}", "-Werror", "all-warnings",
         str(CUDA_DIR / source), "-o", str(ptx)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = ptx.read_text()
    for kernel in CU_FILES[source]:
        for suffix in DTYPES.values():
            assert f".entry {kernel}_{suffix}(" in text, f"{kernel}_{suffix} missing from the PTX"
