"""Grading a class: `convlab grade --jobs N` against plain sequential nbgrader.

    python benchmarks/grading.py [--students 30] [--loopers 3] [--jobs 2]
                                 [--rounds 2] [--output docs/benchmarks.md]

(`make bench-grading`.) In a scratch copy of the course holding
a2_convolution, two classes of --students submissions are graded, each run
from the same state (``registered``: the assignment in a new gradebook and
its time limits calibrated, as `convlab assignments build` leaves them,
nothing graded), after a warm-up (the demo class graded once by each side,
untimed: the files they read are then in memory for both):

- an honest class (the demo class: correct, late, blank and one student
  per typical mistake, repeated): ``nbgrader autograde a2_convolution``
  alone, one process, the students one after the other (the peer, with the
  course's nbgrader_config.py), and ``convlab grade --jobs N``, each --rounds
  times, taking turns, the best of each kept (this machine's noise slows
  runs, it never speeds them); ``convlab grade --jobs 1``, isolated and
  with ``--no-isolation`` (what isolation costs);
- the same class with --loopers of its students replaced by submissions
  whose conv_backward_naive never returns: the peer, and ``convlab grade
  --jobs N`` with its defaults.

convlab grade does more than the peer: isolation, the memory limit, the
re-verification of every submission in a sandbox, the feedback, grades.csv
and the report. The figures are its whole time, and, to compare like with
like, the time of its autograde + re-verification phase (everything before
the feedback). Scores must be identical in every run. The result replaces
the "## Grading a class" section of --output
(``benchmarks.markdown.write_sections``).
"""
import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run as a script: `python benchmarks/grading.py`

from benchmarks.markdown import write_sections  # noqa: E402
from convlab.classroom import demo_class, grade, time_limits  # noqa: E402
from convlab.classroom.processes import nbgrader_env  # noqa: E402
from convlab.classroom.report import gradebook_table  # noqa: E402
NAME = "a2_convolution"
SECTION = "## Grading a class"


def looper(solution):
    """The solution, but conv_backward_naive never returns."""
    return demo_class.with_mistake(solution, "conv_backward_naive",
                                   "x, w, b, stride, pad = cache",
                                   "x, w, b, stride, pad = cache\n    while True:\n"
                                   "        pass")


def make_course(folder, students, loopers=0):
    """A course with a2_convolution and `students` submissions, the last
    `loopers` of them never ending."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for part in ("solutions", "assignments"):
        shutil.copytree(ROOT / part / NAME, folder / part / NAME)
    solution = nbformat.read(folder / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    kinds = {"correct": solution, "blank": nbformat.read(
        folder / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)}
    for student, mistake in demo_class.MISTAKES[NAME].items():
        kinds[student] = demo_class.with_mistake(solution, *mistake)
    # The demo class has correct, blank, one student per mistake and late;
    # copies of the first ones make up the rest of the class.
    copies = students - (len(kinds) + 1)
    extra = {f"{kind}_{i // len(kinds) + 2}": kinds[kind]
             for i, kind in zip(range(copies), list(kinds) * students)}
    for name in list(extra)[len(extra) - loopers:]:
        extra[f"looper_{name}"] = looper(solution)
        del extra[name]
    who = demo_class.demo_class(NAME, folder, extra=extra)
    time_limits.calibrate(NAME, folder)
    return who


def reset(course):
    """Back to an empty gradebook: nothing graded yet."""
    for part in ("gradebook.db", "autograded", "feedback", "grades.csv", "reports",
                 ".convlab/notes"):
        path = course / part
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def nbgrader(args, course):
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                            env=nbgrader_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nbgrader {args[0]} failed:\n{result.stdout[-2000:]}"
                         f"{result.stderr[-2000:]}")


def registered(course):
    """The state every timed run starts from: a new gradebook holding the
    assignment (what `nbgrader generate_assignment` leaves), nothing graded.
    Creating the gradebook costs about 2 s (nbgrader runs `alembic heads`):
    it is paid here, by neither side."""
    reset(course)
    with tempfile.TemporaryDirectory() as scratch:
        nbgrader(["generate_assignment", NAME, "--force",
                  f"--CourseDirectory.release_directory={scratch}"], course)


def plain_nbgrader(course):
    """Seconds of `nbgrader autograde NAME` (all students, sequentially), scores."""
    registered(course)
    start = time.perf_counter()
    nbgrader(["autograde", NAME, "--force"], course)
    seconds = time.perf_counter() - start
    table = gradebook_table(NAME, course)["students"]
    return seconds, {s: r["score"] for s, r in table.items()}


def convlab_grade(course, jobs, isolated=True):
    """(whole seconds, autograde + re-verification seconds, scores), with
    convlab grade's defaults (calibrated time limits). The phase ends when
    the last student's autograde and re-verification are done; then come the
    lowering, the feedback, grades.csv and the report."""
    registered(course)
    graded = []
    start = time.perf_counter()
    result = grade.grade(NAME, course, jobs=jobs, isolated=isolated,
                         progress=lambda student, outcome: graded.append(time.perf_counter()))
    seconds = time.perf_counter() - start
    return seconds, max(graded) - start, {s: r["score"] for s, r in result.items()}


def row(label, students, seconds, phase):
    return (f"| {label} | {seconds:.1f} | {phase:.1f} | {60 * students / seconds:.1f} |")


def best(runs):
    """The fastest of several runs of the same command (by whole seconds)."""
    return min(runs, key=lambda run: run[0])


def report(students, loopers, jobs, honest, looping, rounds):
    """The Markdown section; (text, whether the scores agree). ``rounds``:
    [(peer run, convlab --jobs N run)], one pair per round."""
    plain, isolated_1, open_1, parallel = honest
    plain_l, parallel_l = looping
    every = [run for pair in rounds for run in pair]
    same = all(run[-1] == plain[-1] for run in (*every, isolated_1, open_1))
    same_l = plain_l[-1] == parallel_l[-1]
    header = ["| run | whole command (s) | autograde + re-verification (s) | "
              "students per minute |", "|---|---|---|---|"]
    peer = f"`nbgrader autograde {NAME}` (sequential, the peer)"
    lines = [
        SECTION, "",
        f"Made by `make bench-grading` (`python benchmarks/grading.py`): {students} "
        f"submissions of {NAME}, each run from the same state: the assignment "
        "registered in a new gradebook (`nbgrader generate_assignment`) and its time "
        "limits calibrated (`convlab assignments build` does both; untimed), nothing "
        "graded. convlab grade uses its defaults: students' code isolated in "
        "bubblewrap, each cell's time limit 20x the solution's (at least 10 s); the "
        "peer, nbgrader with the course's nbgrader_config.py (120 s per cell).",
        "",
        f"- date: {datetime.date.today()}; {platform.machine()}, {os.cpu_count()} CPUs "
        f"seen, Python {platform.python_version()}",
        "",
        f"An honest class (the demo class repeated); the peer and `convlab grade --jobs "
        f"{jobs}` were each timed {len(rounds)} times, taking turns, and the best of each "
        "is shown (all runs, whole command: peer "
        + ", ".join(f"{r[0][0]:.1f}" for r in rounds) + f" s; --jobs {jobs} "
        + ", ".join(f"{r[1][0]:.1f}" for r in rounds) + " s):",
        "",
        *header,
        f"| {peer} | {plain[0]:.1f} | {plain[0]:.1f} | {60 * students / plain[0]:.1f} |",
        row("`convlab grade --jobs 1`", students, *isolated_1[:2]),
        row("`convlab grade --jobs 1 --no-isolation`", students, *open_1[:2]),
        row(f"`convlab grade --jobs {jobs}`", students, *parallel[:2]),
        "",
        f"- throughput of `convlab grade --jobs {jobs}` over plain sequential nbgrader: "
        f"**{plain[0] / parallel[1]:.2f}x** for autograde + re-verification, "
        f"**{plain[0] / parallel[0]:.2f}x** for the whole command (feedback, grades.csv "
        "and the report included) (target >= 2x)",
        f"- what isolation costs: {(isolated_1[0] - open_1[0]) / students:+.2f} s per "
        f"student (`--jobs 1`, whole command, isolated minus --no-isolation)",
        f"- identical scores in all {len(every) + 2} runs: **{'yes' if same else 'NO'}**",
        "",
        f"The same class with {loopers} submissions whose `conv_backward_naive` never "
        "returns:",
        "",
        *header,
        f"| {peer} | {plain_l[0]:.1f} | {plain_l[0]:.1f} | "
        f"{60 * students / plain_l[0]:.1f} |",
        row(f"`convlab grade --jobs {jobs}`", students, *parallel_l[:2]),
        "",
        f"- throughput over plain sequential nbgrader: **{plain_l[0] / parallel_l[1]:.2f}x** "
        f"for autograde + re-verification, **{plain_l[0] / parallel_l[0]:.2f}x** for the "
        "whole command (target >= 3x)",
        f"- identical scores in both runs: **{'yes' if same_l else 'NO'}**",
    ]
    for title, runs in (("honest class", (*every, isolated_1, open_1)),
                        ("class with loopers", (plain_l, parallel_l))):
        scores = [r[-1] for r in runs]
        differ = sorted(s for s in set().union(*scores)
                        if len({r.get(s) for r in scores}) > 1)
        if differ:
            lines += ["", f"Scores that differ ({title}): " + ", ".join(
                f"{s}: {[r.get(s) for r in scores]}" for s in differ)]
    return "\n".join(lines) + "\n", same and same_l


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, help="class size (default 30)")
    parser.add_argument("--loopers", type=int, default=3,
                        help="never-ending submissions in the second class (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs (default 2)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="times the honest class is graded by each side (default 2)")
    parser.add_argument("--output", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    if args.students < 8 + args.loopers:
        parser.error(f"--students must be at least 8 (the demo class) + --loopers, got "
                     f"{args.students}")
    with tempfile.TemporaryDirectory(prefix="convlab-bench-grading-") as scratch:
        warm_up = Path(scratch) / "warm-up"
        make_course(warm_up, 8)
        print("warm-up: the demo class, by each side ...", flush=True)
        plain_nbgrader(warm_up)
        convlab_grade(warm_up, args.jobs)

        course = Path(scratch) / "honest"
        who = make_course(course, args.students)
        rounds = []
        for number in range(1, args.rounds + 1):
            print(f"{len(who)} submissions, round {number}: nbgrader autograde "
                  "(sequential) ...", flush=True)
            plain = plain_nbgrader(course)
            print(f"  {plain[0]:.1f} s; convlab grade --jobs {args.jobs} ...", flush=True)
            parallel = convlab_grade(course, args.jobs)
            print(f"  {parallel[0]:.1f} s", flush=True)
            rounds.append((plain, parallel))
        plain, parallel = best(r[0] for r in rounds), best(r[1] for r in rounds)
        print("convlab grade --jobs 1 ...", flush=True)
        isolated_1 = convlab_grade(course, 1)
        print(f"  {isolated_1[0]:.1f} s; convlab grade --jobs 1 --no-isolation ...",
              flush=True)
        open_1 = convlab_grade(course, 1, isolated=False)
        print(f"  {open_1[0]:.1f} s", flush=True)

        course = Path(scratch) / "loopers"
        make_course(course, args.students, loopers=args.loopers)
        print(f"with {args.loopers} loopers: nbgrader autograde (sequential) ...", flush=True)
        plain_l = plain_nbgrader(course)
        print(f"  {plain_l[0]:.1f} s; convlab grade --jobs {args.jobs} ...", flush=True)
        parallel_l = convlab_grade(course, args.jobs)
        print(f"  {parallel_l[0]:.1f} s", flush=True)
        text, same = report(len(who), args.loopers, args.jobs,
                            (plain, isolated_1, open_1, parallel), (plain_l, parallel_l),
                            rounds)
    print(text)
    if args.output:
        write_sections(args.output, text)
        print(f"written to {args.output}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
