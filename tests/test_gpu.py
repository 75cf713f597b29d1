"""convlab on a GPU: layers, models and Solver with device="gpu".

Every test that takes the ``gpu`` fixture runs twice:

- "emulated": on convlab.gpu.emulation, the stand-in GPU whose kernels are
  the .cu files compiled for the CPU. The whole device code path runs (to_gpu,
  the layers' device branches, the kernels' launches, the kernels), and the
  results must be bit-identical to NumPy's: same kernels order of additions,
  same BLAS for the GEMMs;
- "cuda": on a real GPU with real CuPy, where one is usable (skipped here,
  with the reason, otherwise); GEMMs run in cuBLAS, so results are compared
  with a tolerance.
"""
import argparse
import shutil

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import convlab
from benchmarks import gpu as gpu_bench, layers as layers_bench
from convlab import Solver, layers
from convlab.commands import bench, doctor
from convlab.gpu import backend, kernels
from convlab.gpu.emulation import EmulatedGpuArray, emulated_gpu
from convlab.models import ConvNet, ThreeLayerConvNet, TwoLayerNet
from strategies import conv_configs, pool_configs, seeds

GPU_STATUS = backend.gpu_status()
NO_GPU = f"no usable GPU here ({GPU_STATUS[1]}): the real-GPU tests run where CuPy has one"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None,
                               reason="g++ is not installed: no emulated GPU")


@pytest.fixture(params=["emulated", "cuda"])
def gpu(request):
    """Where "the GPU" is for this test: the emulated one, or a real one."""
    if request.param == "emulated":
        if shutil.which("g++") is None:
            pytest.skip("g++ is not installed: cannot build the emulated GPU's kernels")
        with emulated_gpu():
            yield "emulated"
    else:
        if not GPU_STATUS[0]:
            pytest.skip(NO_GPU)
        yield "cuda"


def assert_same(on_gpu, expected, gpu, gemm=False):
    """A result computed on the GPU equals NumPy's: exactly when emulated.

    gemm=True: a GEMM's result, which may differ in the last bits even when
    emulated, for shapes where NumPy's im2col matrix is a strided view rather
    than a copy (BLAS then adds in another order); within a few ulps.
    """
    assert backend.on_gpu(on_gpu), f"{type(on_gpu).__name__} is not on the GPU"
    got = convlab.to_cpu(on_gpu)
    assert type(got) is np.ndarray and got.dtype == expected.dtype
    if gpu == "emulated" and gemm:
        ulp = 8 * np.finfo(expected.dtype).eps
        np.testing.assert_allclose(got, expected, rtol=ulp, atol=ulp * np.abs(expected).max())
    elif gpu == "emulated":
        np.testing.assert_array_equal(got, expected)
    else:
        tolerance = 1e-4 if expected.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def on_gpu(*arrays):
    return [convlab.to_gpu(a) for a in arrays]


# --- Layers --------------------------------------------------------------------

# (x shape, w shape, stride, pad): square and not, padding, stride 2.
CONV_CASES = [((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
              ((1, 2, 5, 8), (3, 2, 3, 2), 1, 0),
              ((3, 1, 8, 8), (2, 1, 5, 5), 1, 2)]
DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv_on_gpu_matches_numpy(gpu, x_shape, w_shape, stride, pad, dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    x, w, b = (a.astype(dtype) for a in (x, w, b))
    out, cache = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape).astype(dtype)
    gx, gw, gb, gdout = on_gpu(x, w, b, dout)

    gout, gcache = layers.conv_forward(gx, gw, gb, stride=stride, pad=pad)
    assert_same(gout, out, gpu)
    for got, expected in zip(layers.conv_backward(gdout, gcache),
                             layers.conv_backward(dout, cache)):
        assert_same(got, expected, gpu)
    # The cache of the naive layer (no cols) works on the GPU too.
    dx, _dw, _db = layers.conv_backward(gdout, gcache[:5])
    assert_same(dx, layers.conv_backward(dout, cache)[0], gpu)


POOL_CASES = [((2, 3, 8, 8), 2, 2), ((1, 2, 7, 9), 3, 2), ((2, 1, 5, 5), 2, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, size, stride", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_on_gpu_matches_numpy(gpu, kind, x_shape, size, stride, dtype):
    forward = getattr(layers, f"{kind}_pool_forward")
    backward = getattr(layers, f"{kind}_pool_backward")
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, x_shape).astype(dtype)     # ties: the first max wins
    out, cache = forward(x, size=size, stride=stride)
    dout = rng.standard_normal(out.shape).astype(dtype)
    gx, gdout = on_gpu(x, dout)
    gout, gcache = forward(gx, size=size, stride=stride)
    assert_same(gout, out, gpu)
    assert_same(backward(gdout, gcache), backward(dout, cache), gpu)
    # A cache without the forward's extras (the naive layer's) works too.
    assert_same(backward(gdout, gcache[:3]), backward(dout, cache), gpu)


def test_affine_relu_and_losses_on_gpu(gpu):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    y = rng.integers(0, 5, 4)
    gx, gw, gb, gy = on_gpu(x, w, b, y)
    out, cache = layers.affine_forward(x, w, b)
    gout, gcache = layers.affine_forward(gx, gw, gb)
    assert_same(gout, out, gpu)
    dout = rng.standard_normal(out.shape)
    for got, expected in zip(layers.affine_backward(convlab.to_gpu(dout), gcache),
                             layers.affine_backward(dout, cache)):
        assert_same(got, expected, gpu)
    assert_same(layers.relu_forward(gout)[0], layers.relu_forward(out)[0], gpu)
    for loss in (layers.softmax_loss, layers.svm_loss):
        (value, dscores), (gvalue, gdscores) = loss(out, y), loss(gout, gy)
        assert isinstance(gvalue, float) and np.isclose(gvalue, value, rtol=1e-12)
        assert_same(gdscores, dscores, gpu)


@needs_gxx
@settings(max_examples=30)
@given(config=conv_configs(), pool=pool_configs(), seed=seeds,
       dtype=st.sampled_from(DTYPES))
def test_emulated_gpu_layers_equal_numpy_on_random_shapes(config, pool, seed, dtype):
    x_shape, w_shape, stride, pad = config
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    out, cache = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape).astype(dtype)
    px_shape, size, pool_stride = pool
    px = rng.standard_normal(px_shape).astype(dtype)
    pout, pcache = layers.max_pool_forward(px, size=size, stride=pool_stride)
    pdout = rng.standard_normal(pout.shape).astype(dtype)
    with emulated_gpu():
        gx, gw, gb, gdout, gpx, gpdout = on_gpu(x, w, b, dout, px, pdout)
        gout, gcache = layers.conv_forward(gx, gw, gb, stride=stride, pad=pad)
        assert_same(gout, out, "emulated", gemm=True)
        dx, dw, db = layers.conv_backward(gdout, gcache)
        expected_dx, expected_dw, expected_db = layers.conv_backward(dout, cache)
        assert_same(dx, expected_dx, "emulated")    # col2im of the same GEMM: exact
        assert_same(dw, expected_dw, "emulated", gemm=True)
        assert_same(db, expected_db, "emulated")
        gpout, gpcache = layers.max_pool_forward(gpx, size=size, stride=pool_stride)
        assert_same(gpout, pout, "emulated")
        assert_same(layers.max_pool_backward(gpdout, gpcache),
                    layers.max_pool_backward(pdout, pcache), "emulated")


@needs_gxx
def test_grid_stride_loops_through_the_layers(monkeypatch):
    """A launch far smaller than the work (2 blocks of 3 threads): every
    thread strides over many elements, and the results do not change."""
    monkeypatch.setattr(kernels, "MAX_BLOCKS", 2)
    monkeypatch.setattr(kernels, "THREADS_PER_BLOCK", 3)
    assert kernels.launch_config(1000) == (2, 3)
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 3, 3)), np.zeros(2)
    out, cache = layers.conv_forward(x, w, b, pad=1)
    with emulated_gpu():
        gout, gcache = layers.conv_forward(*on_gpu(x, w, b), pad=1)
        assert_same(gout, out, "emulated")
        assert_same(layers.conv_backward(convlab.to_gpu(out), gcache)[0],
                    layers.conv_backward(out, cache)[0], "emulated")


def test_launch_configuration_and_arguments(monkeypatch):
    """What convlab.gpu.kernels hands a provider (CuPy's on a GPU): the f32/f64 entry
    point after the dtype, a grid covering the work, ints as numpy.int32."""
    launches = []

    class Recorder:
        def launch(self, source, name, grid, block, args):
            launches.append((source, name, grid, block, args))

    monkeypatch.setattr(kernels, "_provider", lambda array: Recorder())
    with emulated_gpu():
        x = convlab.to_gpu(np.zeros((2, 3, 40, 40), np.float32))
        kernels.im2col(x, 3, 3, 1, 38, 38)
        kernels.max_pool_forward(x.astype(np.float64), 2, 2, 20, 20)
    (source, name, grid, block, args), pool = launches
    assert (source, name) == ("im2col.cu", "im2col_f32")
    assert pool[:2] == ("pool.cu", "max_pool_forward_f64")
    assert block == kernels.THREADS_PER_BLOCK
    assert grid * block >= min(3 * 9 * 2 * 38 * 38, kernels.MAX_BLOCKS * block)
    assert [type(a) for a in args[2:]] == [np.int32] * 9
    assert [int(a) for a in args[2:]] == [2, 3, 40, 40, 3, 3, 1, 38, 38]
    assert pool[3:4] == (block,) and pool[2] == 2 * 3 * 20 * 20 // block + 1
    for total in (1, 255, 256, 257, 10**8):
        g, b = kernels.launch_config(total)
        assert 1 <= g <= kernels.MAX_BLOCKS and (g * b >= total or g == kernels.MAX_BLOCKS)


@needs_gxx
def test_device_errors_say_what_to_do():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((1, 1, 4, 4)), rng.standard_normal((1, 1, 3, 3)), np.zeros(1)
    with emulated_gpu():
        gx, gw, gb = on_gpu(x, w, b)
        with pytest.raises(TypeError, match="conv_forward_naive runs on NumPy arrays only.*"
                                            r"layers.conv_forward.*convlab.to_cpu\(x\)"):
            layers.conv_forward_naive(gx, gw, gb)
        with pytest.raises(TypeError, match="max_pool_forward_naive .*layers.max_pool_forward"):
            layers.max_pool_forward_naive(gx)
        with pytest.raises(TypeError, match="x is on the GPU but w is a NumPy array"):
            layers.conv_forward(gx, w, b)
        _out, cache = layers.conv_forward(gx, gw, gb)
        with pytest.raises(TypeError, match="dout is a NumPy array|x is on the GPU but dout"):
            layers.conv_backward(np.ones((1, 1, 2, 2)), cache)
        with pytest.raises(TypeError, match="float32 or float64, got dtype int64"):
            layers.max_pool_forward(convlab.to_gpu(np.ones((1, 1, 4, 4), np.int64)))
        with pytest.raises(TypeError, match="mixed with a NumPy array"):
            gx + x                                              # as CuPy refuses it
    # The naive layers still run on NumPy.
    assert layers.conv_forward_naive(x, w, b)[0].shape == (1, 1, 2, 2)


@needs_gxx
def test_emulated_arrays_behave_like_cupy_arrays():
    with emulated_gpu():
        g = convlab.to_gpu(np.arange(6.0).reshape(2, 3))
        assert isinstance(g, EmulatedGpuArray) and backend.on_gpu(g, np.ones(1))
        assert backend.on_gpu(g.sum()) and float(g.sum()) == 15.0  # 0-d, not a scalar
        assert backend.on_gpu(np.concatenate([g, g])) and backend.on_gpu(g.T @ g)
        back = convlab.to_cpu(g)
        assert type(back) is np.ndarray and back.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert not backend.on_gpu(back)


# --- Models and Solver ---------------------------------------------------------

def small_convnet(device, dtype=np.float64):
    return ConvNet.from_spec("[(CONV-RELU)*2-POOL]*1-(FC-RELU)*1-FC", input_shape=(2, 6, 6),
                             num_classes=4, filters=[3, 4], hidden_dims=5, seed=0,
                             dtype=dtype, device=device)


@pytest.mark.parametrize("make", [
    small_convnet,
    lambda device: ThreeLayerConvNet(input_dim=(1, 6, 6), num_filters=2, filter_size=3,
                                     hidden_dim=5, num_classes=3, weight_scale=0.1,
                                     reg=0.1, dtype=np.float64, seed=1, device=device),
    lambda device: TwoLayerNet(input_dim=12, hidden_dim=7, num_classes=3, seed=2,
                               reg=0.05, device=device),
], ids=["ConvNet", "ThreeLayerConvNet", "TwoLayerNet"])
def test_model_loss_on_gpu_matches_cpu(gpu, make):
    cpu_model, gpu_model = make("cpu"), make("gpu")
    assert gpu_model.device == "gpu"
    assert all(backend.on_gpu(v) for v in gpu_model.params.values())
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, *cpu_model.input_shape))
    y = rng.integers(0, 3, 4)
    loss, grads = cpu_model.loss(X, y)
    gloss, ggrads = gpu_model.loss(convlab.to_gpu(X), convlab.to_gpu(y))
    assert isinstance(gloss, float) and np.isclose(gloss, loss, rtol=1e-10)
    assert set(ggrads) == set(grads)
    for name in grads:
        assert_same(ggrads[name], grads[name], gpu)
    # NumPy batches are moved on the way in; predictions come back as NumPy.
    assert_same(gpu_model.loss(X), cpu_model.loss(X), gpu)
    predictions = gpu_model.predict(X)
    assert type(predictions) is np.ndarray
    np.testing.assert_array_equal(predictions, cpu_model.predict(X))
    assert all(type(a) is np.ndarray for _name, a in gpu_model.activations(X))


def test_model_moves_between_devices(gpu):
    model = small_convnet("cpu")
    before = {k: v.copy() for k, v in model.params.items()}
    assert model.to("gpu") is model and model.device == "gpu"
    assert all(backend.on_gpu(v) for v in model.params.values())
    model.to("cpu")
    assert all(type(v) is np.ndarray for v in model.params.values())
    for name, value in before.items():
        np.testing.assert_array_equal(model.params[name], value)


def digits_like(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2, 6, 6)).astype(np.float32)
    y = (X[:, 0, :3].sum(axis=(1, 2)) > 0).astype(np.int64) + 2 * (X[:, 1].mean(axis=(1, 2)) > 0)
    return {"X_train": X[:90], "y_train": y[:90], "X_val": X[90:], "y_val": y[90:]}


def train(device, data, **kwargs):
    model = small_convnet("cpu", dtype=np.float32)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 5e-3},
                    batch_size=15, num_epochs=3, seed=0, verbose=False, device=device, **kwargs)
    solver.train()
    return solver, model


def test_solver_on_gpu_trains_like_on_cpu(gpu, tmp_path):
    data = digits_like()
    cpu_solver, cpu_model = train("cpu", data)
    gpu_solver, gpu_model = train("gpu", data, checkpoint_name=str(tmp_path / "run"))
    assert gpu_model.device == "gpu" and gpu_solver.device == "gpu"
    assert all(backend.on_gpu(v) for v in gpu_model.params.values())
    assert all(isinstance(v, float) for v in gpu_solver.loss_history + gpu_solver.val_acc_history)
    assert cpu_solver.loss_history[-1] < cpu_solver.loss_history[0]   # it did learn
    if gpu == "emulated":   # the same code path as on the CPU: identical training
        assert gpu_solver.loss_history == cpu_solver.loss_history
        assert gpu_solver.val_acc_history == cpu_solver.val_acc_history
        for name, value in cpu_model.params.items():
            assert_same(gpu_model.params[name], value, gpu)
    else:                   # cuBLAS adds in another order: float32 drifts a little
        np.testing.assert_allclose(gpu_solver.loss_history, cpu_solver.loss_history,
                                   rtol=1e-3, atol=1e-4)
    # Checkpoints hold NumPy arrays and resume on the GPU.
    saved = np.load(tmp_path / "run_epoch_3.npz")
    assert all(type(saved[k]) is np.ndarray for k in saved.files)
    resumed = Solver(small_convnet("gpu", dtype=np.float32), data, update_rule="adam",
                     batch_size=15, num_epochs=3, seed=0, verbose=False)
    assert resumed.device == "gpu"     # the model's device
    resumed.load_checkpoint(tmp_path / "run_epoch_2.npz")
    assert all(backend.on_gpu(v) for v in resumed.model.params.values())
    assert all(backend.on_gpu(v) for c in resumed.optim_configs.values()
               for v in c.values() if backend.is_array(v))
    resumed.train()
    for name, value in gpu_model.params.items():
        assert_same(resumed.model.params[name], convlab.to_cpu(value), gpu)


class PlainTwoLayerNet:
    """A CS231n-style model: a params dict and loss(), nothing else."""

    def __init__(self, D, H, K):
        rng = np.random.default_rng(0)
        self.params = {"W1": 0.1 * rng.standard_normal((D, H)), "b1": np.zeros(H),
                       "W2": 0.1 * rng.standard_normal((H, K)), "b2": np.zeros(K)}
        self.devices_seen = set()

    def loss(self, X, y=None):
        p = self.params
        self.devices_seen.add("gpu" if backend.on_gpu(X) else "cpu")
        h, h_cache = layers.affine_forward(X, p["W1"], p["b1"])
        r, r_cache = layers.relu_forward(h)
        scores, s_cache = layers.affine_forward(r, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = layers.softmax_loss(scores, y)
        dr, dW2, db2 = layers.affine_backward(dscores, s_cache)
        _dx, dW1, db1 = layers.affine_backward(layers.relu_backward(dr, r_cache), h_cache)
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def test_solver_moves_a_cs231n_style_model(gpu):
    data = {k: v.reshape(len(v), -1).astype(np.float64) if k.startswith("X") else v
            for k, v in digits_like().items()}
    cpu_solver = Solver(PlainTwoLayerNet(72, 6, 4), data, batch_size=30, num_epochs=2,
                        verbose=False, seed=0)
    model = PlainTwoLayerNet(72, 6, 4)
    solver = Solver(model, data, batch_size=30, num_epochs=2, verbose=False, seed=0,
                    device="gpu")
    assert all(backend.on_gpu(v) for v in model.params.values())
    cpu_solver.train()
    solver.train()
    assert model.devices_seen == {"gpu"}
    np.testing.assert_allclose(solver.loss_history, cpu_solver.loss_history, rtol=1e-10)
    for name, value in cpu_solver.model.params.items():
        assert_same(model.params[name], value, gpu)


def test_device_gpu_without_a_gpu_says_what_to_do():
    if GPU_STATUS[0]:
        pytest.skip("a GPU is usable here")
    with pytest.raises(RuntimeError, match=r'device="gpu" needs CuPy and a working GPU, '
                                           r"but here: .+docs/gpu.md"):
        small_convnet("gpu")
    with pytest.raises(RuntimeError, match='device="gpu"'):
        Solver(small_convnet("cpu"), digits_like(), device="gpu", verbose=False)
    with pytest.raises(ValueError, match=r"device must be \"cpu\" or \"gpu\", got 'cuda'"):
        small_convnet("cuda")


# --- doctor and bench ----------------------------------------------------------

def test_doctor_reports_cupy_and_why_there_is_no_gpu():
    name, status, detail = doctor.check_gpu()
    version = doctor.cupy_version()
    assert version, "CuPy is in the dev extra: pip install -e '.[dev]'"
    assert f"CuPy {version}" in detail
    if GPU_STATUS[0]:
        assert status == doctor.OK and GPU_STATUS[1] in detail
    else:
        assert status == doctor.OPTIONAL and GPU_STATUS[1] in detail
        assert "run on the CPU" in detail


def test_bench_on_gpu_without_a_gpu_exits_with_the_reason(capsys):
    if GPU_STATUS[0]:
        pytest.skip("a GPU is usable here")
    args = argparse.Namespace(repeats=1, no_naive=True, output=None, device="gpu")
    assert bench.command(args) == 1
    err = capsys.readouterr().err
    assert "needs CuPy and a working GPU" in err and GPU_STATUS[1] in err


@needs_gxx
def test_bench_gpu_suite_runs_on_the_emulated_gpu(monkeypatch):
    monkeypatch.setattr(layers_bench, "CONV_SUITE", [("tiny", (2, 3, 8, 8), (4, 3, 3, 3), 1, 1)])
    monkeypatch.setattr(layers_bench, "POOL_SUITE", [("tiny pool", (2, 3, 8, 8), 2, 2)])
    monkeypatch.setattr(layers_bench, "TRAINING_SUITE", [("tiny training", "digits", (1, 8, 8), 100, 50)])
    monkeypatch.setattr(layers_bench.time, "sleep", lambda s: None)
    with emulated_gpu():
        text = gpu_bench.gpu_report(gpu_bench.run_gpu(repeats=2, progress=lambda line: None))
    assert "GPU: emulated" in text
    assert "| tiny | (2, 3, 8, 8) | (4, 3, 3, 3) | 1 | 1 |" in text
    assert "| tiny pool |" in text and "| tiny training | 100 | 50 |" in text


@pytest.mark.skipif(not GPU_STATUS[0], reason=NO_GPU)
def test_every_kernel_compiles_with_nvrtc_on_this_gpu():
    kernels = {"im2col.cu": ["im2col", "col2im"],
               "pool.cu": ["max_pool_forward", "max_pool_backward",
                           "avg_pool_forward", "avg_pool_backward"]}
    for source, names in kernels.items():
        module = kernels.CUPY_KERNELS.module(source)
        for name in names:
            for suffix in ("f32", "f64"):
                assert module.get_function(f"{name}_{suffix}") is not None
