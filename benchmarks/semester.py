"""A class of 120 through nbgrader's exchange: collect -> grade -> release_feedback.

    python benchmarks/semester.py [--students 120] [--jobs 2] [--output docs/benchmarks.md]

(`make bench-semester`.) In a scratch course with a2_convolution and its own
exchange, the assignment is released, --students submissions (the demo
class repeated: honest students, each typical mistake, blank) are put in the
exchange's inbound folder as `nbgrader submit` leaves them, and the
instructor's three steps are timed: `nbgrader collect`, `convlab grade
--jobs N`, `nbgrader release_feedback`. The sizes of the exchange and of the
course folder are measured too, for the extrapolation to a larger class in
docs/instructors.md. One account does everything here; tests/test_hub.py
runs the cycle with real accounts on JupyterHub. The result replaces the
"## A semester's grading" section of --output.
"""
import argparse
import datetime
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run as a script: `python benchmarks/semester.py`

from benchmarks.grading import make_course  # noqa: E402
from benchmarks.markdown import write_sections  # noqa: E402

NAME = "a2_convolution"
SECTION = "## A semester's grading"


def run(args, course, what):
    """A command in the course folder, the venv's bin/ first on PATH."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                   os.environ.get("PATH", "")]))
    start = time.perf_counter()
    result = subprocess.run(args, cwd=course, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return time.perf_counter() - start


def size_mb(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2 ** 20


def submit(course, exchange, students):
    """Move each student's notebook from submitted/ into the exchange's
    inbound folder, as `nbgrader submit` leaves it."""
    inbound = exchange / "convlab" / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    for k, student in enumerate(students):
        source = course / "submitted" / student / NAME
        target = inbound / f"{student}+{NAME}+{stamp}+{k:08x}"
        target.mkdir()
        shutil.copy(source / f"{NAME}.ipynb", target)
        (target / "timestamp.txt").write_text(stamp)
        # The secret that release_feedback names the feedback with.
        (target / "submission_secret.txt").write_text(secrets.token_hex(16))
    shutil.rmtree(course / "submitted")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=120, help="class size (default 120)")
    parser.add_argument("--jobs", type=int, default=2, help="convlab grade --jobs (default 2)")
    parser.add_argument("--output", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="convlab-bench-semester-") as scratch:
        course, exchange = Path(scratch) / "course", Path(scratch) / "exchange"
        who = make_course(course, args.students)
        exchange.mkdir()
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
        run(["nbgrader", "generate_assignment", NAME, "--force"], course, "generate")
        run(["nbgrader", "release_assignment", NAME, "--force"], course, "release")
        submit(course, exchange, who)
        print(f"{len(who)} submissions in the exchange; collect ...", flush=True)
        times = {"nbgrader collect": run(["nbgrader", "collect", NAME], course, "collect")}
        print(f"  {times['nbgrader collect']:.1f} s; convlab grade ...", flush=True)
        times[f"convlab grade --jobs {args.jobs}"] = run(
            ["convlab", "grade", NAME, "--jobs", str(args.jobs)], course, "grade")
        print(f"  {times[f'convlab grade --jobs {args.jobs}']:.1f} s; release_feedback ...",
              flush=True)
        times["nbgrader release_feedback"] = run(
            ["nbgrader", "release_feedback", NAME], course, "release_feedback")
        sizes = {"exchange": size_mb(exchange), "course folder": size_mb(course)}
        per_student = {k: v / len(who) for k, v in sizes.items()}
    grading = times[f"convlab grade --jobs {args.jobs}"]
    lines = [
        SECTION, "",
        f"Made by `make bench-semester` (`python benchmarks/semester.py`): {len(who)} "
        f"submissions of {NAME} (the demo class repeated) in nbgrader's exchange, as "
        "`nbgrader submit` leaves them; the instructor's three steps timed, one account "
        "(tests/test_hub.py runs the cycle with real accounts on JupyterHub).",
        "",
        f"- date: {datetime.date.today()}; {platform.machine()}, {os.cpu_count()} CPUs "
        f"seen, Python {platform.python_version()}",
        "",
        "| step | seconds | per student (s) |",
        "|---|---|---|",
        *[f"| `{step}` | {t:.1f} | {t / len(who):.2f} |" for step, t in times.items()],
        "",
        f"- sizes after the cycle: exchange {sizes['exchange']:.1f} MB "
        f"({per_student['exchange'] * 1024:.0f} KB per student), course folder "
        f"{sizes['course folder']:.1f} MB ({per_student['course folder'] * 1024:.0f} KB "
        "per student: submitted, autograded, feedback, gradebook)",
        f"- grading throughput: {60 * len(who) / grading:.0f} students per minute with "
        f"--jobs {args.jobs}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        write_sections(args.output, text)
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
