"""Benchmarks on a GPU: ``convlab bench --device gpu``.

convlab's layers on CuPy arrays (its CUDA kernels and cuBLAS), against the
same layers on the CPU and against PyTorch on the GPU (cuDNN) when a CUDA
build of PyTorch is installed. GPU calls return before the GPU has finished:
every timed function ends by waiting for it (backend.synchronize).
"""
import datetime

import numpy as np

from convlab import layers

from benchmarks.layers import (_torch, _torch_copy, _training_model, convlab_epoch,
                               median_times, run_suites, torch_epochs, training_data)


def _torch_cuda(torch):
    """``torch`` when it can compute on a CUDA GPU here, else None."""
    if torch is None or not torch.cuda.is_available():
        return None
    return torch


def gpu_conv_case(x_shape, w_shape, stride, pad, repeats, torch=None, rng=None):
    """Seconds of one conv layer's forward + backward: convlab on the GPU and
    on the CPU, and PyTorch on the GPU (when ``torch`` has CUDA)."""
    from convlab.gpu.backend import synchronize, to_gpu
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[0], dtype=np.float32)
    out, _ = layers.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    gx, gw, gb, gdout = (to_gpu(a) for a in (x, w, b, dout))

    def gpu_fb():
        _o, c = layers.conv_forward(gx, gw, gb, stride=stride, pad=pad)
        synchronize(layers.conv_backward(gdout, c)[0])

    def cpu_fb():
        _o, c = layers.conv_forward(x, w, b, stride=stride, pad=pad)
        layers.conv_backward(dout, c)

    functions = {"gpu_fb": gpu_fb, "cpu_fb": cpu_fb}
    if torch is not None:
        tx, tw, tb = (torch.from_numpy(a).cuda().requires_grad_() for a in (x, w, b))
        tdout = torch.from_numpy(dout).cuda()

        def torch_fb():
            o = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
            torch.autograd.grad(o, (tx, tw, tb), tdout)
            torch.cuda.synchronize()

        functions["torch_fb"] = torch_fb
    return median_times(functions, repeats)


def gpu_pool_case(x_shape, size, stride, repeats, torch=None, rng=None):
    """Seconds of max pool forward + backward: convlab on the GPU and on the
    CPU, and PyTorch on the GPU (when ``torch`` has CUDA)."""
    from convlab.gpu.backend import synchronize, to_gpu
    rng = rng or np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    out, _ = layers.max_pool_forward(x, size=size, stride=stride)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    gx, gdout = to_gpu(x), to_gpu(dout)

    def gpu_fb():
        _o, c = layers.max_pool_forward(gx, size=size, stride=stride)
        synchronize(layers.max_pool_backward(gdout, c))

    def cpu_fb():
        _o, c = layers.max_pool_forward(x, size=size, stride=stride)
        layers.max_pool_backward(dout, c)

    functions = {"gpu_fb": gpu_fb, "cpu_fb": cpu_fb}
    if torch is not None:
        tx = torch.from_numpy(x).cuda().requires_grad_()
        tdout = torch.from_numpy(dout).cuda()

        def torch_fb():
            o = torch.nn.functional.max_pool2d(tx, size, stride)
            torch.autograd.grad(o, (tx,), tdout)
            torch.cuda.synchronize()

        functions["torch_fb"] = torch_fb
    return median_times(functions, repeats)


def gpu_training_case(kind, example_shape, n_train, batch_size, epochs=2, torch=None):
    """Seconds per epoch of Adam training, same batches and start: convlab
    with device="gpu" and "cpu", and PyTorch on the GPU (when it has CUDA)."""
    from convlab.gpu.backend import synchronize, to_gpu

    X, y, batches = training_data(example_shape, n_train, batch_size)
    cpu_model = _training_model(kind)
    gpu_model = _training_model(kind).to("gpu")

    def gpu_epoch():
        convlab_epoch(gpu_model, X, y, batches, move=to_gpu)
        synchronize(next(iter(gpu_model.params.values())))

    functions = {"gpu": gpu_epoch, "cpu": lambda: convlab_epoch(cpu_model, X, y, batches)}
    if torch is not None:
        net = _torch_copy(cpu_model, torch).cuda()
        functions["torch"] = torch_epochs(torch, net, X, y, batches, cuda=True)
    return median_times(functions, repeats=epochs, rounds=epochs, warmup=1)


def run_gpu(repeats=15, progress=print):
    """The suite on the GPU; returns a dict of rows and the environment."""
    from convlab.gpu import backend
    torch = _torch_cuda(_torch())
    gpu = ("emulated: convlab.gpu.emulation, the CUDA kernels compiled for the CPU"
           if backend._emulated_gpu else backend.gpu_status()[1])
    result = run_suites(gpu_conv_case, gpu_pool_case, gpu_training_case, repeats, torch,
                        progress, where="GPU ")
    result["env"] = {"date": datetime.date.today().isoformat(),
                     "gpu": gpu, "cupy": _cupy_version(),
                     "torch": (f"{torch.__version__}, cuDNN "
                               f"{torch.backends.cudnn.version()}") if torch else
                              "not installed with CUDA"}
    return result


def _cupy_version():
    try:
        import cupy
    except ImportError:
        return "not installed"
    return cupy.__version__


def gpu_report(result):
    """The GPU results as a Markdown document."""
    env = result["env"]
    ms = lambda s: f"{s * 1e3:.2f}"  # noqa: E731
    has_torch = not env["torch"].startswith("not installed")
    theirs = lambda t: ms(t["torch_fb"]) if has_torch else "-"  # noqa: E731
    lines = [
        "# Benchmarks on a GPU",
        "",
        "Made by `convlab bench --device gpu`. Times are medians (ms) over "
        "alternating repetitions in one run, float32; every GPU timing waits for "
        "the GPU to finish.",
        "",
        f"- date: {env['date']}; GPU: {env['gpu']}; CuPy {env['cupy']}; "
        f"PyTorch {env['torch']}",
        "",
        "## Convolution, forward + backward",
        "",
        "| layer | x | w | S | P | convlab GPU | convlab CPU | torch GPU (cuDNN) "
        "| CPU / GPU | convlab GPU / torch GPU |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, x_shape, w_shape, stride, pad, t in result["conv"]:
        ratio = f"{t['gpu_fb'] / t['torch_fb']:.2f}x" if has_torch else "-"
        lines.append(f"| {name} | {x_shape} | {w_shape} | {stride} | {pad} "
                     f"| {ms(t['gpu_fb'])} | {ms(t['cpu_fb'])} | {theirs(t)} "
                     f"| {t['cpu_fb'] / t['gpu_fb']:.1f}x | {ratio} |")
    lines += ["", "## Max pooling, forward + backward", "",
              "| layer | x | F | S | convlab GPU | convlab CPU | torch GPU "
              "| CPU / GPU | convlab GPU / torch GPU |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, x_shape, size, stride, t in result["pool"]:
        ratio = f"{t['gpu_fb'] / t['torch_fb']:.2f}x" if has_torch else "-"
        lines.append(f"| {name} | {x_shape} | {size} | {stride} | {ms(t['gpu_fb'])} "
                     f"| {ms(t['cpu_fb'])} | {theirs(t)} "
                     f"| {t['cpu_fb'] / t['gpu_fb']:.1f}x | {ratio} |")
    lines += ["", "## Training, seconds per epoch (Adam, same batches, same start)", "",
              "| model | examples | batch | convlab GPU | convlab CPU | torch GPU "
              "| CPU / GPU |",
              "|---|---|---|---|---|---|---|"]
    for name, n_train, batch_size, t in result["training"]:
        torch_time = f"{t['torch']:.3f}" if has_torch else "-"
        lines.append(f"| {name} | {n_train} | {batch_size} | {t['gpu']:.3f} "
                     f"| {t['cpu']:.3f} | {torch_time} | {t['cpu'] / t['gpu']:.1f}x |")
    if not has_torch:
        lines += ["", "PyTorch with CUDA is not installed: the cuDNN columns are empty."]
    return "\n".join(lines) + "\n"
