"""Every backward pass against centred-difference numerical gradients.

float64, rel_error < 1e-7, on hypothesis-random shapes, strides and pads.
"""
import numpy as np
import pytest
from hypothesis import given, settings

from convlab import layers
from convlab.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from strategies import away_from_zero, conv_configs, distinct_values, pool_configs, seeds

TOLERANCE = 1e-7
# Conv, affine and average pooling are linear in each input, so centred
# differences are exact for any step, up to rounding, and rounding shrinks as
# the step grows: a larger step keeps tiny gradient entries accurate too.
# ReLU and max pooling are linear between kinks that our inputs keep at least
# 1e-3 away; the losses are smooth and use the usual 1e-5.
LINEAR_STEP = 1e-2
PIECEWISE_STEP = 1e-4


def check_gradients(forward, backward, inputs, rng, h):
    """Compare backward(dout, cache) with numerical gradients of forward.

    ``forward`` takes the arrays of ``inputs`` positionally; ``backward``
    returns one gradient per input (a single array for one input).
    """
    out, cache = forward(*inputs)
    dout = rng.standard_normal(out.shape)
    analytic = backward(dout, cache)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    for k, x in enumerate(inputs):
        def f(value, k=k):
            args = list(inputs)
            args[k] = value
            return forward(*args)[0]
        numeric = numerical_gradient_array(f, x.copy(), dout, h=h)
        assert analytic[k].shape == x.shape
        assert rel_error(analytic[k], numeric) < TOLERANCE, f"gradient of input {k}"


@pytest.mark.parametrize("forward, backward", [
    (layers.conv_forward_naive, layers.conv_backward_naive),
    (layers.conv_forward, layers.conv_backward),
])
@given(config=conv_configs(), seed=seeds)
@settings(max_examples=60)
def test_conv_gradients(forward, backward, config, seed):
    x_shape, w_shape, stride, pad = config
    rng = np.random.default_rng(seed)
    inputs = (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(w_shape[0]))
    check_gradients(lambda x, w, b: forward(x, w, b, stride=stride, pad=pad),
                    backward, inputs, rng, h=LINEAR_STEP)


@pytest.mark.parametrize("forward, backward, h", [
    (layers.max_pool_forward_naive, layers.max_pool_backward_naive, PIECEWISE_STEP),
    (layers.max_pool_forward, layers.max_pool_backward, PIECEWISE_STEP),
    (layers.avg_pool_forward, layers.avg_pool_backward, LINEAR_STEP),
])
@given(config=pool_configs(), seed=seeds)
def test_pool_gradients(forward, backward, h, config, seed):
    x_shape, size, stride = config
    rng = np.random.default_rng(seed)
    check_gradients(lambda x: forward(x, size=size, stride=stride), backward,
                    (distinct_values(rng, x_shape),), rng, h=h)


@given(seed=seeds)
def test_affine_gradients(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 4, size=rng.integers(2, 5)))
    D, M = int(np.prod(shape[1:])), int(rng.integers(1, 5))
    inputs = (rng.standard_normal(shape), rng.standard_normal((D, M)),
              rng.standard_normal(M))
    check_gradients(layers.affine_forward, layers.affine_backward, inputs, rng,
                    h=LINEAR_STEP)


@given(seed=seeds)
def test_relu_gradient(seed):
    rng = np.random.default_rng(seed)
    check_gradients(layers.relu_forward, layers.relu_backward,
                    (away_from_zero(rng, (3, 2, 4)),), rng, h=PIECEWISE_STEP)


@pytest.mark.parametrize("loss_fn", [layers.softmax_loss, layers.svm_loss])
@given(seed=seeds)
def test_loss_gradients(loss_fn, seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 6)), int(rng.integers(2, 6))
    scores = rng.standard_normal((n, k))
    y = rng.integers(0, k, n)
    _, dscores = loss_fn(scores, y)
    numeric = numerical_gradient(lambda s: loss_fn(s, y)[0], scores.copy())
    assert rel_error(dscores, numeric) < TOLERANCE
