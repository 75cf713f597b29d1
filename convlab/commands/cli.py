"""The ``convlab`` command: the jobs a person runs, one subcommand each.

    convlab demo [--epochs N] [--seed S] [--json]   train the default ConvNet on digits
    convlab doctor                                  is this machine ready for the course?
    convlab assignments build [NAME...]             generate the student versions
    convlab demo-class NAME                         a sample class in submitted/
    convlab grade NAME [--jobs N] [--no-isolation]  autograde, feedback, grades.csv, report
    convlab bench [--output docs/benchmarks.md]     layer benchmarks vs PyTorch
    convlab setup student|instructor                nbgrader's tools for one role
    convlab hub setup|add-student|start|teardown    a course on JupyterHub, one machine

(``python -m convlab`` is the same command.) The Makefile's targets call
these; they hold no logic of their own.
"""
import argparse
import json
import sys

from convlab.i18n import _


def demo(args):
    from convlab.demo import train_digits

    results, model, _solver = train_digits(epochs=args.epochs, seed=args.seed,
                                           verbose=not args.quiet)
    if not args.json:
        model.summary()
    print(_("test accuracy {accuracy:.2%} on {n} digits after {epochs} epochs "
            "({seconds:.1f} s of training)").format(
        accuracy=results["test_accuracy"], n=results["n_test"], epochs=results["epochs"],
        seconds=results["train_seconds"]))
    if args.json:
        print(json.dumps(results))
    return 0


def doctor(args):
    from convlab.commands.doctor import command
    return command(args)


def assignments(args):
    from convlab.classroom.assignments import command
    return command(args)


def grade(args):
    from convlab.commands.grade import grade_command
    return grade_command(args)


def demo_class(args):
    from convlab.commands.grade import demo_class_command
    return demo_class_command(args)


def bench(args):
    from convlab.commands.bench import command
    return command(args)


def setup(args):
    from convlab.commands.setup import command
    return command(args)


def hub(args):
    from convlab.commands.hub import command
    return command(args)


def add_course_dir(parser):
    parser.add_argument("--course-dir", default=".",
                        help=_("the course directory (default: the current one)"))


def build_parser():
    from convlab import __version__

    parser = argparse.ArgumentParser(
        prog="convlab", description=_("convlab: convolutional networks from the lecture."))
    parser.add_argument("--version", action="version", version=f"convlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("demo", help=_("train the default ConvNet on the digits and "
                                           "print its test accuracy"))
    p.add_argument("--epochs", type=int, default=15, help=_("epochs (default 15)"))
    p.add_argument("--seed", type=int, default=0, help=_("random seed (default 0)"))
    p.add_argument("--json", action="store_true",
                   help=_("print the results as one JSON object on the last line"))
    p.add_argument("--quiet", action="store_true", help=_("no progress bar"))
    p.set_defaults(run=demo)

    p = commands.add_parser("doctor", help=_("check Python, packages, JupyterLab "
                                             "extensions, GPU and datasets"))
    p.set_defaults(run=doctor)

    p = commands.add_parser("assignments", help=_("build the student versions of the "
                                                  "assignments (nbgrader)"))
    jobs = p.add_subparsers(dest="job", metavar="JOB")
    jobs.required = True
    b = jobs.add_parser("build", help=_("validate the sources, generate assignments/, "
                                        "check the student versions fail their tests"))
    b.add_argument("names", nargs="*", metavar="NAME",
                   help=_("assignments to build (default: all in solutions/)"))
    add_course_dir(b)
    b.add_argument("--no-check", action="store_true",
                   help=_("skip running the student versions"))
    b.set_defaults(run=assignments)

    p = commands.add_parser("grade", help=_("autograde every submission of an assignment, "
                                            "in parallel, with feedback, grades.csv and "
                                            "a class report"))
    p.add_argument("name", metavar="NAME", help=_("the assignment, e.g. a2_convolution"))
    add_course_dir(p)
    p.add_argument("--jobs", type=int, default=1,
                   help=_("submissions graded at the same time (default 1)"))
    p.add_argument("--timeout", type=int, default=None,
                   help=_("seconds allowed for one cell of a notebook, and for one call of "
                          "a student's function when it is checked again (default: each "
                          "cell 20 times what the solution takes, at least 10 s)"))
    p.add_argument("--memory-mb", type=int, default=4096,
                   help=_("memory allowed for one submission, in MB (default 4096)"))
    p.add_argument("--no-isolation", action="store_true",
                   help=_("run the students' code without a sandbox, with your rights "
                          "(only where bubblewrap cannot run; see docs/instructors.md)"))
    p.set_defaults(run=grade)

    p = commands.add_parser("demo-class", help=_("fill submitted/ with a sample class to "
                                                 "try the grading loop"))
    p.add_argument("name", metavar="NAME", help=_("the assignment, e.g. a2_convolution"))
    add_course_dir(p)
    p.add_argument("--force", action="store_true",
                   help=_("replace the sample students' existing submissions"))
    p.add_argument("--hostile", action="store_true",
                   help=_("add students who try to fool the grader (a2_convolution)"))
    p.set_defaults(run=demo_class)

    p = commands.add_parser("setup", help=_("switch nbgrader's tools in this environment's "
                                            "JupyterLab for a student or an instructor"))
    p.add_argument("role", choices=("student", "instructor"),
                   help=_("student: the Assignments tab only; instructor: the Formgrader, "
                          "Create Assignment, the course list and Validate too"))
    p.set_defaults(run=setup)

    p = commands.add_parser("hub", help=_("a course on one machine: JupyterHub with local "
                                          "accounts and nbgrader's exchange (as root)"))
    from convlab.commands.hub import add_arguments as hub_arguments
    hub_arguments(p)
    p.set_defaults(run=hub)

    p = commands.add_parser("bench", help=_("time the fast layers against PyTorch CPU and "
                                            "a plain GEMM"))
    from convlab.commands.bench import add_arguments
    add_arguments(p)
    p.set_defaults(run=bench)
    return parser


def main(argv=None):
    from convlab.classroom.processes import skip_iri_parsers
    skip_iri_parsers()   # the commands read notebooks: 1.2 s less to start (see there)
    args = build_parser().parse_args(argv)
    if getattr(args, "epochs", 1) < 1:
        build_parser().error(_("--epochs must be at least 1"))
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
