"""convlab.optim: the update rules, by their formulas and against PyTorch."""
import numpy as np
import pytest

from convlab import optim


def arrays():
    w = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
    dw = np.linspace(-0.6, 0.4, num=20).reshape(4, 5)
    return w, dw


def test_sgd():
    w, dw = arrays()
    next_w, config = optim.sgd(w, dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, w - 0.1 * dw)
    assert optim.sgd(w, dw)[1]["learning_rate"] == 1e-2


def test_sgd_momentum_two_steps():
    w, dw = arrays()
    w1, config = optim.sgd_momentum(w, dw, {"learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(w1, w - 0.1 * dw)
    w2, config = optim.sgd_momentum(w1, dw, config)
    np.testing.assert_allclose(w2, w1 + 0.9 * (-0.1 * dw) - 0.1 * dw)


def test_rmsprop_first_step():
    w, dw = arrays()
    w1, config = optim.rmsprop(w, dw, {"learning_rate": 0.01})
    np.testing.assert_allclose(config["cache"], 0.01 * dw**2)
    np.testing.assert_allclose(w1, w - 0.01 * dw / (np.sqrt(0.01 * dw**2) + 1e-8))


def test_adam_first_step_is_learning_rate_times_sign():
    w, dw = arrays()
    w1, config = optim.adam(w, dw, {"learning_rate": 0.01})
    assert config["t"] == 1
    np.testing.assert_allclose(w1, w - 0.01 * np.sign(dw), atol=1e-6)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_rules_keep_float32_and_do_not_change_w(rule):
    w, dw = (a.astype(np.float32) for a in arrays())
    before = w.copy()
    config = None
    for _ in range(3):
        next_w, config = optim.RULES[rule](w, dw, config)
    assert next_w.dtype == np.float32
    np.testing.assert_array_equal(w, before)


@pytest.mark.parametrize("rule, make", [
    ("sgd_momentum", lambda torch, p: torch.optim.SGD([p], lr=0.05, momentum=0.9)),
    ("rmsprop", lambda torch, p: torch.optim.RMSprop([p], lr=0.01, alpha=0.99, eps=1e-8)),
    ("adam", lambda torch, p: torch.optim.Adam([p], lr=0.01, eps=1e-8)),
])
def test_rules_match_pytorch(rule, make):
    """Five steps of a quadratic: same trajectory as torch.optim (momentum in
    PyTorch is v = mu*v + g, w -= lr*v: the same updates as ours)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (make torch)")
    target = np.linspace(-1, 1, 6)
    w = np.zeros(6)
    p = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    optimizer = make(torch, p)
    config = {"learning_rate": optimizer.param_groups[0]["lr"]}
    for _ in range(5):
        w, config = optim.RULES[rule](w, 2 * (w - target), config)
        optimizer.zero_grad()
        ((p - torch.from_numpy(target)) ** 2).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-12)
