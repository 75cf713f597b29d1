"""Grading a class: `convlab grade --jobs N` against plain sequential nbgrader.

    python benchmarks/grading.py [--students 30] [--jobs 2] [--output docs/benchmarks.md]

(`make bench-grading`.) In a scratch copy of the course holding
a2_convolution, a class of honest students (the demo class: correct, late,
blank and one student per typical mistake, repeated up to --students) is
graded three times in one run, each from the same state (``registered``:
the assignment in a new gradebook, nothing graded):

1. ``nbgrader autograde a2_convolution`` alone: one process, the students
   one after the other (the peer);
2. ``convlab grade --jobs 1``;
3. ``convlab grade --jobs N``.

convlab grade does more than the peer: the memory limit, the re-verification
of every submission in a sandbox, the feedback, grades.csv and the report.
The figures are its whole time, and, to compare like with like, the time of
its autograde + re-verification phase (everything before the feedback).
Scores must be identical in all three runs (an honest class: nothing for the
re-verification to correct). The result replaces the "## Grading a class"
section of --output (``benchmarks.markdown.write_sections``).
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
from convlab.classroom import demo_class, grade  # noqa: E402
from convlab.classroom.report import gradebook_table  # noqa: E402
NAME = "a2_convolution"
SECTION = "## Grading a class"


def make_course(folder, students):
    """A course with a2_convolution and `students` honest submissions."""
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
    who = demo_class.demo_class(NAME, folder, extra=extra)
    return who


def reset(course):
    """Back to an empty gradebook: nothing graded yet."""
    for part in ("gradebook.db", "autograded", "feedback", "grades.csv", "reports"):
        path = course / part
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def nbgrader(args, course):
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                   os.environ.get("PATH", "")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                            env=env, capture_output=True, text=True)
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


def convlab_grade(course, jobs):
    """(whole seconds, autograde + re-verification seconds, scores)."""
    registered(course)
    phases = {}
    original = grade.lower_inflated

    def timed_lower(*args, **kwargs):
        # The first call comes right after every student's autograde and
        # re-verification: that instant ends the phase timed against the peer.
        phases.setdefault("graded", time.perf_counter())
        return original(*args, **kwargs)

    grade.lower_inflated = timed_lower
    try:
        start = time.perf_counter()
        result = grade.grade(NAME, course, jobs=jobs, timeout=300)
        seconds = time.perf_counter() - start
    finally:
        grade.lower_inflated = original
    return seconds, phases["graded"] - start, {s: r["score"] for s, r in result.items()}


def report(students, jobs, plain, sequential, parallel):
    (p_s, p_scores), (s_s, s_phase, s_scores), (j_s, j_phase, j_scores) = (
        plain, sequential, parallel)
    same = p_scores == s_scores == j_scores
    lines = [
        SECTION, "",
        f"Made by `make bench-grading` (`python benchmarks/grading.py`): {students} "
        f"submissions of {NAME} (the demo class repeated: honest students, each typical "
        "mistake, blank), graded three times in one run, each from the same state: "
        "the assignment registered in a new gradebook (`nbgrader generate_assignment`, "
        "untimed), nothing graded. convlab grade registers the assignment again "
        "(timed); the peer does not.",
        "",
        f"- date: {datetime.date.today()}; {platform.machine()}, {os.cpu_count()} CPUs "
        f"seen, Python {platform.python_version()}",
        "",
        "| run | whole command (s) | autograde + re-verification (s) | "
        "students per minute |",
        "|---|---|---|---|",
        f"| `nbgrader autograde {NAME}` (sequential, the peer) | {p_s:.1f} | {p_s:.1f} | "
        f"{60 * students / p_s:.1f} |",
        f"| `convlab grade --jobs 1` | {s_s:.1f} | {s_phase:.1f} | "
        f"{60 * students / s_s:.1f} |",
        f"| `convlab grade --jobs {jobs}` | {j_s:.1f} | {j_phase:.1f} | "
        f"{60 * students / j_s:.1f} |",
        "",
        f"- throughput of `convlab grade --jobs {jobs}` over plain sequential nbgrader: "
        f"**{p_s / j_phase:.2f}x** for autograde + re-verification, "
        f"**{p_s / j_s:.2f}x** for the whole command (feedback, grades.csv and the "
        "report included) (target >= 1.7x)",
        f"- `--jobs {jobs}` over `--jobs 1`: {s_s / j_s:.2f}x (whole command)",
        f"- identical scores in the three runs: **{'yes' if same else 'NO'}**",
    ]
    if not same:
        lines += ["", "Scores that differ (nbgrader, jobs 1, jobs N): " + ", ".join(
            f"{s}: {p_scores.get(s)}, {s_scores.get(s)}, {j_scores.get(s)}"
            for s in sorted(set(p_scores) | set(s_scores) | set(j_scores))
            if not p_scores.get(s) == s_scores.get(s) == j_scores.get(s))]
    return "\n".join(lines) + "\n", same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30, help="class size (default 30)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs (default 2)")
    parser.add_argument("--output", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    if args.students < 8:
        parser.error(f"--students must be at least 8 (the demo class), got {args.students}")
    with tempfile.TemporaryDirectory(prefix="convlab-bench-grading-") as scratch:
        course = Path(scratch) / "course"
        who = make_course(course, args.students)
        print(f"{len(who)} submissions; nbgrader autograde (sequential) ...", flush=True)
        plain = plain_nbgrader(course)
        print(f"  {plain[0]:.1f} s; convlab grade --jobs 1 ...", flush=True)
        sequential = convlab_grade(course, 1)
        print(f"  {sequential[0]:.1f} s; convlab grade --jobs {args.jobs} ...", flush=True)
        parallel = convlab_grade(course, args.jobs)
        text, same = report(len(who), args.jobs, plain, sequential, parallel)
    print(text)
    if args.output:
        write_sections(args.output, text)
        print(f"written to {args.output}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
