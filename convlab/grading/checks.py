"""The checks that the assignments' test cells call, one per exercise.

Each check runs the student's function on fixed cases (the lecture's worked
examples and seeded random inputs: several shapes, strides and pads,
rectangular inputs, a batch of 1), compares the results with convlab's
reference, shape first and then values, and prints one line when all pass.
On the first wrong case it raises an AssertionError that says what is wrong,
with a hint when the results match a common mistake (``hints.py``).

Only the inputs of a case are passed to the student's code, never one of
convlab's results; a backward pass gets the cache of the student's own
forward pass.
"""
import numpy as np

from convlab import examples

from convlab.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from convlab.grading import references as ref
from convlab.grading.runner import (
    Case, Failure, Task, WrongReturn, check, describe_error, error_hints, grade,
    hint_lines, passed, require_function, run, unpack)
from convlab.i18n import _

# Every student gets the same cases: one seed, and one stream per check.
SEED = 231

# The lecture's worked examples, as floats.
NINE_BY_NINE = examples.NINE_BY_NINE.astype(np.float64)
EDGE_FILTER = examples.EDGE_FILTER.astype(np.float64)
FIVE_BY_FIVE = examples.FIVE_BY_FIVE.astype(np.float64)
X_FILTER = examples.X_FILTER.astype(np.float64)
POOL_INPUT = examples.POOL_INPUT.astype(np.float64)
# A map whose 2x2 windows have tied maxima, as after a ReLU (zeros) or on
# repeated pixels: two 3s, four 0s, four 5s, two 2s.
TIED_MAXIMA = np.array([[1, 3, 0, 0],
                        [3, 2, 0, 0],
                        [5, 5, 2, 1],
                        [5, 5, 1, 2]], dtype=np.float64)

# Seeded convolutions: (x shape, w shape, stride, pad).
CONV_CONFIGS = [
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((2, 3, 5, 5), (2, 3, 3, 3), 2, 1),
    ((1, 2, 7, 7), (3, 2, 3, 3), 2, 0),
    ((2, 3, 6, 8), (2, 3, 3, 3), 1, 0),   # rectangular input
    ((1, 1, 7, 5), (2, 1, 3, 3), 2, 1),   # rectangular, one channel
    ((1, 3, 6, 4), (2, 3, 3, 2), 1, 0),   # rectangular filter
    ((1, 3, 4, 4), (2, 3, 5, 5), 1, 2),   # filter larger than the input
    ((2, 2, 8, 8), (2, 2, 2, 2), 3, 0),
    ((3, 1, 4, 6), (1, 1, 1, 1), 1, 0),   # 1x1 convolution
    ((1, 2, 7, 7), (2, 2, 3, 3), 3, 1),
]
CONV_BACKWARD_CONFIGS = [CONV_CONFIGS[i] for i in (0, 1, 2, 3, 4, 6)]
# Seeded max pooling: (x shape, size, stride).
POOL_CONFIGS = [
    ((2, 3, 4, 4), 2, 2),
    ((1, 2, 5, 5), 3, 2),   # overlapping windows
    ((2, 1, 6, 4), 2, 2),   # rectangular
    ((1, 3, 6, 6), 3, 3),
    ((1, 1, 5, 7), 3, 1),
    ((2, 2, 4, 6), 2, 1),
]
# The ThreeLayerConvNet the check builds (input 3x8x8: conv 3x8x8, pool 3x4x4).
NET_CONFIG = dict(input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7,
                  num_classes=4, weight_scale=1e-2, dtype=np.float64)
NET_REG = 0.1
GRADIENT_LIMIT = 1e-6
GRADIENT_ENTRIES = 6   # entries of each parameter checked numerically


def _rng(stream):
    return np.random.default_rng([SEED, stream])


def _distinct(rng, shape):
    """Values in [-1, 1) without ties (max pooling then has one argmax)."""
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) * (2.0 / size) - 1.0


def _away_from_zero(rng, shape):
    """Normal values at least 0.1 from 0, where ReLU has its kink."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + 0.1)


def _volume(array):
    """A (1, 1, H, W) float volume of a 2-D image."""
    return np.asarray(array, dtype=np.float64)[None, None]


# --- What a check calls: the student's code, results as a tuple -------------------

def _forward(function):
    """A forward pass returning (out, cache): out is compared, the cache is
    the student's own business."""
    return lambda *args: (unpack(function, function(*args), 2, "(out, cache)")[0],)


def _returns(function, layout, count=None):
    """A function returning ``count`` results (None: a single one)."""
    if count is None:
        return lambda *args: (unpack(function, function(*args), None, layout),)
    return lambda *args: unpack(function, function(*args), count, layout)


def _backward(forward, backward, layout, count=None):
    """A backward pass called with dout and the cache of the student's forward."""
    def program(*args):
        *inputs, dout = args
        cache = unpack(forward, forward(*inputs), 2, "(out, cache)")[1]
        result = unpack(backward, backward(dout, cache), count, layout)
        return result if count else (result,)
    return program


def _without_dout(cases):
    return [Case({k: v for k, v in case.args.items() if k != "dout"}, case.title)
            for case in cases]


def _forward_first(task, program, cases, backward_name):
    """A backward check first checks the forward pass it relies on."""
    try:
        grade(task, program, _without_dout(cases))
    except Failure as failure:
        raise Failure(_("{backward} is checked with your {forward}, which is not "
                        "right yet: make check_{forward} pass first.").format(
            backward=backward_name, forward=task.name) + "\n" + str(failure)) from None


# --- Explanations added to messages -------------------------------------------------

def _conv_shape(case, output):
    x, w, stride, pad = (case.args[k] for k in ("x", "w", "stride", "pad"))
    (N, _c, H, W), (F, _c, HH, WW) = x.shape, w.shape

    def formula(n, f):
        return f"({n} - {f} + 2*{pad})/{stride} + 1 = {(n - f + 2 * pad) / stride + 1:g}"
    shape = (N, F, (H - HH + 2 * pad) // stride + 1, (W - WW + 2 * pad) // stride + 1)
    return _("out has the shape (N, F, H2, W2) = {shape}, with H2 = (H - HH + 2P)/S + 1 "
             "= {height} and W2 = (W - WW + 2P)/S + 1 = {width}.").format(
        shape=shape, height=formula(H, HH), width=formula(W, WW))


def _pool_shape(case, output):
    x, size, stride = (case.args[k] for k in ("x", "size", "stride"))
    N, C, H, W = x.shape

    def formula(n):
        return f"({n} - {size})/{stride} + 1 = {(n - size) / stride + 1:g}"
    shape = (N, C, (H - size) // stride + 1, (W - size) // stride + 1)
    return _("out has the shape (N, C, H2, W2) = {shape}, with H2 = (H - F)/S + 1 = "
             "{height} and W2 = (W - F)/S + 1 = {width}, where F is the size of the "
             "pooling window.").format(shape=shape, height=formula(H), width=formula(W))


def _padded_shape(case, output):
    (N, C, H, W), pad = case.args["x"].shape, case.args["pad"]
    return _("The padded array has the shape (N, C, H + 2*pad, W + 2*pad) = {shape}: "
             "only H and W grow.").format(shape=(N, C, H + 2 * pad, W + 2 * pad))


def _gradient_shape(case, output):
    """dx has the shape of x, dw of w, dscores of scores..."""
    name = output[1:]
    if name not in case.args:
        return None
    return _("A gradient has the shape of what it is the gradient of: {output} has "
             "the shape of {input}, {shape}.").format(
        output=output, input=name, shape=np.shape(case.args[name]))


def _against_numerical(forward):
    """For a backward check: the relative error between the student's
    gradient and the numerical gradient of the forward pass."""
    def explain(case, output, got):
        args = {k: v for k, v in case.args.items() if k != "dout"}
        name = output[1:]
        if name not in args or got.shape != np.shape(args[name]):
            return None

        def f(value):
            return forward(**{**args, name: value})[0]
        numeric = numerical_gradient_array(f, np.array(args[name], dtype=np.float64),
                                           case.args["dout"])
        return _("Relative error between your {output} and the numerical gradient: "
                 "{error:.1e} (a right gradient gives less than 1e-7).").format(
            output=output, error=rel_error(got, numeric))
    return explain


def _unless_tied(explain):
    """For max pooling: ``explain``, except in a case where a window's maximum
    is tied. There max has no gradient, and the numerical one shares dout
    between the ties, which the instructions say not to do."""
    def explain_values(case, output, got):
        x, size, stride = (case.args[k] for k in ("x", "size", "stride"))
        for n, c, i, j in np.ndindex(*case.args["dout"].shape):
            window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
            if np.sum(window == window.max()) > 1:
                return None
        return explain(case, output, got)
    return explain_values


# --- The perceptron, fully connected layers, ReLU, softmax ---------------------------

def _perceptron_cases():
    rng = _rng(1)
    fixed = [
        (np.zeros(2), 0.0, np.array([1.0, 2.0]), 1, 1.0),        # w.x + b = 0
        (np.array([1.0, -1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5),
        (np.array([0.5, 0.5, -1.0]), -0.25, np.array([1.0, 0.0, 1.0]), 0, 0.1),
        (np.array([0.5, -0.5]), 0.0, np.array([1.0, 1.0]), 1, 1.0),
    ]
    for size in (3, 5, 4):
        fixed.append((rng.integers(-4, 5, size) * 0.5, float(rng.integers(-2, 3) * 0.5),
                      rng.integers(0, 2, size).astype(np.float64), int(rng.integers(0, 2)),
                      0.25))
    cases = [Case(dict(w=w, b=b, x=x, d=d, learning_rate=rate), show_values=True)
             for w, b, x, d, rate in fixed]
    photocells = rng.integers(0, 2, 400).astype(np.float64)
    cases.append(Case(dict(w=np.zeros(400), b=0.0, x=photocells, d=1, learning_rate=1.0),
                      _("the Mark I's 20x20 photocells")))
    return cases


@check
def check_perceptron_step(perceptron_step):
    """perceptron_step(w, b, x, d, learning_rate) -> (w_new, b_new, y)."""
    require_function("perceptron_step", perceptron_step)
    task = Task("perceptron_step", ("w_new", "b_new", "y"), ref.perceptron_step,
                hints="perceptron_step")
    program = _returns(perceptron_step, "(w_new, b_new, y)", 3)
    return passed(task.name, grade(task, program, _perceptron_cases()))


def _affine_cases(with_dout=False):
    rng = _rng(2)
    cases = []
    for x_shape, m in (((4, 5), 3), ((2, 3, 2, 2), 4), ((1, 6), 2), ((3, 2, 5), 6)):
        d = int(np.prod(x_shape[1:]))
        args = dict(x=rng.standard_normal(x_shape), w=rng.standard_normal((d, m)),
                    b=rng.standard_normal(m))
        if with_dout:
            args["dout"] = rng.standard_normal((x_shape[0], m))
        cases.append(Case(args))
    return cases


AFFINE_FORWARD = Task("affine_forward", ("out",), ref.affine_forward,
                      hints="affine_forward")


@check
def check_affine_forward(affine_forward):
    """affine_forward(x, w, b) -> (out, cache)."""
    require_function("affine_forward", affine_forward)
    return passed("affine_forward",
                  grade(AFFINE_FORWARD, _forward(affine_forward), _affine_cases()))


@check
def check_affine_backward(affine_forward, affine_backward):
    """affine_backward(dout, cache) -> (dx, dw, db), with the cache of affine_forward."""
    require_function("affine_forward", affine_forward)
    require_function("affine_backward", affine_backward)
    cases = _affine_cases(with_dout=True)
    _forward_first(AFFINE_FORWARD, _forward(affine_forward), cases, "affine_backward")
    task = Task("affine_backward", ("dx", "dw", "db"), ref.affine_backward,
                hints="affine_backward", explain_shape=_gradient_shape,
                explain_values=_against_numerical(ref.affine_forward))
    program = _backward(affine_forward, affine_backward, "(dx, dw, db)", 3)
    return passed(task.name, grade(task, program, cases))


def _relu_cases(with_dout=False):
    rng = _rng(3)
    cases = []
    for shape in ((3, 4), (2, 3, 4, 4), (1, 7)):
        args = dict(x=_away_from_zero(rng, shape))
        if with_dout:
            args["dout"] = rng.standard_normal(shape)
        cases.append(Case(args))
    return cases


RELU_FORWARD = Task("relu_forward", ("out",), ref.relu_forward, hints="relu_forward")


@check
def check_relu_forward(relu_forward):
    """relu_forward(x) -> (out, cache)."""
    require_function("relu_forward", relu_forward)
    return passed("relu_forward", grade(RELU_FORWARD, _forward(relu_forward), _relu_cases()))


@check
def check_relu_backward(relu_forward, relu_backward):
    """relu_backward(dout, cache) -> dx, with the cache of relu_forward."""
    require_function("relu_forward", relu_forward)
    require_function("relu_backward", relu_backward)
    cases = _relu_cases(with_dout=True)
    _forward_first(RELU_FORWARD, _forward(relu_forward), cases, "relu_backward")
    task = Task("relu_backward", ("dx",), ref.relu_backward, hints="relu_backward",
                explain_shape=_gradient_shape,
                explain_values=_against_numerical(ref.relu_forward))
    program = _backward(relu_forward, relu_backward, "dx")
    return passed(task.name, grade(task, program, cases))


@check
def check_softmax_loss(softmax_loss):
    """softmax_loss(scores, y) -> (loss, dscores)."""
    require_function("softmax_loss", softmax_loss)
    rng = _rng(4)
    cases = [Case(dict(scores=rng.standard_normal((5, 4)), y=rng.integers(0, 4, 5))),
             Case(dict(scores=rng.standard_normal((1, 3)), y=np.array([2]))),
             Case(dict(scores=10 * rng.standard_normal((3, 10)), y=rng.integers(0, 10, 3))),
             Case(dict(scores=rng.standard_normal((4, 2)), y=np.array([0, 1, 1, 0]))),
             Case(dict(scores=np.array([[1000.0, 1001.0, 999.0], [1002.0, 1000.0, 998.0]]),
                       y=np.array([0, 2])), _("large scores"))]
    task = Task("softmax_loss", ("loss", "dscores"), ref.softmax_loss, hints="softmax_loss",
                explain_shape=_gradient_shape)
    program = _returns(softmax_loss, "(loss, dscores)", 2)
    return passed(task.name, grade(task, program, cases))


# --- Output size, zero padding, one step, parameter count ----------------------------

@check
def check_conv_output_size(conv_output_size):
    """conv_output_size(n, f, stride=1, pad=0) -> int; a ValueError when it does not fit."""
    require_function("conv_output_size", conv_output_size)
    configs = [(7, 3, 1, 0), (7, 3, 2, 0), (7, 3, 3, 0), (32, 5, 1, 0), (32, 5, 1, 2),
               (5, 3, 1, 1), (227, 11, 4, 0), (9, 3, 1, 0), (10, 3, 2, 0), (3, 5, 1, 0),
               (4, 5, 1, 2), (7, 3, 3, 1)]
    cases = [Case(dict(n=n, f=f, stride=s, pad=p)) for n, f, s, p in configs]
    task = Task("conv_output_size", ("size",), ref.conv_output_size,
                hints="conv_output_size", integer=True, rtol=0, atol=0)
    return passed(task.name, grade(task, _returns(conv_output_size, _("an int")), cases))


@check
def check_zero_pad(zero_pad):
    """zero_pad(x, pad) -> x with pad zeros around H and W."""
    require_function("zero_pad", zero_pad)
    rng = _rng(5)
    cases = [Case(dict(x=rng.standard_normal(shape) + 3, pad=pad))
             for shape, pad in (((2, 3, 4, 4), 1), ((1, 1, 3, 5), 2), ((2, 2, 2, 3), 0),
                                ((1, 2, 3, 3), 3))]
    task = Task("zero_pad", ("xp",), ref.zero_pad, hints="zero_pad",
                explain_shape=_padded_shape, rtol=0, atol=0)
    return passed(task.name, grade(task, _returns(zero_pad, "xp"), cases))


@check
def check_conv_single_step(conv_single_step):
    """conv_single_step(a_slice, w, b) -> float: np.sum(a_slice * w) + b."""
    require_function("conv_single_step", conv_single_step)
    rng = _rng(6)
    cases = [Case(dict(a_slice=FIVE_BY_FIVE[None, :3, :3], w=X_FILTER[None], b=0.0),
                  _("the lecture's 5x5 image and 3x3 filter, first window"))]
    for shape in ((3, 3, 3), (1, 5, 5), (4, 2, 2), (2, 3, 2)):
        cases.append(Case(dict(a_slice=rng.standard_normal(shape),
                               w=rng.standard_normal(shape),
                               b=float(rng.standard_normal()))))
    task = Task("conv_single_step", ("Z",), ref.conv_single_step, hints="conv_single_step")
    return passed(task.name, grade(task, _returns(conv_single_step, _("a float")), cases))


@check
def check_conv_param_count(conv_param_count):
    """conv_param_count(in_channels, filters, f) -> int."""
    require_function("conv_param_count", conv_param_count)
    configs = [(3, 10, 5), (1, 1, 1), (3, 96, 11), (64, 128, 3), (16, 32, 1)]
    cases = [Case(dict(in_channels=c, filters=k, f=f)) for c, k, f in configs]
    cases[0].title = _("the lecture's ten 5x5 filters on a 32x32x3 input")
    task = Task("conv_param_count", ("count",), ref.conv_param_count,
                hints="conv_param_count", integer=True, rtol=0, atol=0)
    return passed(task.name, grade(task, _returns(conv_param_count, _("an int")), cases))


# --- Convolution --------------------------------------------------------------------

def _conv_cases(configs=CONV_CONFIGS, lecture=True, with_dout=False):
    rng = _rng(7)
    cases = []
    if lecture:
        cases.append(Case(dict(x=_volume(NINE_BY_NINE), w=_volume(EDGE_FILTER),
                               b=np.zeros(1), stride=1, pad=0),
                          _("the lecture's 9x9 input and [1 0 -1] filter")))
        cases.append(Case(dict(x=_volume(FIVE_BY_FIVE), w=_volume(X_FILTER),
                               b=np.zeros(1), stride=1, pad=0),
                          _("the lecture's 5x5 image and 3x3 filter")))
    for x_shape, w_shape, stride, pad in configs:
        args = dict(x=rng.standard_normal(x_shape), w=rng.standard_normal(w_shape),
                    b=rng.standard_normal(w_shape[0]), stride=stride, pad=pad)
        if with_dout:
            H2 = (x_shape[2] - w_shape[2] + 2 * pad) // stride + 1
            W2 = (x_shape[3] - w_shape[3] + 2 * pad) // stride + 1
            args["dout"] = rng.standard_normal((x_shape[0], w_shape[0], H2, W2))
        cases.append(Case(args))
    return cases


def _conv_forward_task(name):
    return Task(name, ("out",), ref.conv_forward, hints="conv_forward",
                explain_shape=_conv_shape)


@check
def check_conv_forward_naive(conv_forward_naive):
    """conv_forward_naive(x, w, b, stride=1, pad=0) -> (out, cache)."""
    require_function("conv_forward_naive", conv_forward_naive)
    task = _conv_forward_task("conv_forward_naive")
    return passed(task.name, grade(task, _forward(conv_forward_naive), _conv_cases()))


@check
def check_conv_forward_fast(conv_forward_fast):
    """conv_forward_fast(x, w, b, stride=1, pad=0) -> (out, cache), same results
    as the naive one."""
    require_function("conv_forward_fast", conv_forward_fast)
    task = _conv_forward_task("conv_forward_fast")
    return passed(task.name, grade(task, _forward(conv_forward_fast), _conv_cases()))


@check
def check_conv_backward_naive(conv_forward_naive, conv_backward_naive):
    """conv_backward_naive(dout, cache) -> (dx, dw, db), with the cache of
    the student's conv_forward_naive."""
    require_function("conv_forward_naive", conv_forward_naive)
    require_function("conv_backward_naive", conv_backward_naive)
    cases = _conv_cases(CONV_BACKWARD_CONFIGS, lecture=False, with_dout=True)
    _forward_first(_conv_forward_task("conv_forward_naive"), _forward(conv_forward_naive),
                   cases, "conv_backward_naive")
    task = Task("conv_backward_naive", ("dx", "dw", "db"), ref.conv_backward,
                hints="conv_backward", explain_shape=_gradient_shape,
                explain_values=_against_numerical(ref.conv_forward))
    program = _backward(conv_forward_naive, conv_backward_naive, "(dx, dw, db)", 3)
    return passed(task.name, grade(task, program, cases))


# --- Max pooling --------------------------------------------------------------------

def _pool_cases(with_dout=False):
    """The lecture's example and seeded inputs without ties; for the backward
    pass, also a map whose windows have tied maxima."""
    rng = _rng(8)
    cases = [Case(dict(x=_volume(POOL_INPUT), size=2, stride=2),
                  _("the lecture's 4x4 example"))]
    for shape, size, stride in POOL_CONFIGS:
        cases.append(Case(dict(x=_distinct(rng, shape), size=size, stride=stride)))
    if with_dout:
        cases.append(Case(dict(x=_volume(TIED_MAXIMA), size=2, stride=2),
                          _("windows with tied maxima: the gradient goes to the first "
                            "maximum in reading order")))
        for case in cases:
            x, size, stride = case.args["x"], case.args["size"], case.args["stride"]
            out_shape = x.shape[:2] + tuple((n - size) // stride + 1 for n in x.shape[2:])
            case.args["dout"] = rng.standard_normal(out_shape)
    return cases


MAX_POOL_FORWARD = Task("max_pool_forward_naive", ("out",), ref.max_pool_forward,
                        hints="max_pool_forward", explain_shape=_pool_shape)


@check
def check_max_pool_forward_naive(max_pool_forward_naive):
    """max_pool_forward_naive(x, size=2, stride=2) -> (out, cache)."""
    require_function("max_pool_forward_naive", max_pool_forward_naive)
    return passed(MAX_POOL_FORWARD.name, grade(
        MAX_POOL_FORWARD, _forward(max_pool_forward_naive), _pool_cases()))


@check
def check_max_pool_backward_naive(max_pool_forward_naive, max_pool_backward_naive):
    """max_pool_backward_naive(dout, cache) -> dx, with the cache of the
    student's max_pool_forward_naive."""
    require_function("max_pool_forward_naive", max_pool_forward_naive)
    require_function("max_pool_backward_naive", max_pool_backward_naive)
    cases = _pool_cases(with_dout=True)
    _forward_first(MAX_POOL_FORWARD, _forward(max_pool_forward_naive), cases,
                   "max_pool_backward_naive")
    task = Task("max_pool_backward_naive", ("dx",), ref.max_pool_backward,
                hints="max_pool_backward", explain_shape=_gradient_shape,
                explain_values=_unless_tied(_against_numerical(ref.max_pool_forward)))
    program = _backward(max_pool_forward_naive, max_pool_backward_naive, "dx")
    return passed(task.name, grade(task, program, cases))


# --- ThreeLayerConvNet ----------------------------------------------------------------

def _call_text(config):
    """ThreeLayerConvNet(input_dim=(3, 8, 8), ...) as a student would write it."""
    def value(v):
        return f"np.{np.dtype(v).name}" if isinstance(v, type) else repr(v)
    return "ThreeLayerConvNet(" + ", ".join(f"{k}={value(v)}" for k, v in config.items()) + ")"


def _student_net(model_class, config, params=None):
    """The student's network, built with ``config``, its parameters set to ``params``."""
    model = model_class(**config)
    found = getattr(model, "params", None)
    if not isinstance(found, dict):
        raise WrongReturn(_("{name} must keep its parameters in a dict self.params, "
                            "got {type}.").format(name=model_class.__name__,
                                                  type=type(found).__name__))
    if set(found) != set(ref.NET_PARAMS):
        raise WrongReturn(_("self.params must have the keys {expected}, got "
                            "{got}.").format(expected=", ".join(ref.NET_PARAMS),
                                             got=", ".join(map(str, found)) or "{}"))
    for name, value in (params or {}).items():
        model.params[name] = value.copy()
    return model


def _net_loss(model, X, y):
    """(loss, grads) of the student's network, checked to be a number and a dict."""
    loss, grads = unpack(model.loss, model.loss(X, y), 2, "(loss, grads)")
    if not isinstance(grads, dict) or set(grads) != set(ref.NET_PARAMS):
        raise WrongReturn(_("grads must be a dict with the keys of params ({expected}), "
                            "got {got}.").format(
            expected=", ".join(ref.NET_PARAMS),
            got=", ".join(map(str, grads)) if isinstance(grads, dict)
            else type(grads).__name__))
    return loss, grads


def _net_volumes(case, output):
    config = case.args["config"]
    (C, H, W), F = config["input_dim"], config["num_filters"]
    pooled = (F, H // 2, W // 2)
    return _("The volumes: input {input} -> conv {conv} -> 2x2 max pool {pool} -> hidden "
             "layer {hidden} -> {classes} scores. W2 has one row per number of the "
             "pooled volume: {rows}.").format(
        input=(C, H, W), conv=(F, H, W), pool=pooled, hidden=config["hidden_dim"],
        classes=config["num_classes"], rows=int(np.prod(pooled)))


def _initial_loss_help(case, output, got):
    classes = case.args["config"]["num_classes"]
    return _("With small random weights (weight_scale * np.random.randn(...)) and zero "
             "biases, every class gets about the same score, so the first loss is close "
             "to log(num_classes) = log({classes}) = {expected:.4f}. Check the "
             "initialisation.").format(classes=classes, expected=np.log(classes))


def _net_cases(rng, regs):
    """Inputs, labels and parameters (set by the check) for the loss and gradients."""
    shapes = [p.shape for p in ref.net_params(NET_CONFIG)]
    scales = (0.3, 0.1, 0.15, 0.1, 0.3, 0.1)
    cases = []
    for n, reg in zip((2, 3), regs):
        params = {name: scale * rng.standard_normal(shape)
                  for name, shape, scale in zip(ref.NET_PARAMS, shapes, scales)}
        cases.append(Case(dict(config={**NET_CONFIG, "reg": reg},
                               X=rng.standard_normal((n,) + NET_CONFIG["input_dim"]),
                               y=rng.integers(0, NET_CONFIG["num_classes"], n),
                               params=params),
                          _("parameters set by the check, reg={reg}").format(reg=reg)))
    return cases


def _gradient_errors(model_class):
    """The student's analytic gradients against numerical gradients of the
    student's own loss, on a few entries of each parameter: {name: rel error}."""
    def program(config, X, y, params):
        model = _student_net(model_class, config, params)
        grads = _net_loss(model, X, y)[1]
        errors = {}
        rng = _rng(10)
        for name in ref.NET_PARAMS:
            values = model.params[name]
            picked = rng.choice(values.size, min(GRADIENT_ENTRIES, values.size), replace=False)
            where = np.unravel_index(picked, values.shape)

            def loss_at(entries):
                values[where] = entries
                return float(_net_loss(model, X, y)[0])
            original = values[where].copy()
            numeric = numerical_gradient(loss_at, original.copy())
            values[where] = original
            errors[name] = rel_error(np.asarray(grads[name])[where], numeric)
        return (errors,)
    return program


@check
def check_three_layer_convnet(model_class):
    """ThreeLayerConvNet(input_dim, num_filters, filter_size, hidden_dim,
    num_classes, weight_scale, reg, dtype), CS231n's interface: params
    W1, b1, W2, b2, W3, b3; loss(X) -> scores; loss(X, y) -> (loss, grads)."""
    require_function("ThreeLayerConvNet", model_class)
    name = "ThreeLayerConvNet"
    rng = _rng(9)
    count = 0

    # 1. The parameters' names and shapes, and the dtype asked for.
    def params_of(config):
        model = _student_net(model_class, config)
        for key in ref.NET_PARAMS:
            if np.asarray(model.params[key]).dtype != np.dtype(config["dtype"]):
                raise WrongReturn(_("params['{key}'] has dtype {got}, but the network "
                                    "was built with dtype={expected}: convert it with "
                                    ".astype(dtype).").format(
                    key=key, got=np.asarray(model.params[key]).dtype,
                    expected=np.dtype(config["dtype"]).name))
        return tuple(model.params[key] for key in ref.NET_PARAMS)
    shapes = Task(name, tuple(f"params['{k}']" for k in ref.NET_PARAMS), ref.net_params,
                  hints="three_layer_convnet.params", shape_only=True,
                  explain_shape=_net_volumes)
    count += grade(shapes, params_of, [Case(dict(config=NET_CONFIG), _call_text(NET_CONFIG))])

    # 2. With its own small random weights, the first loss is about log(C).
    def initial_loss(config, X, y):
        return (_net_loss(model_class(**config), X, y)[0],)
    first = Task(name, ("loss",), lambda config, X, y: (np.log(config["num_classes"]),),
                 rtol=0, atol=0.05, explain_values=_initial_loss_help)
    count += grade(first, initial_loss, [Case(dict(
        config=NET_CONFIG, X=rng.standard_normal((4,) + NET_CONFIG["input_dim"]),
        y=rng.integers(0, NET_CONFIG["num_classes"], 4)),
        _("the first loss, with the network's own initial weights"))])

    # 3. Scores, loss and gradients against convlab's network with the same parameters.
    def results(config, X, y, params):
        model = _student_net(model_class, config, params)
        scores = model.loss(X)
        loss, grads = _net_loss(model, X, y)
        return (scores, loss) + tuple(grads[key] for key in ref.NET_PARAMS)
    same = Task(name, ("scores", "loss") + ref.NET_GRADS, ref.net_loss,
                hints="three_layer_convnet.loss", rtol=1e-6, atol=1e-9)
    cases = _net_cases(rng, (0.0, NET_REG))
    count += grade(same, results, cases)

    # 4. Analytic gradients against numerical ones, as in CS231n.
    outcome = run(_gradient_errors(model_class), cases[1], student=True)
    if not outcome.returned:
        lines = [_("{name} fails in the gradient check: {case}.").format(
            name=name, case=cases[1].label()), describe_error(outcome)]
        raise Failure("\n".join(lines + hint_lines(error_hints(outcome.error))))
    for key, error in outcome.values[0].items():
        if not error < GRADIENT_LIMIT:
            raise Failure(_("{name} fails in the gradient check: {case}.").format(
                name=name, case=cases[1].label()) + "\n" + _(
                "grads['{key}'] does not agree with the numerical gradient of your loss: "
                "relative error {error:.1e}, it should be below {limit:.0e}.").format(
                key=key, error=error, limit=GRADIENT_LIMIT))
    return passed(name, count + 1)
