"""The lecture's worked examples, as arrays: one copy for the whole package.

The widgets start from them, the grading checks test students on them and
the tests compare convlab with them; tests/test_layers.py checks them
against the lecture's text.
"""
import numpy as np

# The "Convolution Layer" steps: a 9x9 binary input and a vertical edge
# filter [1 0 -1], and the 49 results the slides show, in reading order.
NINE_BY_NINE = np.array([
    [1, 1, 0, 0, 0, 1, 1, 0, 1],
    [0, 0, 1, 1, 1, 0, 0, 1, 1],
    [1, 1, 0, 0, 0, 1, 1, 1, 0],
    [0, 1, 1, 0, 1, 0, 1, 0, 0],
    [1, 0, 1, 1, 0, 0, 1, 0, 1],
    [0, 1, 0, 0, 1, 0, 0, 1, 0],
    [1, 0, 0, 1, 0, 1, 0, 1, 1],
    [0, 1, 1, 0, 0, 0, 1, 0, 1],
    [0, 1, 0, 0, 1, 1, 0, 1, 1],
])
EDGE_FILTER = np.array([[1, 0, -1]] * 3)
NINE_BY_NINE_OUTPUT = np.array([
    [1, 1, 0, -1, -1, 0, 0],
    [-1, 1, 0, 0, 0, -1, 1],
    [0, 1, 1, 0, -2, 0, 2],
    [-1, 1, 0, 1, 0, -1, 1],
    [1, -1, 0, 1, 0, -1, -1],
    [0, 1, 0, 0, 0, -1, -1],
    [0, 1, 0, -1, 0, 0, -2],
])

# The "Convolution" slide: a 5x5 image, a 3x3 filter, the convolved feature.
FIVE_BY_FIVE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                         [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
X_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
FIVE_BY_FIVE_OUTPUT = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])

# "Max pooling": one depth slice, 2x2 filters and stride 2.
POOL_INPUT = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
POOL_OUTPUT = np.array([[6, 8], [3, 4]])
