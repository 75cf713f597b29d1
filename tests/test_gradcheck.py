"""convlab.gradcheck on functions whose gradients are known."""
import numpy as np
import pytest

from convlab import ShapeError
from convlab.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0
    assert np.isclose(rel_error(np.array([1.0]), np.array([3.0])), 0.5)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0  # no division by zero
    with pytest.raises(ShapeError, match="same shape"):
        rel_error(np.ones(2), np.ones(3))


def test_numerical_gradient_of_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert rel_error(grad, 2 * x) < 1e-9


def test_numerical_gradient_restores_its_input():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_is_the_vector_jacobian_product():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    dout = rng.standard_normal(4)
    grad = numerical_gradient_array(lambda v: A @ v, x, dout)
    assert rel_error(grad, A.T @ dout) < 1e-9


def test_numerical_gradient_catches_a_wrong_gradient():
    x = np.array([1.0, 2.0, 3.0])
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert rel_error(grad, 3 * x ** 2) < 1e-8
    assert rel_error(grad, 2 * x ** 2) > 1e-2
