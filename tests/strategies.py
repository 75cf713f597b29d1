"""Hypothesis strategies shared by the tests: layer configurations that fit."""
import numpy as np
from hypothesis import strategies as st


@st.composite
def conv_configs(draw, max_batch=2, max_channels=3, max_filters=3, max_out=4):
    """(x_shape, w_shape, stride, pad) of a convolution that fits exactly."""
    N = draw(st.integers(1, max_batch))
    C = draw(st.integers(1, max_channels))
    F = draw(st.integers(1, max_filters))
    HH = draw(st.integers(1, 4))
    WW = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 2))
    H2 = draw(st.integers(1, max_out))
    W2 = draw(st.integers(1, max_out))
    # Choose the output size, then the input size that gives it.
    H = (H2 - 1) * stride + HH - 2 * pad
    W = (W2 - 1) * stride + WW - 2 * pad
    if H < 1 or W < 1:
        H, W = H + 2 * pad, W + 2 * pad
        pad = 0
    return (N, C, H, W), (F, C, HH, WW), stride, pad


@st.composite
def pool_configs(draw, max_batch=2, max_channels=3, max_out=4):
    """(x_shape, size, stride) of a pooling layer that fits exactly."""
    N = draw(st.integers(1, max_batch))
    C = draw(st.integers(1, max_channels))
    size = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    H2 = draw(st.integers(1, max_out))
    W2 = draw(st.integers(1, max_out))
    return (N, C, (H2 - 1) * stride + size, (W2 - 1) * stride + size), size, stride


seeds = st.integers(0, 2**32 - 1)


def distinct_values(rng, shape):
    """Values in [-0.5, 0.5), evenly spaced, in random order.

    No ties, so max pooling has a gradient, and the spacing (1/size, more
    than 1e-4 for our shapes) is far wider than a numerical-gradient step.
    Small values keep the rounding error of centred differences small.
    """
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) / size - 0.5


def away_from_zero(rng, shape):
    """Normal values pushed at least 0.01 from zero, where ReLU has a kink."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + 0.01)
