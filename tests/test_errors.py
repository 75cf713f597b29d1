"""The bad-input matrix: each public function x each kind of bad input.

Every case must raise the right exception before any work, with a message
that names the argument and the problem, in English and in Vietnamese.
"""
import numpy as np
import pytest

import convlab
from convlab import ShapeError, gradcheck, layers, shapes

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 6, 6))
W = rng.standard_normal((4, 3, 3, 3))
B = np.zeros(4)
CONV_OUT, CONV_CACHE = layers.conv_forward(X, W, B, stride=1, pad=1)
NAIVE_OUT, NAIVE_CACHE = layers.conv_forward_naive(X, W, B, stride=1, pad=1)
POOL_OUT, POOL_CACHE = layers.max_pool_forward(X, size=2, stride=2)
NPOOL_OUT, NPOOL_CACHE = layers.max_pool_forward_naive(X, size=2, stride=2)
AVG_OUT, AVG_CACHE = layers.avg_pool_forward(X, size=2, stride=2)
FC_X, FC_W, FC_B = rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 5)), np.zeros(5)
FC_OUT, FC_CACHE = layers.affine_forward(FC_X, FC_W, FC_B)
RELU_OUT, RELU_CACHE = layers.relu_forward(X)
SCORES, Y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 0])

# What each kind of problem says: (exception, English words, Vietnamese words)
NOT_ARRAY = (TypeError, "must be a NumPy array", "phải là mảng NumPy")
NOT_NUMERIC = (TypeError, "must hold numbers", "phải chứa số")
WRONG_NDIM = (ShapeError, "-D array", "chiều")
EMPTY = (ShapeError, "must not be empty", "không được rỗng")
CHANNELS = (ShapeError, "channels per filter", "kênh")
BIAS = (ShapeError, "one bias per", "một độ lệch (bias)")
TOO_SMALL = (ShapeError, "must be at least", "phải lớn hơn hoặc bằng")
NOT_WHOLE = (TypeError, "must be a whole number", "phải là số nguyên")
DOES_NOT_FIT = (ShapeError, "is not a whole number", "không phải là số nguyên")
TOO_BIG = (ShapeError, "larger than", "lớn hơn")
DOUT_SHAPE = (ShapeError, "must have the shape of the output of", "phải có cùng shape")
BAD_CACHE = (TypeError, "cache must be the cache returned by", "cache phải là cache do")
FEATURES = (ShapeError, "numbers per example", "mỗi mẫu của x")
LABEL_TYPE = (TypeError, "integer class labels", "nhãn lớp là số nguyên")
LABEL_COUNT = (ShapeError, "one label per row", "một nhãn cho mỗi hàng")
LABEL_RANGE = (ShapeError, "class labels from 0 to", "nhãn lớp từ 0 đến")
SAME_SHAPE = (ShapeError, "same shape", "cùng shape")


def conv_cases(name, forward):
    return [
        (f"{name}: x is a list", lambda: forward(X.tolist(), W, B), NOT_ARRAY, "x"),
        (f"{name}: w of strings", lambda: forward(X, W.astype(str), B), NOT_NUMERIC, "w"),
        (f"{name}: x of booleans", lambda: forward(X > 0, W, B), NOT_NUMERIC, "x"),
        (f"{name}: complex b", lambda: forward(X, W, B + 1j), NOT_NUMERIC, "b"),
        (f"{name}: x is 3-D", lambda: forward(X[0], W, B), WRONG_NDIM, "(N, C, H, W)"),
        (f"{name}: w is 2-D", lambda: forward(X, W[0, 0], B), WRONG_NDIM, "(F, C, HH, WW)"),
        (f"{name}: b is 2-D", lambda: forward(X, W, B[:, None]), WRONG_NDIM, "(F,)"),
        (f"{name}: empty batch", lambda: forward(X[:0], W, B), EMPTY, "x"),
        (f"{name}: channels", lambda: forward(X, W[:, :2], B), CHANNELS, "(2, 3, 6, 6)"),
        (f"{name}: bias length", lambda: forward(X, W, B[:3]), BIAS, "(4,)"),
        (f"{name}: stride 0", lambda: forward(X, W, B, stride=0), TOO_SMALL, "stride"),
        (f"{name}: stride 1.5", lambda: forward(X, W, B, stride=1.5), NOT_WHOLE, "stride"),
        (f"{name}: pad -1", lambda: forward(X, W, B, pad=-1), TOO_SMALL, "pad"),
        (f"{name}: pad '1'", lambda: forward(X, W, B, pad="1"), NOT_WHOLE, "pad"),
        (f"{name}: doesn't fit", lambda: forward(X, W, B, stride=2), DOES_NOT_FIT,
         "(6 - 3 + 2*0)/2 + 1 = 2.50"),
        (f"{name}: rectangular doesn't fit", lambda: forward(X[:, :, :5], W, B, stride=2, pad=0),
         DOES_NOT_FIT, "(6 - 3 + 2*0)/2 + 1"),
        (f"{name}: filter too big", lambda: forward(X, rng.standard_normal((4, 3, 7, 7)), B),
         TOO_BIG, "7x7"),
    ]


def backward_cases(name, backward, out, cache, forward_name):
    return [
        (f"{name}: dout is a list", lambda: backward(out.tolist(), cache), NOT_ARRAY, "dout"),
        (f"{name}: dout shape", lambda: backward(out[:1], cache), DOUT_SHAPE, str(out.shape)),
        (f"{name}: cache is None", lambda: backward(out, None), BAD_CACHE, forward_name),
        (f"{name}: cache too short", lambda: backward(out, cache[:2]), BAD_CACHE, forward_name),
    ]


def pool_cases(name, forward):
    return [
        (f"{name}: x is a list", lambda: forward(X.tolist()), NOT_ARRAY, "x"),
        (f"{name}: x of strings", lambda: forward(X.astype(str)), NOT_NUMERIC, "x"),
        (f"{name}: x is 2-D", lambda: forward(X[0, 0]), WRONG_NDIM, "(N, C, H, W)"),
        (f"{name}: empty", lambda: forward(X[:, :0]), EMPTY, "x"),
        (f"{name}: size 0", lambda: forward(X, size=0), TOO_SMALL, "size"),
        (f"{name}: stride 2.0", lambda: forward(X, stride=2.0), NOT_WHOLE, "stride"),
        (f"{name}: doesn't fit", lambda: forward(X, size=3, stride=2), DOES_NOT_FIT,
         "(6 - 3)/2 + 1 = 2.50"),
        (f"{name}: window too big", lambda: forward(X, size=7, stride=1), TOO_BIG, "7x7"),
    ]


CASES = (
    conv_cases("conv_forward", layers.conv_forward)
    + conv_cases("conv_forward_naive", layers.conv_forward_naive)
    + backward_cases("conv_backward", layers.conv_backward, CONV_OUT, CONV_CACHE, "conv_forward")
    + backward_cases("conv_backward_naive", layers.conv_backward_naive, NAIVE_OUT,
                     NAIVE_CACHE, "conv_forward_naive")
    + pool_cases("max_pool_forward", layers.max_pool_forward)
    + pool_cases("max_pool_forward_naive", layers.max_pool_forward_naive)
    + pool_cases("avg_pool_forward", layers.avg_pool_forward)
    + backward_cases("max_pool_backward", layers.max_pool_backward, POOL_OUT, POOL_CACHE,
                     "max_pool_forward")
    + backward_cases("max_pool_backward_naive", layers.max_pool_backward_naive, NPOOL_OUT,
                     NPOOL_CACHE, "max_pool_forward_naive")
    + backward_cases("avg_pool_backward", layers.avg_pool_backward, AVG_OUT, AVG_CACHE,
                     "avg_pool_forward")
    + backward_cases("affine_backward", layers.affine_backward, FC_OUT, FC_CACHE,
                     "affine_forward")
    + [
        ("affine_forward: x is a tuple", lambda: layers.affine_forward((1, 2), FC_W, FC_B),
         NOT_ARRAY, "x"),
        ("affine_forward: x of objects", lambda: layers.affine_forward(FC_X.astype(object), FC_W,
                                                                      FC_B), NOT_NUMERIC, "x"),
        ("affine_forward: x is 1-D", lambda: layers.affine_forward(FC_X.ravel(), FC_W, FC_B),
         (ShapeError, "batch axis", "trục batch"), "(24,)"),
        ("affine_forward: w is 1-D", lambda: layers.affine_forward(FC_X, FC_W[:, 0], FC_B),
         WRONG_NDIM, "(D, M)"),
        ("affine_forward: features", lambda: layers.affine_forward(FC_X, FC_W[:10], FC_B),
         FEATURES, "12"),
        ("affine_forward: bias length", lambda: layers.affine_forward(FC_X, FC_W, FC_B[:4]),
         BIAS, "(5,)"),
        ("relu_forward: x is a list", lambda: layers.relu_forward([1.0, -1.0]), NOT_ARRAY, "x"),
        ("relu_forward: x of strings", lambda: layers.relu_forward(np.array(["a"])),
         NOT_NUMERIC, "x"),
        ("relu_backward: dout shape", lambda: layers.relu_backward(RELU_OUT[:1], RELU_CACHE),
         DOUT_SHAPE, "dout"),
        ("relu_backward: cache is a list", lambda: layers.relu_backward(RELU_OUT, [1]),
         NOT_ARRAY, "cache"),
    ]
    + [case for loss in ("softmax_loss", "svm_loss") for case in [
        (f"{loss}: scores is 1-D", lambda f=getattr(layers, loss): f(SCORES[0], Y[:1]),
         WRONG_NDIM, "(N, K)"),
        (f"{loss}: y is a list", lambda f=getattr(layers, loss): f(SCORES, [0, 2, 1, 0]),
         NOT_ARRAY, "y"),
        (f"{loss}: y of floats", lambda f=getattr(layers, loss): f(SCORES, Y.astype(float)),
         LABEL_TYPE, "float64"),
        (f"{loss}: y too short", lambda f=getattr(layers, loss): f(SCORES, Y[:3]),
         LABEL_COUNT, "(4,)"),
        (f"{loss}: label 3 of 3 classes", lambda f=getattr(layers, loss): f(SCORES, Y + 1),
         LABEL_RANGE, "(scores"),
        (f"{loss}: negative label", lambda f=getattr(layers, loss): f(SCORES, Y - 1),
         LABEL_RANGE, "-1"),
    ]]
    + [
        ("conv_output_size: stride 0", lambda: shapes.conv_output_size(7, 3, stride=0),
         TOO_SMALL, "stride"),
        ("conv_output_size: n 7.5", lambda: shapes.conv_output_size(7.5, 3), NOT_WHOLE, "n"),
        ("conv_output_size: doesn't fit", lambda: shapes.conv_output_size(7, 3, stride=3),
         DOES_NOT_FIT, "(7 - 3 + 2*0)/3 + 1 = 2.33"),
        ("conv_output_size: filter too big", lambda: shapes.conv_output_size(3, 5), TOO_BIG,
         "5x5"),
        ("pool_output_size: size 0", lambda: shapes.pool_output_size(4, 0, 2), TOO_SMALL,
         "size"),
        ("pool_output_size: doesn't fit", lambda: shapes.pool_output_size(5, 2, 2),
         DOES_NOT_FIT, "(5 - 2)/2 + 1 = 2.50"),
        ("conv_param_count: filters None", lambda: shapes.conv_param_count(3, None, 5),
         NOT_WHOLE, "filters"),
        ("rel_error: shapes", lambda: gradcheck.rel_error(np.ones(2), np.ones(3)), SAME_SHAPE,
         "(2,)"),
        ("numerical_gradient: x is a list", lambda: gradcheck.numerical_gradient(sum, [1.0]),
         NOT_ARRAY, "x"),
        ("numerical_gradient_array: dout is a list",
         lambda: gradcheck.numerical_gradient_array(lambda v: v, np.ones(2), [1.0, 1.0]),
         NOT_ARRAY, "dout"),
    ]
)


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("call, problem, detail", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input(language, call, problem, detail):
    error, english, vietnamese = problem
    convlab.set_language(language)
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert (english if language == "en" else vietnamese) in message
    assert detail in message  # the argument, or the numbers seen


def test_case_names_are_unique():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))


def test_every_public_layer_function_is_in_the_matrix():
    public = {name for name in dir(layers)
              if name.endswith(("_forward", "_backward", "_naive", "_loss"))
              and callable(getattr(layers, name))}
    covered = {c[0].split(":")[0] for c in CASES}
    assert public <= covered, f"no bad-input cases for {sorted(public - covered)}"


def test_vietnamese_differs_from_english():
    call = CASES[0][1]
    messages = []
    for language in ("en", "vi"):
        convlab.set_language(language)
        with pytest.raises(TypeError) as info:
            call()
        messages.append(str(info.value))
    assert messages[0] != messages[1]


def test_language_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONVLAB_LANG", "vi")
    convlab.set_language(None)
    assert convlab.get_language() == "vi"
    with pytest.raises(ShapeError, match="không phải là số nguyên"):
        shapes.conv_output_size(7, 3, stride=3)
    monkeypatch.setenv("CONVLAB_LANG", "klingon")
    assert convlab.get_language() == "en"


def test_unknown_language_is_refused_in_both_languages():
    with pytest.raises(ValueError, match="choose one of en, vi.*hãy chọn"):
        convlab.set_language("fr")
