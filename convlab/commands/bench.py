"""``convlab bench``: the layer benchmarks of the repository's benchmarks/ folder.

The benchmark code lives with the other benchmarks, in benchmarks/ next to
this package (``benchmarks/layers.py``, ``benchmarks/gpu.py``); this module
holds the command's options and finds that folder. convlab is installed from
a clone of the repository (``make``, ``pip install -e .``), so it is there;
elsewhere the command says how to get it.
"""
import importlib
import sys
from pathlib import Path

from convlab.i18n import _

REPOSITORY = Path(__file__).resolve().parents[2]


def add_arguments(parser):
    """The options of ``convlab bench``."""
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help=_("gpu: time convlab's layers on the GPU against the CPU "
                               "and PyTorch's cuDNN (needs CuPy and a GPU)"))
    parser.add_argument("--repeats", type=int, default=15,
                        help="timed calls per measurement (default 15)")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the slow naive-loop measurement")
    parser.add_argument("--output", metavar="FILE",
                        help="also write the Markdown report to FILE "
                             "(make bench: docs/benchmarks.md)")


def benchmark(name):
    """The module benchmarks/<name>.py of the repository convlab runs from."""
    if not (REPOSITORY / "benchmarks" / f"{name}.py").is_file():
        raise SystemExit(_("convlab bench: the benchmarks are not here ({folder} has no "
                           "benchmarks/ folder): they run from a clone of the convlab "
                           "repository, installed with `make install`.").format(
            folder=REPOSITORY))
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))
    return importlib.import_module(f"benchmarks.{name}")


def command(args):
    """Run ``convlab bench``: print the report, and write it when asked."""
    if args.repeats < 1:
        raise SystemExit("convlab bench: --repeats must be at least 1")
    if getattr(args, "device", "cpu") == "gpu":
        from convlab.gpu.backend import gpu_status
        usable, reason = gpu_status()
        if not usable:
            print(_("convlab bench --device gpu needs CuPy and a working GPU, but here: "
                    "{reason}. Nothing was measured; `convlab bench` measures on the "
                    "CPU, and docs/gpu.md tells how to set up a GPU.").format(reason=reason),
                  file=sys.stderr)
            return 1
        gpu = benchmark("gpu")
        text = gpu.gpu_report(gpu.run_gpu(repeats=args.repeats))
    else:
        layers = benchmark("layers")
        text = layers.report(layers.run(repeats=args.repeats, naive=not args.no_naive))
    print(text)
    if args.output:
        benchmark("markdown").write_sections(args.output, text)
    return 0
