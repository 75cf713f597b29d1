"""convlab's answers, called the way the checks call the students' functions.

Each function takes a case's arguments (the inputs of the student's function,
plus ``dout`` for a backward pass) and returns the tuple of results a check
compares. The hint table (``convlab.grading.hints``) builds its deliberately
wrong versions from the same arguments.
"""
import numpy as np

from convlab import layers, shapes
from convlab.models import Perceptron, ThreeLayerConvNet

# The parameters of a three-layer ConvNet, in the order checks compare them.
NET_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")
NET_GRADS = tuple(f"grads['{name}']" for name in NET_PARAMS)


def perceptron_step(w, b, x, d, learning_rate):
    """Rosenblatt's rule: (w_new, b_new, y), y computed before the update."""
    perceptron = Perceptron(len(w), learning_rate)
    perceptron.w, perceptron.b = w.astype(np.float64), float(b)
    y = perceptron.step(x, d)
    return perceptron.w, perceptron.b, y


def affine_forward(x, w, b):
    return (layers.affine_forward(x, w, b)[0],)


def affine_backward(x, w, b, dout):
    return layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])


def relu_forward(x):
    return (layers.relu_forward(x)[0],)


def relu_backward(x, dout):
    return (layers.relu_backward(dout, layers.relu_forward(x)[1]),)


def softmax_loss(scores, y):
    return layers.softmax_loss(scores, y)


def conv_output_size(n, f, stride, pad):
    return (shapes.conv_output_size(n, f, stride, pad),)


def zero_pad(x, pad):
    return (layers.zero_pad(x, pad),)


def conv_single_step(a_slice, w, b):
    return (float(np.sum(a_slice * w) + b),)


def conv_forward(x, w, b, stride, pad):
    return (layers.conv_forward(x, w, b, stride, pad)[0],)


def conv_backward(x, w, b, stride, pad, dout):
    return layers.conv_backward(dout, layers.conv_forward(x, w, b, stride, pad)[1])


def conv_param_count(in_channels, filters, f):
    return (shapes.conv_param_count(in_channels, filters, f),)


def max_pool_forward(x, size, stride):
    return (layers.max_pool_forward(x, size, stride)[0],)


def max_pool_backward(x, size, stride, dout):
    return (layers.max_pool_backward(dout, layers.max_pool_forward(x, size, stride)[1]),)


def net_params(config):
    """Zero arrays of the shapes of a ThreeLayerConvNet's parameters."""
    net = ThreeLayerConvNet(**config, seed=0)
    return tuple(np.zeros_like(net.params[name]) for name in NET_PARAMS)


def net_loss(config, X, y, params):
    """(scores, loss, grads in NET_PARAMS order) of a ThreeLayerConvNet with ``params``."""
    net = ThreeLayerConvNet(**config, seed=0)
    net.params = {name: value.copy() for name, value in params.items()}
    scores = net.loss(X)
    loss, grads = net.loss(X, y)
    return (scores, loss) + tuple(grads[name] for name in NET_PARAMS)
