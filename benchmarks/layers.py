"""Benchmarks of convlab's layers against PyTorch CPU and a plain GEMM.

Run with ``convlab bench`` (or ``make bench``). Every figure is a ratio
measured in the same run, so a noisy machine moves both sides: timings are
medians over repetitions that alternate between the contenders. On a machine
with a GPU, ``convlab bench --device gpu`` times convlab's layers on the GPU
against the same layers on the CPU and PyTorch's cuDNN (benchmarks/gpu.py).

What is measured, float32, per layer of the suite:
- fast forward and forward + backward, and the same in PyTorch (when it is
  installed) with the same number of threads as NumPy's BLAS;
- the naive loops on CS231n's shape (they take seconds elsewhere);
- GEMM efficiency: the three matrix multiplies inside the fast conv, with
  their real shapes, against one square GEMM of the same FLOPs.
"""
import datetime
import platform
import statistics
import time

import numpy as np

from convlab import fast_layers, layers

# (name, x shape (N, C, H, W), w shape (F, C, HH, WW), stride, pad)
CONV_SUITE = [
    ("CS231n 3x3 s2", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ("CIFAR 3x3, 3->32", (64, 3, 32, 32), (32, 3, 3, 3), 1, 1),
    ("CIFAR 3x3, 32->64", (64, 32, 16, 16), (64, 32, 3, 3), 1, 1),
    ("CIFAR 3x3, 64->128", (64, 64, 8, 8), (128, 64, 3, 3), 1, 1),
    ("lecture 5x5, 3->10 pad 2", (64, 3, 32, 32), (10, 3, 5, 5), 1, 2),
    ("ThreeLayerConvNet 7x7, 3->32", (64, 3, 32, 32), (32, 3, 7, 7), 1, 3),
]
# (name, x shape, size, stride)
POOL_SUITE = [
    ("2x2 s2, 64x32x32x32", (64, 32, 32, 32), 2, 2),
    ("2x2 s2, 64x64x16x16", (64, 64, 16, 16), 2, 2),
    ("3x3 s2, 64x32x33x33", (64, 32, 33, 33), 3, 2),
]


def median_times(functions, repeats, rounds=3, warmup=3, pause=0.25):
    """Median seconds of each function over ``repeats`` timed calls.

    The calls run in blocks, one block per function in turn, ``rounds``
    times. Each block starts with a short pause, since both NumPy's BLAS and
    PyTorch keep their threads spinning for a moment after a call, which
    would slow down whoever runs next, and ``warmup`` untimed calls: the
    first calls after another contender ran are slower (memory the kernel
    has to hand out again, cold caches), for both sides alike.
    """
    per_block = max(1, -(-repeats // rounds))
    samples = {name: [] for name in functions}
    for _ in range(rounds):
        for name, fn in functions.items():
            time.sleep(pause)
            for _ in range(warmup):
                fn()
            for _ in range(per_block):
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def blas_threads():
    """Threads NumPy's BLAS uses (threadpoolctl), or None when unknown."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return counts[0] if counts else None


def conv_case(x_shape, w_shape, stride, pad, repeats, torch=None, rng=None):
    """Timings (seconds) for one conv layer: ours, PyTorch's, and GEMMs."""
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[0], dtype=np.float32)
    out, cache = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape, dtype=np.float32)

    def ours_fb():
        o, c = layers.conv_forward(x, w, b, stride=stride, pad=pad)
        layers.conv_backward(dout, c)

    functions = {
        "fast_f": lambda: layers.conv_forward(x, w, b, stride=stride, pad=pad),
        "fast_fb": ours_fb,
    }
    # The three GEMMs of the fast conv with their real shapes, and one square
    # GEMM of the same FLOPs (3 x 2*F*K*P).
    F, K = w_shape[0], int(np.prod(w_shape[1:]))
    cols = cache[5]
    w2 = w.reshape(F, K)
    dout2 = np.ascontiguousarray(dout.transpose(1, 0, 2, 3).reshape(F, -1))
    functions["conv_gemms"] = lambda: (w2 @ cols, dout2 @ cols.T, w2.T @ dout2)
    side = int(round((3 * F * K * cols.shape[1]) ** (1 / 3)))
    square = rng.standard_normal((side, side), dtype=np.float32)
    functions["square_gemm"] = lambda: square @ square
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_()
        tw = torch.from_numpy(w).requires_grad_()
        tb = torch.from_numpy(b).requires_grad_()
        tdout = torch.from_numpy(dout)
        conv2d = torch.nn.functional.conv2d

        def torch_fb():
            o = conv2d(tx, tw, tb, stride=stride, padding=pad)
            torch.autograd.grad(o, (tx, tw, tb), tdout)

        def torch_f():
            with torch.no_grad():
                conv2d(tx, tw, tb, stride=stride, padding=pad)

        functions["torch_f"] = torch_f
        functions["torch_fb"] = torch_fb
    times = median_times(functions, repeats)
    gemm_flops = 3 * 2 * F * K * cols.shape[1]
    times["gemm_efficiency"] = (gemm_flops / times["conv_gemms"]) / (
        2 * side ** 3 / times["square_gemm"])
    times["gflops_square"] = 2 * side ** 3 / times["square_gemm"] / 1e9
    times["gflops_conv_gemms"] = gemm_flops / times["conv_gemms"] / 1e9
    return times


def naive_case(x_shape, w_shape, stride, pad, rng=None):
    """Seconds of one naive conv forward + backward (slow: timed once)."""
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[0], dtype=np.float32)
    out, cache = layers.conv_forward_naive(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape, dtype=np.float32)

    def naive_fb():
        o, c = layers.conv_forward_naive(x, w, b, stride=stride, pad=pad)
        layers.conv_backward_naive(dout, c)

    start = time.perf_counter()
    naive_fb()
    return time.perf_counter() - start


def pool_case(x_shape, size, stride, repeats, torch=None, rng=None):
    """Timings (seconds) of max pool forward + backward, ours and PyTorch's."""
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    out, _ = layers.max_pool_forward(x, size=size, stride=stride)
    dout = rng.standard_normal(out.shape, dtype=np.float32)

    def ours_fb():
        o, c = fast_layers.max_pool_forward(x, size=size, stride=stride)
        fast_layers.max_pool_backward(dout, c)

    functions = {"fast_fb": ours_fb}
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_()
        tdout = torch.from_numpy(dout)

        def torch_fb():
            o = torch.nn.functional.max_pool2d(tx, size, stride)
            torch.autograd.grad(o, (tx,), tdout)

        functions["torch_fb"] = torch_fb
    return median_times(functions, repeats)


# (name, model factory, example shape, number of training examples, batch size)
TRAINING_SUITE = [
    ("digits demo ConvNet", "digits", (1, 8, 8), 1200, 50),
    ("ThreeLayerConvNet, CIFAR-sized", "three_layer", (3, 32, 32), 500, 50),
]


def _training_model(kind, seed=0):
    from convlab.demo import digits_convnet
    from convlab.models import ThreeLayerConvNet
    if kind == "digits":
        return digits_convnet(seed)
    return ThreeLayerConvNet(weight_scale=1e-2, seed=seed)


def _torch_copy(model, torch):
    """The same network in PyTorch, starting from the same weights."""
    nn = torch.nn
    modules = []
    for layer in model.layers:
        if layer.kind == "conv":
            w = model.params[layer.weight]
            conv = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2], stride=layer.stride,
                             padding=layer.pad)
            conv.weight.data = torch.from_numpy(w.copy())
            conv.bias.data = torch.from_numpy(model.params[layer.bias].copy())
            modules.append(conv)
        elif layer.kind == "relu":
            modules.append(nn.ReLU())
        elif layer.kind == "pool":
            modules.append(nn.MaxPool2d(layer.size, layer.stride))
        else:
            w = model.params[layer.weight]
            linear = nn.Linear(*w.shape)
            linear.weight.data = torch.from_numpy(w.T.copy())
            linear.bias.data = torch.from_numpy(model.params[layer.bias].copy())
            modules += [nn.Flatten(), linear]
    return nn.Sequential(*modules)


def training_data(example_shape, n_train, batch_size):
    """(X, y, batches): random examples, labels of 10 classes and the
    minibatches of one epoch, the same for every contender."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_train, *example_shape), dtype=np.float32)
    y = rng.integers(0, 10, n_train)
    batches = [rng.choice(n_train, batch_size) for _ in range(n_train // batch_size)]
    return X, y, batches


def convlab_epoch(model, X, y, batches, move=lambda a: a):
    """One epoch of Adam (learning rate 1e-3) on ``model``; ``move`` puts a
    minibatch where the model is (convlab.to_gpu for a model on the GPU)."""
    from convlab import optim
    configs = {k: {"learning_rate": 1e-3} for k in model.params}
    for batch in batches:
        _loss, grads = model.loss(move(X[batch]), move(y[batch]))
        for k in model.params:
            model.params[k], configs[k] = optim.adam(model.params[k], grads[k], configs[k])


def torch_epochs(torch, net, X, y, batches, cuda=False):
    """A function that trains the PyTorch ``net`` one epoch, as convlab_epoch
    does (Adam, learning rate 1e-3, the same batches), on the GPU with ``cuda``."""
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)
    move = (lambda t: t.cuda()) if cuda else (lambda t: t)

    def epoch():
        for batch in batches:
            index = torch.from_numpy(batch)
            adam.zero_grad()
            torch.nn.functional.cross_entropy(net(move(tX[index])), move(ty[index])).backward()
            adam.step()
        if cuda:
            torch.cuda.synchronize()
    return epoch


def training_case(kind, example_shape, n_train, batch_size, epochs=2, torch=None):
    """Seconds per epoch of Adam training, convlab and PyTorch, same batches."""
    X, y, batches = training_data(example_shape, n_train, batch_size)
    model = _training_model(kind)
    functions = {"convlab": lambda: convlab_epoch(model, X, y, batches)}
    if torch is not None:
        functions["torch"] = torch_epochs(torch, _torch_copy(model, torch), X, y, batches)
    return median_times(functions, repeats=epochs, rounds=epochs, warmup=1)


def run_suites(conv, pool, training, repeats, torch, progress, where=""):
    """The rows of the three suites, each measured by its case function
    (``conv_case``, ``pool_case``, ``training_case`` or their GPU twins):
    {"conv": [(name, x_shape, w_shape, S, P, times)], "pool": [(name,
    x_shape, F, S, times)], "training": [(name, n_train, batch, times)]}."""
    result = {"conv": [], "pool": [], "training": []}
    for name, x_shape, w_shape, stride, pad in CONV_SUITE:
        progress(f"{where}conv {name} ...")
        result["conv"].append((name, x_shape, w_shape, stride, pad,
                               conv(x_shape, w_shape, stride, pad, repeats, torch)))
    for name, x_shape, size, stride in POOL_SUITE:
        progress(f"{where}max pool {name} ...")
        result["pool"].append((name, x_shape, size, stride,
                               pool(x_shape, size, stride, repeats, torch)))
    for name, kind, shape, n_train, batch_size in TRAINING_SUITE:
        progress(f"{where}training {name} ...")
        result["training"].append((name, n_train, batch_size, training(
            kind, shape, n_train, batch_size, epochs=3, torch=torch)))
    return result


def run(repeats=15, naive=True, progress=print):
    """Run the whole suite; returns a dict of rows and the environment."""
    torch = _torch()
    threads = blas_threads()
    if torch is not None and threads:
        torch.set_num_threads(threads)
    result = run_suites(conv_case, pool_case, training_case, repeats, torch, progress)
    result.update(naive=None, env=environment(torch, threads))
    progress("convlab demo ...")
    result["demo"] = demo_case()
    if naive:
        name, x_shape, w_shape, stride, pad = CONV_SUITE[0]
        progress(f"naive conv on {name} (slow) ...")
        fast = result["conv"][0][5]["fast_fb"]
        result["naive"] = (name, naive_case(x_shape, w_shape, stride, pad), fast)
    return result


def demo_case(epochs=15):
    """``convlab demo`` as a user runs it: its results (test accuracy, seconds)."""
    from convlab.demo import train_digits
    results, _model, _solver = train_digits(epochs=epochs, verbose=False)
    return results


def environment(torch, threads):
    """What the figures were measured on."""
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {_cpu_name()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else "not installed",
        "threads": threads,
    }


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def report(result):
    """The results as a Markdown document."""
    env = result["env"]
    ms = lambda s: f"{s * 1e3:.2f}"  # noqa: E731
    has_torch = env["torch"] != "not installed"
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`convlab bench`). Times are medians (ms) over "
        "alternating repetitions in one run; ratios compare figures of that run "
        "only. float32.",
        "",
        f"- date: {env['date']}; machine: {env['machine']}",
        f"- Python {env['python']}, NumPy {env['numpy']}, PyTorch {env['torch']}, "
        f"threads: {env['threads']} (BLAS and PyTorch alike)",
        "",
        "## Convolution, forward + backward",
        "",
        "| layer | x | w | S | P | fast fwd | fast fwd+bwd | torch fwd | torch fwd+bwd "
        "| fast / torch (fwd+bwd) | conv GEMMs vs square GEMM |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    for name, x_shape, w_shape, stride, pad, t in result["conv"]:
        ratio = t["fast_fb"] / t["torch_fb"] if has_torch else None
        if ratio is not None:
            ratios.append(ratio)
        lines.append(
            f"| {name} | {x_shape} | {w_shape} | {stride} | {pad} | {ms(t['fast_f'])} "
            f"| {ms(t['fast_fb'])} | {ms(t['torch_f']) if has_torch else '-'} "
            f"| {ms(t['torch_fb']) if has_torch else '-'} "
            f"| {f'{ratio:.2f}x' if ratio else '-'} "
            f"| {t['gemm_efficiency']:.0%} ({t['gflops_conv_gemms']:.0f} of "
            f"{t['gflops_square']:.0f} GFLOP/s) |")
    efficiencies = [t["gemm_efficiency"] for *_, t in result["conv"]]
    lines += ["", "Summary:", ""]
    if ratios:
        lines.append(f"- fast conv fwd+bwd / PyTorch CPU, median over the suite: "
                     f"**{statistics.median(ratios):.2f}x** (target <= 1.5x)")
    lines.append(f"- GEMM efficiency of the fast conv, median over the suite: "
                 f"**{statistics.median(efficiencies):.0%}** (target >= 60%)")
    lines += [
        "",
        "## Max pooling, forward + backward",
        "",
        "| layer | x | F | S | fast fwd+bwd | torch fwd+bwd | fast / torch |",
        "|---|---|---|---|---|---|---|",
    ]
    pool_ratios = []
    for name, x_shape, size, stride, t in result["pool"]:
        ratio = t["fast_fb"] / t["torch_fb"] if has_torch else None
        if ratio is not None:
            pool_ratios.append(ratio)
        lines.append(f"| {name} | {x_shape} | {size} | {stride} | {ms(t['fast_fb'])} "
                     f"| {ms(t['torch_fb']) if has_torch else '-'} "
                     f"| {f'{ratio:.2f}x' if ratio else '-'} |")
    if pool_ratios:
        lines += ["", f"- max pool fwd+bwd / PyTorch CPU, worst case: "
                      f"**{max(pool_ratios):.2f}x** (target <= 2x)"]
    if result["training"]:
        lines += ["", "## Training, seconds per epoch (Adam, same batches, same start)", "",
                  "| model | examples | batch | convlab | torch | convlab / torch |",
                  "|---|---|---|---|---|---|"]
        for name, n_train, batch_size, t in result["training"]:
            theirs = f"{t['torch']:.3f}" if has_torch else "-"
            ratio = f"{t['convlab'] / t['torch']:.2f}x" if has_torch else "-"
            lines.append(f"| {name} | {n_train} | {batch_size} | {t['convlab']:.3f} "
                         f"| {theirs} | {ratio} |")
        if has_torch:
            lines.append("")
            for name, _n, _b, t in result["training"]:
                lines.append(f"- {name}: convlab time per epoch / PyTorch "
                             f"**{t['convlab'] / t['torch']:.2f}x** (target <= 2.5x)")
    if result.get("demo"):
        d = result["demo"]
        lines += ["", "## `convlab demo`", "",
                  f"- the default ConvNet ({d['spec']}) on the digits, {d['epochs']} epochs, "
                  f"seed {d['seed']}: test accuracy **{100 * d['test_accuracy']:.1f}%** on "
                  f"{d['n_test']} test images (target >= 98%), trained in "
                  f"**{d['train_seconds']:.1f} s**"]
    if result["naive"]:
        name, naive, fast = result["naive"]
        lines += ["", "## Naive vs fast", "",
                  f"- {name}: naive fwd+bwd {naive:.2f} s, fast {ms(fast)} ms: "
                  f"**{naive / fast:.0f}x** faster (target >= 200x)"]
    if not has_torch:
        lines += ["", "PyTorch is not installed: `make torch` adds it for the "
                      "comparison."]
    return "\n".join(lines) + "\n"
