"""convlab against PyTorch: committed golden values, and live when torch is installed."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from convlab import layers
from strategies import conv_configs, pool_configs, seeds

GOLDEN = np.load(Path(__file__).parent / "fixtures" / "golden.npz")


def golden_cases(kind):
    indices = sorted({int(key.split("/")[1]) for key in GOLDEN.files
                      if key.startswith(kind + "/")})
    assert indices, f"no {kind} cases in golden.npz"
    return [{key.split("/")[2]: GOLDEN[key] for key in GOLDEN.files
             if key.startswith(f"{kind}/{i}/")} for i in indices]


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("forward, backward", [
    (layers.conv_forward_naive, layers.conv_backward_naive),
    (layers.conv_forward, layers.conv_backward),
])
@pytest.mark.parametrize("case", golden_cases("conv"), ids=lambda c: str(c["x"].shape))
def test_conv_matches_pytorch_golden(forward, backward, case):
    out, cache = forward(case["x"], case["w"], case["b"],
                         stride=int(case["stride"]), pad=int(case["pad"]))
    close(out, case["out"])
    dx, dw, db = backward(case["dout"], cache)
    close(dx, case["dx"])
    close(dw, case["dw"])
    close(db, case["db"])


@pytest.mark.parametrize("forward, backward", [
    (layers.max_pool_forward_naive, layers.max_pool_backward_naive),
    (layers.max_pool_forward, layers.max_pool_backward),
])
@pytest.mark.parametrize("case", golden_cases("max_pool"), ids=lambda c: str(c["x"].shape))
def test_max_pool_matches_pytorch_golden(forward, backward, case):
    out, cache = forward(case["x"], size=int(case["size"]), stride=int(case["stride"]))
    close(out, case["out"])
    close(backward(case["dout"], cache), case["dx"])


@pytest.mark.parametrize("case", golden_cases("avg_pool"), ids=lambda c: str(c["x"].shape))
def test_avg_pool_matches_pytorch_golden(case):
    out, cache = layers.avg_pool_forward(case["x"], size=int(case["size"]),
                                         stride=int(case["stride"]))
    close(out, case["out"])
    close(layers.avg_pool_backward(case["dout"], cache), case["dx"])


# --- live comparison ---------------------------------------------------------

def torch_or_skip():
    return pytest.importorskip("torch", reason="PyTorch is not installed (make torch)")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(config=conv_configs(max_batch=3, max_channels=4, max_filters=4, max_out=6),
       seed=seeds)
@settings(max_examples=30)
def test_conv_matches_pytorch_live(dtype, config, seed):
    torch = torch_or_skip()
    x_shape, w_shape, stride, pad = config
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    out, cache = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape).astype(dtype)
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    expected = [tout] + list(torch.autograd.grad(tout, (tx, tw, tb), torch.from_numpy(dout)))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    for ours, theirs in zip([out, *layers.conv_backward(dout, cache)], expected):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs.detach().numpy(), **tol)


@given(config=pool_configs(max_batch=3, max_channels=4, max_out=6), seed=seeds)
@settings(max_examples=30)
def test_pools_match_pytorch_live(config, seed):
    torch = torch_or_skip()
    x_shape, size, stride = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    for ours_f, ours_b, theirs in [
            (layers.max_pool_forward, layers.max_pool_backward, torch.nn.functional.max_pool2d),
            (layers.avg_pool_forward, layers.avg_pool_backward, torch.nn.functional.avg_pool2d)]:
        out, cache = ours_f(x, size=size, stride=stride)
        dout = rng.standard_normal(out.shape)
        tx = torch.from_numpy(x).requires_grad_()
        tout = theirs(tx, size, stride)
        (tdx,) = torch.autograd.grad(tout, (tx,), torch.from_numpy(dout))
        np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours_b(dout, cache), tdx.numpy(), rtol=1e-12, atol=1e-12)
