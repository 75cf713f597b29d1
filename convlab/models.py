"""Models, from the 1957 perceptron to ConvNets.

The early learning machines of the lecture:

- ``Perceptron``: Rosenblatt's rule (1957), f(x) = 1 if w.x + b > 0 else 0,
  w_i(t+1) = w_i(t) + alpha (d - y(t)) x_i.
- ``Adaline``: Widrow and Hoff's LMS rule (1960) on the linear output.

Networks trained by backpropagation, with CS231n's model interface (so its
material carries over): ``params`` is a dict of arrays and ``loss(X, y=None)``
returns the class scores (N, num_classes) without labels, or
``(loss, grads)`` with labels, ``grads`` keyed like ``params``:

- ``TwoLayerNet``: f = W2 max(0, W1 x), with biases.
- ``ThreeLayerConvNet``: conv - relu - 2x2 max pool - affine - relu - affine.
- ``ConvNet.from_spec("[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC", ...)``: the
  lecture's pattern [(CONV-RELU)*N-POOL?]*M-(FC-RELU)*K-SOFTMAX.

All three are a stack of ``Layer`` objects run by ``Net``, which also
prints ``summary()``: each layer's output volume and parameter count.
They take ``device="gpu"`` (or ``model.to("gpu")``): the parameters move to
the GPU once, and every ``loss`` then computes there (a NumPy batch is moved
on the way in); ``predict`` and ``activations`` return NumPy arrays.
"""
import numpy as np

from convlab import checks, layers
from convlab.gpu.backend import check_device, to_cpu, to_device
from convlab.errors import ShapeError
from convlab.i18n import _
from convlab.shapes import fitted_size, pooled_size
from convlab.spec import parse_spec


# --- 1957 and 1960 -----------------------------------------------------------

class Perceptron:
    """Rosenblatt's perceptron (1957): a threshold unit and its learning rule.

    - predict: f(x) = 1 if w.x + b > 0 else 0
    - learn one example: w_i(t+1) = w_i(t) + alpha (d - y(t)) x_i, and
      b(t+1) = b(t) + alpha (d - y(t)), where d is the desired output.

    The Mark I Perceptron's 20x20 photocells give n_features = 400.
    """

    def __init__(self, n_features, learning_rate=1.0):
        self.n_features = checks.whole_number("n_features", n_features, minimum=1)
        self.learning_rate = float(learning_rate)
        self.w = np.zeros(self.n_features)
        self.b = 0.0

    def net_input(self, X):
        """w.x + b for one example x (D,) or each row of X (N, D)."""
        X = self._examples(X)
        return X @ self.w + self.b

    def predict(self, X):
        """1 where w.x + b > 0, else 0: an int for x (D,), an array for X (N, D)."""
        out = (self.net_input(X) > 0).astype(int)
        return int(out) if np.ndim(out) == 0 else out

    def step(self, x, d):
        """Learn from one example x (D,) with desired output d (0 or 1).

        Returns y(t), the output before the update.
        """
        y = self.predict(x)
        error = _binary("d", d) - y
        self.w = self.w + self.learning_rate * error * self._examples(x)
        self.b = self.b + self.learning_rate * error
        return y

    def fit(self, X, d, epochs=10):
        """Apply ``step`` to every example in order, ``epochs`` times.

        Returns the number of mistakes (examples with y(t) != d) in each epoch.
        """
        X = self._examples(X)
        d = _binary_array("d", d, len(X))
        epochs = checks.whole_number("epochs", epochs, minimum=1)
        mistakes = []
        for _ in range(epochs):
            mistakes.append(int(sum(self.step(x, target) != target
                                    for x, target in zip(X, d))))
            self._end_of_epoch(X, d)
        return mistakes

    def _end_of_epoch(self, X, d):
        """Hook for subclasses that record something after each epoch."""

    def _examples(self, X):
        X = checks.array("X", np.asarray(X) if isinstance(X, list) else X)
        if X.shape[-1] != self.n_features or X.ndim > 2:
            raise ShapeError(_("X must hold examples of {d} features, (N, {d}) or "
                               "({d},), got shape {shape}.").format(
                d=self.n_features, shape=X.shape))
        return X


class Adaline(Perceptron):
    """Widrow and Hoff's ADALINE (1960): learn on the linear output.

    The output is still thresholded, y = 1 if w.x + b > 0 else 0, but the
    least-mean-squares (LMS) rule moves w towards the target t = +1 (d = 1)
    or -1 (d = 0) in proportion to the linear error:
    w_i(t+1) = w_i(t) + alpha (t - w.x - b) x_i. Unlike the perceptron it
    also learns from examples it already classifies right.
    """

    def __init__(self, n_features, learning_rate=0.01):
        super().__init__(n_features, learning_rate)
        self.mse_history = []

    def step(self, x, d):
        """Learn from one example; returns y(t), the output before the update."""
        y = self.predict(x)
        error = (2 * _binary("d", d) - 1) - self.net_input(x)
        self.w = self.w + self.learning_rate * error * self._examples(x)
        self.b = self.b + self.learning_rate * error
        return y

    def _end_of_epoch(self, X, d):
        """Record the mean squared error of the linear output after each epoch."""
        self.mse_history.append(float(np.mean((2 * d - 1 - self.net_input(X)) ** 2)))


def _binary(name, d):
    if d not in (0, 1):
        raise ShapeError(_("{name} must be 0 or 1 (the desired output), got "
                           "{value}.").format(name=name, value=d))
    return int(d)


def _binary_array(name, d, n):
    d = np.asarray(d)
    if d.shape != (n,) or not np.isin(d, (0, 1)).all():
        raise ShapeError(_("{name} must hold one desired output, 0 or 1, per "
                           "example: expected shape ({n},), got {shape}.").format(
            name=name, n=n, shape=d.shape))
    return d.astype(int)


# --- Networks trained by backpropagation ------------------------------------

class Layer:
    """One layer of a Net: its kind, hyperparameters, parameter names and
    the shape of its output for one example.

    kind: "conv", "relu", "pool" (max pooling) or "fc" (affine).
    """

    def __init__(self, kind, name, out_shape, weight=None, bias=None, stride=1,
                 pad=0, size=2):
        self.kind, self.name, self.out_shape = kind, name, out_shape
        self.weight, self.bias = weight, bias
        self.stride, self.pad, self.size = stride, pad, size

    def forward(self, x, params):
        """Returns (out, cache), through convlab.layers."""
        if self.kind == "conv":
            return layers.conv_forward(x, params[self.weight], params[self.bias],
                                       stride=self.stride, pad=self.pad)
        if self.kind == "relu":
            return layers.relu_forward(x)
        if self.kind == "pool":
            return layers.max_pool_forward(x, size=self.size, stride=self.stride)
        return layers.affine_forward(x, params[self.weight], params[self.bias])

    def backward(self, dout, cache, need_dx=True):
        """Returns (dx, grads): grads maps this layer's parameter names to gradients.

        need_dx=False lets a first conv layer skip the gradient of its input.
        """
        if self.kind == "conv":
            dx, dw, db = layers.conv_backward(dout, cache, need_dx=need_dx)
        elif self.kind == "fc":
            dx, dw, db = layers.affine_backward(dout, cache)
        elif self.kind == "relu":
            return layers.relu_backward(dout, cache), {}
        else:
            return layers.max_pool_backward(dout, cache), {}
        return dx, {self.weight: dw, self.bias: db}

    def __repr__(self):
        return f"Layer({self.name}, out={self.out_shape})"


class Net:
    """A stack of layers and a softmax loss with L2 regularisation.

    Attributes:
    - params: dict of parameter arrays, "W1", "b1", "W2", ... in layer order
    - layers: list of Layer
    - input_shape: the shape of one example, e.g. (3, 32, 32)
    - reg: L2 strength; the loss adds 0.5 * reg * sum(W**2) over weights
    - dtype: the parameters' dtype; inputs are converted to it
    - device: "cpu" or "gpu", where the parameters live and losses compute
    """

    def __init__(self, input_shape, layer_list, params, reg=0.0, dtype=np.float32,
                 device="cpu"):
        self.input_shape = tuple(input_shape)
        self.layers = layer_list
        self.params = {k: v.astype(dtype) for k, v in params.items()}
        self.reg = float(reg)
        self.dtype = np.dtype(dtype)
        self.device = "cpu"
        self.to(device)

    def to(self, device):
        """Move the parameters to ``device`` ("cpu" or "gpu"), once; returns the model.

        "gpu" needs CuPy and a working GPU (RuntimeError saying what is
        missing otherwise; see docs/gpu.md).
        """
        self.device = check_device(device)
        self.params = {k: to_device(v, self.device) for k, v in self.params.items()}
        return self

    def loss(self, X, y=None):
        """Scores (N, num_classes) if y is None, else (loss, grads).

        X: (N, *input_shape); y: (N,) integer labels.
        """
        X = self._inputs(X)
        scores, caches = self._forward(X)
        if y is None:
            return scores
        loss, dout = layers.softmax_loss(scores, to_device(y, self.device))
        grads = {}
        for layer, cache in zip(reversed(self.layers), reversed(caches)):
            # The input images need no gradient: skip it in the first layer.
            first = layer is self.layers[0]
            dout, layer_grads = layer.backward(dout, cache, need_dx=not first)
            grads.update(layer_grads)
        for name in self.weight_names():
            loss += 0.5 * self.reg * float(np.sum(self.params[name] ** 2))
            grads[name] = grads[name] + self.reg * self.params[name]
        return loss, grads

    def predict(self, X, batch_size=500):
        """The class with the highest score for each example: (N,) ints."""
        return np.concatenate([to_cpu(np.argmax(self.loss(X[i:i + batch_size]), axis=1))
                               for i in range(0, len(X), batch_size)])

    def activations(self, X):
        """Every layer's output for X: a list of (layer name, array) in order."""
        out, result = self._inputs(X), []
        for layer in self.layers:
            out, _cache = layer.forward(out, self.params)
            result.append((layer.name, to_cpu(out)))
        return result

    def weight_names(self):
        return [layer.weight for layer in self.layers if layer.weight]

    def layer_table(self):
        """Rows (name, output volume, parameter count, arithmetic) of summary()."""
        rows = [("INPUT", _volume(self.input_shape), 0, "")]
        for layer in self.layers:
            count, formula = 0, ""
            if layer.weight:
                w = self.params[layer.weight]
                count = w.size + self.params[layer.bias].size
                if layer.kind == "conv":
                    F, C, HH, WW = w.shape
                    formula = f"({HH}*{WW}*{C} + 1)*{F} = {count}"
                else:
                    formula = f"({w.shape[0]} + 1)*{w.shape[1]} = {count}"
            rows.append((layer.name, _volume(layer.out_shape), count, formula))
        return rows

    def summary(self):
        """Print each layer's output volume and parameter count, and the total."""
        rows = self.layer_table()
        header = (_("layer"), _("output volume"), _("parameters"), "")
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(3)]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(header[:3], widths))]
        lines.append("-" * (sum(widths) + 4))
        for name, volume, count, formula in rows:
            lines.append(f"{name.ljust(widths[0])}  {volume.ljust(widths[1])}  "
                         f"{str(count).rjust(widths[2])}  {formula}".rstrip())
        lines.append("-" * (sum(widths) + 4))
        lines.append(_("total parameters: {total}").format(
            total=sum(r[2] for r in rows)))
        print("\n".join(lines))

    def _forward(self, X):
        caches = []
        for layer in self.layers:
            X, cache = layer.forward(X, self.params)
            caches.append(cache)
        return X, caches

    def _inputs(self, X):
        checks.array("X", X)
        if X.shape[1:] != self.input_shape:
            raise ShapeError(_("X must be a batch of examples of shape {expected}: "
                               "expected (N, {inner}), got {shape}.").format(
                expected=self.input_shape, inner=", ".join(map(str, self.input_shape)),
                shape=X.shape))
        return to_device(X, self.device).astype(self.dtype, copy=False)

    def __repr__(self):
        return (f"{type(self).__name__}(" + " - ".join(l.name for l in self.layers)
                + f", input {self.input_shape})")


def _volume(shape):
    """The lecture's way of writing a volume: 32x32x3 (W x H x D) or 10."""
    if len(shape) == 3:
        D, H, W = shape
        return f"{W}x{H}x{D}"
    return str(shape[0])


def build(input_shape, kinds, num_classes, filters, filter_size, hidden_dims,
          pool_size=2, pool_stride=2, pad=None, weight_scale=None, seed=None,
          description=None):
    """Layers and initial parameters for a stack of ``kinds``.

    kinds: e.g. ["conv", "relu", "pool", "fc", "relu", "fc"]; the last FC
    layer has num_classes outputs, the others take their sizes from
    hidden_dims (one per hidden FC), conv layers from filters (one per conv).
    Convolutions use stride 1 and pad (filter_size - 1)/2 unless ``pad`` is
    given. Weights are weight_scale * N(0, 1), or He's sqrt(2 / fan_in)
    when weight_scale is None; biases start at zero.

    Raises ShapeError, with the volumes layer by layer, when a layer does
    not fit the volume it receives.
    """
    rng = np.random.default_rng(seed)
    pad = (filter_size - 1) // 2 if pad is None else pad
    filters, hidden_dims = list(filters), list(hidden_dims)
    shape, trail = tuple(input_shape), [f"INPUT {_volume(tuple(input_shape))}"]
    layer_list, params, counts = [], {}, {}
    n_fc = kinds.count("fc")

    def new_weights(shape_, fan_in):
        k = len(params) // 2 + 1
        scale = np.sqrt(2.0 / fan_in) if weight_scale is None else weight_scale
        params[f"W{k}"] = scale * rng.standard_normal(shape_)
        params[f"b{k}"] = np.zeros(shape_[0] if len(shape_) == 4 else shape_[1])
        return f"W{k}", f"b{k}"

    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind.upper()}{counts[kind]}"
        try:
            if kind == "conv":
                F = filters.pop(0)
                C, H, W = shape
                sizes = [fitted_size(n, filter_size, 1, pad, dim)
                         for n, dim in ((H, "height"), (W, "width"))]
                shape = (F, *sizes)
                weight, bias = new_weights((F, C, filter_size, filter_size),
                                           C * filter_size**2)
                layer = Layer(kind, name, shape, weight, bias, stride=1, pad=pad)
            elif kind == "pool":
                C, H, W = shape
                shape = (C, pooled_size(H, pool_size, pool_stride, "height"),
                         pooled_size(W, pool_size, pool_stride, "width"))
                layer = Layer(kind, name, shape, stride=pool_stride, size=pool_size)
            elif kind == "fc":
                D = int(np.prod(shape))
                M = num_classes if counts["fc"] == n_fc else hidden_dims.pop(0)
                shape = (M,)
                weight, bias = new_weights((D, M), D)
                layer = Layer(kind, name, shape, weight, bias)
            else:
                layer = Layer(kind, name, shape)
        except ShapeError as error:
            raise ShapeError(_("{model} does not fit an input of {input}: {trail} -> "
                               "{layer}: {reason}").format(
                model=description or "this network", input=_volume(tuple(input_shape)),
                trail=" -> ".join(trail), layer=name, reason=error)) from None
        layer_list.append(layer)
        trail.append(f"{name} {_volume(shape)}")
    return layer_list, params


class TwoLayerNet(Net):
    """f = W2 max(0, W1 x): affine - relu - affine - softmax (CS231n's signature).

    Parameters W1 (D, H), b1 (H,), W2 (H, C), b2 (C,); inputs X (N, D) or
    any (N, d_1, ..., d_k) with d_1 * ... * d_k = D.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float64, seed=None, device="cpu"):
        input_dim = checks.whole_number("input_dim", input_dim, minimum=1)
        hidden_dim = checks.whole_number("hidden_dim", hidden_dim, minimum=1)
        num_classes = checks.whole_number("num_classes", num_classes, minimum=2)
        layer_list, params = build((input_dim,), ["fc", "relu", "fc"], num_classes, [],
                                   3, [hidden_dim], weight_scale=weight_scale, seed=seed)
        super().__init__((input_dim,), layer_list, params, reg, dtype, device)

    def _inputs(self, X):
        checks.array("X", X)
        return super()._inputs(X.reshape(len(X), -1))


class ThreeLayerConvNet(Net):
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax (CS231n).

    The convolution keeps the spatial size (stride 1, pad (filter_size-1)/2);
    the pooling halves it. Parameters W1 (F, C, fs, fs), b1, W2, b2 (hidden
    affine), W3, b3 (scores).
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32, seed=None, device="cpu"):
        layer_list, params = build(
            input_dim, ["conv", "relu", "pool", "fc", "relu", "fc"],
            checks.whole_number("num_classes", num_classes, minimum=2),
            [checks.whole_number("num_filters", num_filters, minimum=1)],
            checks.whole_number("filter_size", filter_size, minimum=1),
            [checks.whole_number("hidden_dim", hidden_dim, minimum=1)],
            weight_scale=weight_scale, seed=seed, description="ThreeLayerConvNet")
        super().__init__(input_dim, layer_list, params, reg, dtype, device)


class ConvNet(Net):
    """A ConvNet written as the lecture's pattern; build it with from_spec."""

    spec = None

    @classmethod
    def from_spec(cls, spec, input_shape=(3, 32, 32), num_classes=10, filters=32,
                  filter_size=3, hidden_dims=100, pool_size=2, pool_stride=2,
                  weight_scale=None, reg=0.0, dtype=np.float32, seed=None, device="cpu"):
        """Build the network a spec string describes.

        spec: e.g. "[(CONV-RELU)*2-POOL]*2-(FC-RELU)*1-FC": layers CONV,
          RELU, POOL (max pooling), FC, an optional final SOFTMAX (the loss
          is always softmax), joined by "-", grouped by () or [] and
          repeated by "*n". The last layer is the FC layer giving the scores.
        filters: filters of every CONV layer, or a list with one per layer.
        hidden_dims: outputs of every hidden FC layer, or one per layer.
        filter_size, pool_size, pool_stride: the same for every layer; convs
          use stride 1 and zero padding (filter_size - 1)/2.
        weight_scale: None for He initialisation (std sqrt(2 / fan_in)).
        device: "cpu" or "gpu", where the parameters live (see ``Net.to``).
        """
        kinds = parse_spec(spec)
        n_conv, n_hidden = kinds.count("conv"), kinds.count("fc") - 1
        filters = _per_layer("filters", filters, n_conv)
        hidden_dims = _per_layer("hidden_dims", hidden_dims, n_hidden)
        if isinstance(input_shape, int) or len(input_shape) != 3:
            raise ShapeError(_("input_shape must be (C, H, W) for a ConvNet, got "
                               "{shape}.").format(shape=input_shape))
        layer_list, params = build(
            input_shape, kinds, checks.whole_number("num_classes", num_classes, minimum=2),
            filters, checks.whole_number("filter_size", filter_size, minimum=1),
            hidden_dims, checks.whole_number("pool_size", pool_size, minimum=1),
            checks.whole_number("pool_stride", pool_stride, minimum=1),
            weight_scale=weight_scale, seed=seed, description=repr(spec))
        net = cls(input_shape, layer_list, params, reg, dtype, device)
        net.spec = spec
        return net

    def __repr__(self):
        return f"ConvNet.from_spec({self.spec!r}, input_shape={self.input_shape})"


def _per_layer(name, value, count):
    values = [value] * count if isinstance(value, (int, np.integer)) else list(value)
    if len(values) != count:
        raise ShapeError(_("{name} must be one number or a list with one number per "
                           "layer ({count} layers), got {value}.").format(
            name=name, count=count, value=value))
    return [checks.whole_number(name, v, minimum=1) for v in values]
