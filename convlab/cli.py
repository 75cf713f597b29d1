"""The ``convlab`` command: the jobs a person runs, one subcommand each.

    convlab bench [--output docs/benchmarks.md]   layer benchmarks vs PyTorch

(``python -m convlab`` is the same command.) The Makefile's targets call
these; they hold no logic of their own.
"""
import argparse
import sys


def build_parser():
    from convlab import __version__, bench

    parser = argparse.ArgumentParser(
        prog="convlab", description="convlab: convolutional networks from the lecture.")
    parser.add_argument("--version", action="version", version=f"convlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    bench_parser = commands.add_parser(
        "bench", help="time the fast layers against PyTorch CPU and a plain GEMM",
        description=bench.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bench.add_arguments(bench_parser)
    bench_parser.set_defaults(run=bench.command)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
