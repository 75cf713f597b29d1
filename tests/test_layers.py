"""convlab.layers: the lecture's worked examples, and fast == naive."""
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from convlab import examples, layers
from strategies import conv_configs, pool_configs, seeds

NINE_BY_NINE, EDGE_FILTER, SLIDES_7X7 = (examples.NINE_BY_NINE, examples.EDGE_FILTER,
                                         examples.NINE_BY_NINE_OUTPUT)
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_ab835ca53fdf7bd4.txt"

CONV_FORWARDS = [layers.conv_forward_naive, layers.conv_forward]
POOL_FORWARDS = [layers.max_pool_forward_naive, layers.max_pool_forward]


def as_volume(image):
    """A 2-D image as a (1, 1, H, W) float volume."""
    return np.asarray(image, dtype=np.float64)[None, None]


@pytest.mark.parametrize("conv_forward", CONV_FORWARDS)
def test_slides_9x9_with_1_0_minus1_filter(conv_forward):
    out, _ = conv_forward(as_volume(NINE_BY_NINE), as_volume(EDGE_FILTER), np.zeros(1))
    assert out.shape == (1, 1, 7, 7)
    np.testing.assert_array_equal(out[0, 0], SLIDES_7X7)


@pytest.mark.skipif(not SEED.exists(), reason="the lecture seed is not beside the repo")
def test_slides_examples_are_transcribed_from_the_seed():
    text = SEED.read_text(encoding="utf-8")
    results = re.findall(r"Result: (-?\d+) ?\.", text)
    np.testing.assert_array_equal(np.array(results, dtype=int).reshape(7, 7), SLIDES_7X7)
    rows = re.findall(r"^(?:[01]\t){8}[01]$", text, re.M)[:9]   # the first 9x9 grid
    np.testing.assert_array_equal([[int(v) for v in r.split()] for r in rows], NINE_BY_NINE)
    assert "6\t8\n3\t4" in text  # the max pooling output


@pytest.mark.parametrize("conv_forward", CONV_FORWARDS)
def test_slides_5x5_image_3x3_filter(conv_forward):
    out, _ = conv_forward(as_volume(examples.FIVE_BY_FIVE), as_volume(examples.X_FILTER),
                          np.zeros(1))
    assert out[0, 0, 0, 0] == 4  # the "Convolved Feature" of the slide
    np.testing.assert_array_equal(out[0, 0], examples.FIVE_BY_FIVE_OUTPUT)


@pytest.mark.parametrize("max_pool_forward", POOL_FORWARDS)
def test_slides_max_pool_4x4(max_pool_forward):
    out, _ = max_pool_forward(as_volume(examples.POOL_INPUT), size=2, stride=2)
    np.testing.assert_array_equal(out[0, 0], examples.POOL_OUTPUT)


@pytest.mark.parametrize("conv_forward", CONV_FORWARDS)
def test_slides_32x32x3_ten_5x5_filters_pad_2(conv_forward):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 32, 32))
    w = rng.standard_normal((10, 3, 5, 5))
    out, _ = conv_forward(x, w, np.zeros(10), stride=1, pad=2)
    assert out.shape == (2, 10, 32, 32)
    assert w.size + 10 == 760


@pytest.mark.parametrize("conv_forward", CONV_FORWARDS)
def test_32x32x3_with_a_5x5x3_filter_gives_28x28x1(conv_forward):
    rng = np.random.default_rng(1)
    out, _ = conv_forward(rng.standard_normal((1, 3, 32, 32)),
                          rng.standard_normal((1, 3, 5, 5)), np.zeros(1))
    assert out.shape == (1, 1, 28, 28)


def test_conv_is_cross_correlation_plus_bias():
    """Each output is the dot product of the filter with its window, plus b."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    out, _ = layers.conv_forward(x, w, b, stride=2, pad=1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert np.isclose(out[0, 2, 1, 2], np.sum(xp[0, :, 2:5, 4:7] * w[2]) + b[2])


# --- fast == naive on random configurations ---------------------------------

def random_conv(rng, x_shape, w_shape, dtype=np.float64):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b


@given(config=conv_configs(), seed=seeds)
def test_conv_fast_equals_naive(config, seed):
    x_shape, w_shape, stride, pad = config
    rng = np.random.default_rng(seed)
    x, w, b = random_conv(rng, x_shape, w_shape)
    slow, slow_cache = layers.conv_forward_naive(x, w, b, stride=stride, pad=pad)
    fast, fast_cache = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal(slow.shape)
    for slow_grad, fast_grad in zip(layers.conv_backward_naive(dout, slow_cache),
                                    layers.conv_backward(dout, fast_cache)):
        np.testing.assert_allclose(fast_grad, slow_grad, rtol=1e-10, atol=1e-12)


@given(config=pool_configs(), seed=seeds)
def test_max_pool_fast_equals_naive(config, seed):
    x_shape, size, stride = config
    rng = np.random.default_rng(seed)
    # Small integers: many ties, where the first maximum must get the gradient.
    x = rng.integers(-2, 3, x_shape).astype(np.float64)
    slow, slow_cache = layers.max_pool_forward_naive(x, size=size, stride=stride)
    fast, fast_cache = layers.max_pool_forward(x, size=size, stride=stride)
    np.testing.assert_array_equal(fast, slow)
    dout = rng.standard_normal(slow.shape)
    np.testing.assert_allclose(layers.max_pool_backward(dout, fast_cache),
                               layers.max_pool_backward_naive(dout, slow_cache),
                               rtol=1e-12, atol=1e-12)


@given(config=pool_configs(), seed=seeds)
def test_avg_pool_is_the_window_mean(config, seed):
    x_shape, size, stride = config
    x = np.random.default_rng(seed).standard_normal(x_shape)
    out, _ = layers.avg_pool_forward(x, size=size, stride=stride)
    # Average pooling is a convolution of each channel with a constant filter.
    C = x_shape[1]
    w = np.zeros((C, C, size, size))
    w[np.arange(C), np.arange(C)] = 1.0 / size**2
    expected, _ = layers.conv_forward_naive(x, w, np.zeros(C), stride=stride)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


# --- caches are interchangeable, dtypes, layouts ----------------------------

def test_naive_and_fast_caches_are_interchangeable():
    rng = np.random.default_rng(3)
    x, w, b = random_conv(rng, (2, 3, 6, 6), (4, 3, 3, 3))
    out, naive_cache = layers.conv_forward_naive(x, w, b, stride=1, pad=1)
    _, fast_cache = layers.conv_forward(x, w, b, stride=1, pad=1)
    dout = rng.standard_normal(out.shape)
    for a, b_ in zip(layers.conv_backward(dout, naive_cache),
                     layers.conv_backward_naive(dout, fast_cache)):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)
    pooled, pool_cache = layers.max_pool_forward_naive(x, 2, 2)
    dp = rng.standard_normal(pooled.shape)
    np.testing.assert_array_equal(layers.max_pool_backward(dp, pool_cache),
                                  layers.max_pool_backward_naive(dp, pool_cache))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_layers_keep_the_dtype(dtype):
    rng = np.random.default_rng(4)
    x, w, b = random_conv(rng, (2, 3, 8, 8), (4, 3, 3, 3), dtype)
    out, cache = layers.conv_forward(x, w, b, stride=1, pad=1)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in layers.conv_backward(np.ones_like(out), cache))
    slow, _ = layers.conv_forward_naive(x, w, b, stride=1, pad=1)
    np.testing.assert_allclose(out, slow, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-12)
    for forward, backward in [(layers.max_pool_forward, layers.max_pool_backward),
                              (layers.avg_pool_forward, layers.avg_pool_backward)]:
        pooled, pcache = forward(x, size=2, stride=2)
        assert pooled.dtype == dtype
        assert backward(np.ones_like(pooled), pcache).dtype == dtype
    for forward, backward in [(layers.relu_forward, layers.relu_backward)]:
        y, c = forward(x)
        assert y.dtype == dtype and backward(np.ones_like(y), c).dtype == dtype
    scores = rng.standard_normal((5, 3)).astype(dtype)
    for loss_fn in (layers.softmax_loss, layers.svm_loss):
        loss, dscores = loss_fn(scores, np.array([0, 1, 2, 1, 0]))
        assert isinstance(loss, float) and dscores.dtype == dtype


def test_mixed_dtypes_follow_numpy_promotion():
    rng = np.random.default_rng(5)
    x, w, b = random_conv(rng, (1, 2, 5, 5), (2, 2, 3, 3), np.float32)
    out, _ = layers.conv_forward(x, w.astype(np.float64), b)
    assert out.dtype == np.float64


def test_integer_inputs_work():
    out, _ = layers.conv_forward(NINE_BY_NINE[None, None], EDGE_FILTER[None, None],
                                 np.zeros(1, dtype=int))
    np.testing.assert_array_equal(out[0, 0], SLIDES_7X7)


def test_rectangular_inputs_and_kernels_with_stride_and_pad():
    rng = np.random.default_rng(6)
    x, w, b = random_conv(rng, (3, 2, 9, 7), (4, 2, 3, 5), np.float32)
    slow, _ = layers.conv_forward_naive(x, w, b, stride=2, pad=1)
    fast, _ = layers.conv_forward(x, w, b, stride=2, pad=1)
    assert fast.shape == (3, 4, 5, 3)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(7)
    big = rng.standard_normal((4, 6, 10, 10))
    x = big[::2, ::2, :, ::-1]                      # strided and reversed
    w = rng.standard_normal((3, 3, 3, 3)).transpose(0, 1, 3, 2)
    b = rng.standard_normal(6)[::2]
    assert not x.flags.c_contiguous and not w.flags.c_contiguous
    slow, slow_cache = layers.conv_forward_naive(x, w, b, stride=1, pad=1)
    fast, fast_cache = layers.conv_forward(x, w, b, stride=1, pad=1)
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal(slow.shape)[..., ::-1]
    for a, b_ in zip(layers.conv_backward(dout, fast_cache),
                     layers.conv_backward_naive(dout, slow_cache)):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)
    pooled, cache = layers.max_pool_forward(x, 2, 2)
    naive, _ = layers.max_pool_forward_naive(x, 2, 2)
    np.testing.assert_array_equal(pooled, naive)


def test_batch_of_one():
    rng = np.random.default_rng(8)
    x, w, b = random_conv(rng, (1, 1, 4, 4), (1, 1, 2, 2))
    fast, _ = layers.conv_forward(x, w, b, stride=2)
    slow, _ = layers.conv_forward_naive(x, w, b, stride=2)
    np.testing.assert_allclose(fast, slow)


def test_forward_does_not_modify_inputs():
    rng = np.random.default_rng(9)
    x, w, b = random_conv(rng, (2, 2, 6, 6), (2, 2, 3, 3))
    copies = [a.copy() for a in (x, w, b)]
    out, cache = layers.conv_forward(x, w, b, stride=1, pad=1)
    layers.conv_backward(np.ones_like(out), cache)
    layers.max_pool_backward(np.ones((2, 2, 3, 3)), layers.max_pool_forward(x)[1])
    for a, copy in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, copy)


# --- the small layers --------------------------------------------------------

def test_affine_stretches_each_example():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 32, 32))
    w = rng.standard_normal((3072, 10))
    b = rng.standard_normal(10)
    out, _ = layers.affine_forward(x, w, b)
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out[1, 4], x[1].ravel() @ w[:, 4] + b[4])


def test_relu():
    out, _ = layers.relu_forward(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(out, [0, 0, 3])


def test_softmax_loss_of_uniform_scores_is_log_k():
    loss, dscores = layers.softmax_loss(np.zeros((4, 10)), np.array([0, 3, 9, 2]))
    assert np.isclose(loss, np.log(10))
    np.testing.assert_allclose(dscores.sum(axis=1), 0, atol=1e-15)


def test_softmax_loss_is_stable_for_large_scores():
    loss, dscores = layers.softmax_loss(np.array([[1000.0, 0.0]]), np.array([0]))
    assert np.isfinite(loss) and np.isclose(loss, 0.0)
    assert np.all(np.isfinite(dscores))


def test_svm_loss_of_equal_scores_is_k_minus_1():
    loss, _ = layers.svm_loss(np.zeros((3, 5)), np.array([0, 1, 2]))
    assert np.isclose(loss, 4.0)


def test_changing_outputs_in_place_does_not_change_gradients():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 2, 4, 4))
    out, cache = layers.max_pool_forward(x)
    dout = rng.standard_normal(out.shape)
    expected = layers.max_pool_backward(dout, cache)
    out[...] = 0  # e.g. a student's in-place ReLU on the pooled output
    np.testing.assert_array_equal(layers.max_pool_backward(dout, cache), expected)
