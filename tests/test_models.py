"""convlab.models: the 1957 perceptron to ConvNets; gradients vs numerical."""
import numpy as np
import pytest

from convlab import ShapeError
from convlab.gradcheck import numerical_gradient, rel_error
from convlab.models import Adaline, ConvNet, Perceptron, ThreeLayerConvNet, TwoLayerNet
from convlab.spec import SpecError, parse_spec


# --- Perceptron and Adaline ---------------------------------------------------

def test_perceptron_rule_step_by_step():
    p = Perceptron(2, learning_rate=0.5)
    assert p.predict(np.array([1.0, 1.0])) == 0          # w = 0, b = 0: w.x + b = 0
    y = p.step(np.array([1.0, 2.0]), 1)                  # wrong: d - y = 1
    assert y == 0
    np.testing.assert_allclose(p.w, [0.5, 1.0])
    assert p.b == 0.5
    assert p.step(np.array([1.0, 2.0]), 1) == 1          # right: no change
    np.testing.assert_allclose(p.w, [0.5, 1.0])
    assert p.step(np.array([2.0, 0.0]), 0) == 1          # wrong: d - y = -1
    np.testing.assert_allclose(p.w, [-0.5, 1.0])
    assert p.b == 0.0


def test_perceptron_learns_and_and_not_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    p = Perceptron(2)
    mistakes = p.fit(X, [0, 0, 0, 1], epochs=10)
    assert len(mistakes) == 10 and mistakes[-1] == 0
    np.testing.assert_array_equal(p.predict(X), [0, 0, 0, 1])
    xor = Perceptron(2).fit(X, [0, 1, 1, 0], epochs=50)
    assert min(xor) > 0  # Minsky and Papert: XOR is not linearly separable


def test_adaline_learns_on_the_linear_output():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    d = (X @ [1.0, -2.0, 0.5] > 0).astype(int)
    a = Adaline(3, learning_rate=0.01)
    mistakes = a.fit(X, d, epochs=20)
    assert mistakes[-1] <= 5 and len(a.mse_history) == 20
    assert a.mse_history[-1] < a.mse_history[0]
    before = a.w.copy()
    right = int(np.argmax(a.predict(X) == d))
    a.step(X[right], d[right])  # LMS also moves on a correctly classified example
    assert not np.allclose(a.w, before)


@pytest.mark.parametrize("call, words", [
    (lambda: Perceptron(2).predict(np.ones(3)), "examples of 2 features"),
    (lambda: Perceptron(2).step(np.ones(2), 2), "d must be 0 or 1"),
    (lambda: Perceptron(2).fit(np.ones((3, 2)), [0, 1], epochs=1), "expected shape (3,)"),
    (lambda: Perceptron(0), "n_features must be at least 1"),
    (lambda: Perceptron(2).fit(np.ones((2, 2)), [0, 1], epochs=0), "epochs must be at least 1"),
])
def test_perceptron_bad_input(call, words):
    with pytest.raises((ShapeError, TypeError), match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


# --- gradients of every network --------------------------------------------------

def check_model_gradients(model, X, y):
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name, param in model.params.items():
        numeric = numerical_gradient(lambda _: model.loss(X, y)[0], param, h=1e-5)
        assert grads[name].shape == param.shape
        assert rel_error(grads[name], numeric) < 1e-6, name


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients(reg):
    rng = np.random.default_rng(1)
    model = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, weight_scale=0.5,
                        reg=reg, seed=1)
    check_model_gradients(model, rng.standard_normal((4, 2, 3)), np.array([0, 2, 1, 2]))


@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_three_layer_convnet_gradients(reg):
    rng = np.random.default_rng(2)
    model = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3,
                              hidden_dim=7, num_classes=4, weight_scale=0.3, reg=reg,
                              dtype=np.float64, seed=2)
    check_model_gradients(model, rng.standard_normal((3, 2, 6, 6)), np.array([0, 3, 1]))


@pytest.mark.parametrize("spec", [
    "CONV-RELU-POOL-FC",
    "[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC",
    "(CONV-RELU-POOL)*1-(FC-RELU)*2-FC-SOFTMAX",
])
def test_convnet_gradients(spec):
    rng = np.random.default_rng(3)
    model = ConvNet.from_spec(spec, input_shape=(2, 8, 8), num_classes=3, filters=[3, 4, 3, 2][:parse_spec(spec).count("conv")],
                              hidden_dims=5, reg=0.1, dtype=np.float64, seed=3)
    check_model_gradients(model, rng.standard_normal((2, 2, 8, 8)), np.array([2, 0]))


# --- CS231n compatibility, shapes, summary --------------------------------------

def test_three_layer_convnet_has_cs231n_parameters():
    model = ThreeLayerConvNet()
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100),
                      "b2": (100,), "W3": (100, 10), "b3": (10,)}
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert np.isclose(model.params["W1"].std(), 1e-3, rtol=0.1)
    scores = model.loss(np.zeros((2, 3, 32, 32), dtype=np.float32))
    assert scores.shape == (2, 10) and scores.dtype == np.float32


def test_initial_loss_is_log_of_classes():
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=4, filter_size=3,
                              hidden_dim=10, dtype=np.float64, seed=0)
    X = np.random.default_rng(0).standard_normal((50, 1, 8, 8))
    loss, _ = model.loss(X, np.arange(50) % 10)
    assert abs(loss - np.log(10)) < 0.01


def test_spec_expands_the_lecture_pattern():
    assert parse_spec("[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC") == (
        ["conv", "relu", "conv", "relu", "pool"] * 2 + ["fc", "relu", "fc"])
    assert parse_spec("conv-relu-pool-fc-softmax") == ["conv", "relu", "pool", "fc"]


@pytest.mark.parametrize("spec, words", [
    ("[(CONV-RELU)*N-POOL?]*M-(FC-RELU)*K-SOFTMAX", "number of repetitions"),
    ("CONV-RELU", "last layer must be FC"),
    ("(CONV-RELU-FC", "expected ')' to close"),
    ("CONVV-FC", "unknown layer 'CONVV'"),
    ("FC-CONV-FC", "CONV and POOL layers must come before"),
    ("CONV-POOL?-FC", "'?' marks an optional layer"),
    ("CONV*0-FC", "at least once"),
    ("CONV-SOFTMAX-FC", "SOFTMAX can only be the last"),
    ("", "expected a layer"),
    ("CONV & FC", "unexpected character '&'"),
])
def test_malformed_specs(spec, words):
    with pytest.raises(SpecError, match=words.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")) as info:
        parse_spec(spec)
    assert spec in str(info.value) and "^" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_spec_must_be_a_string():
    with pytest.raises(TypeError, match="spec must be a string"):
        parse_spec(["CONV", "FC"])


def test_volumes_that_shrink_below_1x1_are_refused_layer_by_layer():
    with pytest.raises(ShapeError) as info:
        ConvNet.from_spec("(CONV-POOL)*4-FC", input_shape=(1, 8, 8), filters=4)
    message = str(info.value)
    assert "INPUT 8x8x1 -> CONV1 8x8x4 -> POOL1 4x4x4" in message
    assert "POOL3 1x1x4 -> CONV4 1x1x4 -> POOL4" in message
    assert "larger than" in message


def test_pool_that_does_not_fit_is_refused():
    with pytest.raises(ShapeError, match="POOL1.*not a whole number"):
        ConvNet.from_spec("CONV-POOL-FC", input_shape=(3, 7, 7), filters=2)


def test_filters_and_hidden_dims_per_layer():
    model = ConvNet.from_spec("CONV-CONV-FC-FC-FC", input_shape=(1, 4, 4), filters=[2, 3],
                              hidden_dims=[6, 5], num_classes=4)
    assert model.params["W2"].shape == (3, 2, 3, 3)
    assert model.params["W3"].shape == (48, 6) and model.params["W4"].shape == (6, 5)
    with pytest.raises(ShapeError, match="filters must be one number or a list"):
        ConvNet.from_spec("CONV-CONV-FC", input_shape=(1, 4, 4), filters=[2])


def test_summary_shows_the_lecture_arithmetic(capsys):
    model = ConvNet.from_spec("CONV-RELU-FC", input_shape=(3, 32, 32), filters=10,
                              filter_size=5, num_classes=10)
    model.summary()
    out = capsys.readouterr().out
    assert "32x32x10" in out and "(5*5*3 + 1)*10 = 760" in out
    rows = model.layer_table()
    assert rows[1] == ("CONV1", "32x32x10", 760, "(5*5*3 + 1)*10 = 760")
    assert f"total parameters: {760 + (32 * 32 * 10 + 1) * 10}" in out


def test_activations_follow_the_layers():
    model = ConvNet.from_spec("CONV-RELU-POOL-FC", input_shape=(1, 8, 8), filters=3, seed=0)
    acts = model.activations(np.ones((2, 1, 8, 8)))
    assert [name for name, _ in acts] == ["CONV1", "RELU1", "POOL1", "FC1"]
    assert [a.shape for _, a in acts] == [(2, 3, 8, 8), (2, 3, 8, 8), (2, 3, 4, 4), (2, 10)]


def test_models_refuse_inputs_of_the_wrong_shape():
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=2, filter_size=3, hidden_dim=4)
    with pytest.raises(ShapeError, match=r"X must be a batch of examples of shape \(1, 8, 8\)"):
        model.loss(np.ones((2, 3, 8, 8)))


def test_seed_makes_initialisation_reproducible():
    a = ConvNet.from_spec("CONV-FC", input_shape=(1, 4, 4), seed=5)
    b = ConvNet.from_spec("CONV-FC", input_shape=(1, 4, 4), seed=5)
    c = ConvNet.from_spec("CONV-FC", input_shape=(1, 4, 4), seed=6)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
