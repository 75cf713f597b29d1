"""A class of submissions: a demo class to grade, and grading a whole class.

    demo_class(name, course_dir=".", force=False)   sample submissions in submitted/
    grade(name, course_dir=".", jobs=1, timeout=120) autograde, feedback, grades.csv, report

``grade`` runs nbgrader as programs, like ``convlab assignments build``:

1. ``nbgrader generate_assignment <name> --force`` registers the assignment,
   its notebooks and its test cells in gradebook.db; the released notebooks
   are written into a scratch folder, so the committed assignments/ is left
   alone;
2. one ``nbgrader autograde <name> --student <id> --force`` process per
   student, ``jobs`` at a time, each with a wall-clock timeout: past it the
   process and its kernel are killed and the student is recorded as failed,
   with a comment. The processes share the SQLite gradebook; nbgrader's
   writes are short transactions, and a run that still reports "database is
   locked" is retried, so the scores are those of a sequential run;
3. ``nbgrader generate_feedback`` and ``nbgrader export`` (grades.csv);
4. the class report, reports/<name>.html: per-test pass rates (table and bar
   chart) and the score histogram, read from the gradebook.

Nothing in submitted/ is written by ``grade``.

The CLI functions ``grade_command(args)`` and ``demo_class_command(args)``
read ``args.name`` (the assignment), ``args.course_dir`` (default "."),
and ``args.jobs`` (default 1), ``args.timeout`` (seconds per student,
default 120) for grade, ``args.force`` (bool) for demo-class; missing
attributes take the defaults.
"""
import base64
import datetime
import html
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat


class ClassroomError(Exception):
    """A class that cannot be set up or graded, with the reason."""


# --- The demo class ---------------------------------------------------------------

# Per assignment: student -> (the solution cell's grade_id, text in it, replacement).
# Each is one typical mistake, made in one solution cell.
MISTAKES = {
    "a1_perceptron_fc": {
        "fires_at_zero": ("perceptron_step", "> 0 else 0", ">= 0 else 0"),
        "no_max_shift": ("softmax_loss",
                         "shifted = scores - scores.max(axis=1, keepdims=True)",
                         "shifted = scores"),
    },
    "a2_convolution": {
        "no_bias": ("conv_forward_naive", "conv_single_step(window, w[f], b[f])",
                    "conv_single_step(window, w[f], 0.0)"),
        "flipped_kernel": ("conv_forward_naive", "conv_single_step(window, w[f], b[f])",
                           "conv_single_step(window, w[f, :, ::-1, ::-1], b[f])"),
        "floor_division": ("conv_output_size", "if span % stride != 0:", "if False:"),
        "pad_all_axes": ("zero_pad",
                         'np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant",',
                         'np.pad(x, pad, mode="constant",'),
    },
    "a3_pooling_convnet": {
        "pool_grad_whole_window": ("max_pool_backward_naive",
                                   "mask * dout[:, :, i, j][:, :, None]",
                                   "np.ones_like(mask) * dout[:, :, i, j][:, :, None]"),
    },
}

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def _notebook_paths(name, course_dir):
    course_dir = Path(course_dir)
    source = course_dir / "solutions" / name / f"{name}.ipynb"
    released = course_dir / "assignments" / name / f"{name}.ipynb"
    if not source.exists():
        raise ClassroomError(f"no source notebook {source}: expected "
                             f"solutions/{name}/{name}.ipynb in the course directory")
    if not released.exists():
        raise ClassroomError(f"no released notebook {released}: run "
                             f"`convlab assignments build {name}` first")
    return source, released


def with_mistake(notebook, grade_id, old, new):
    """A copy of a notebook with `old` replaced by `new` in the cell `grade_id`."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            if old not in cell.source:
                raise ClassroomError(f"cell {grade_id} does not contain {old!r}: "
                                     "update MISTAKES in convlab/classroom.py")
            cell.source = cell.source.replace(old, new, 1)
            return notebook
    raise ClassroomError(f"no cell {grade_id} in the notebook")


def _due_date(name, course_dir):
    """The assignment's due date in the gradebook (naive UTC), or None."""
    db = Path(course_dir) / "gradebook.db"
    if not db.exists():
        return None
    try:
        from nbgrader.api import Gradebook, MissingEntry
        with Gradebook(f"sqlite:///{db.resolve()}") as gb:
            try:
                return gb.find_assignment(name).duedate
            except MissingEntry:
                return None
    except Exception:
        return None


def demo_class(name, course_dir=".", force=False, extra=None):
    """Fill submitted/<student>/<name>/<name>.ipynb with a sample class.

    Students: ``correct`` (the solution), ``blank`` (the released version),
    one student per typical mistake of MISTAKES[name], and ``late`` (the
    solution, submitted two days after the due date: the gradebook's, or
    now when there is none). ``extra`` maps more student ids to notebooks.
    An existing submission is never overwritten: ClassroomError, unless
    ``force``. Returns the list of students.
    """
    course_dir = Path(course_dir)
    source, released = _notebook_paths(name, course_dir)
    solution = nbformat.read(source, as_version=4)
    notebooks = {"correct": solution, "blank": nbformat.read(released, as_version=4)}
    for student, mistake in MISTAKES.get(name, {}).items():
        notebooks[student] = with_mistake(solution, *mistake)
    notebooks["late"] = solution
    notebooks.update(extra or {})

    folders = {s: course_dir / "submitted" / s / name for s in notebooks}
    existing = [s for s, folder in folders.items() if folder.exists()]
    if existing and not force:
        raise ClassroomError(
            f"submissions already exist for {', '.join(existing)} in "
            f"{course_dir / 'submitted'}: not overwriting them (use --force to replace "
            "the demo class)")

    due = _due_date(name, course_dir) or datetime.datetime.utcnow()
    on_time = due - datetime.timedelta(hours=1)
    late = due + datetime.timedelta(days=2)
    for student, notebook in notebooks.items():
        folder = folders[student]
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{name}.ipynb")
        stamp = late if student == "late" else on_time
        (folder / "timestamp.txt").write_text(stamp.strftime(TIMESTAMP_FORMAT))
    return list(notebooks)


# --- Running nbgrader ---------------------------------------------------------------

def _env():
    # nbgrader runs `alembic` as a program: it must be found next to Python.
    return dict(os.environ, PATH=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def _kill_tree(process):
    """Kill a process started in its own session, its group and its descendants
    (Jupyter kernels run in sessions of their own)."""
    try:
        import psutil
        descendants = psutil.Process(process.pid).children(recursive=True)
    except Exception:
        descendants = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in descendants:
        try:
            child.kill()
        except Exception:
            pass


def _run(args, cwd, timeout=None):
    """Run `python -m nbgrader ARGS` in cwd; returns (returncode or None on timeout, log)."""
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                               env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        out, _ = process.communicate()
        return None, out
    return process.returncode, out


def _nbgrader(args, cwd, what):
    code, log = _run(args, cwd)
    if code != 0:
        raise ClassroomError(f"nbgrader {what} failed:\n{log[-3000:]}")
    return log


LOCKED = "database is locked"


def _autograde(name, student, course_dir, timeout, retries=5):
    """Autograde one student; returns (ok, seconds, comment)."""
    start = time.perf_counter()
    for attempt in range(retries + 1):
        code, log = _run(["autograde", name, "--student", student, "--force"],
                         course_dir, timeout=timeout)
        if code is None:
            return False, time.perf_counter() - start, (
                f"killed after the time limit of {timeout} s: a cell loops or is too "
                "slow")
        if LOCKED in log and attempt < retries:
            time.sleep(0.5 + attempt)
            continue
        if code != 0 or LOCKED in log:
            lines = [line for line in log.splitlines() if line.strip()]
            return False, time.perf_counter() - start, (
                "nbgrader autograde failed: " + " | ".join(lines[-3:])[-500:])
        return True, time.perf_counter() - start, ""
    raise AssertionError("unreachable")


def students(name, course_dir="."):
    """The students with a submission of `name` in submitted/."""
    folder = Path(course_dir) / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / name).is_dir())


def grade(name, course_dir=".", jobs=1, timeout=120, progress=None):
    """Autograde every submission of `name`, then feedback, grades.csv and the report.

    Returns {student: {"score", "max_score", "ok", "comment", "seconds",
    "late", "grades"}}: max_score is the autograded points (manually graded
    cells are not counted); a student whose autograde failed or timed out has
    ok False, a comment and score 0.
    """
    course_dir = Path(course_dir).resolve()
    _notebook_paths(name, course_dir)
    who = students(name, course_dir)
    if not who:
        raise ClassroomError(
            f"no submissions of {name}: expected "
            f"{course_dir / 'submitted'}/<student>/{name}/{name}.ipynb "
            f"(`convlab demo-class {name}` makes a sample class)")

    with tempfile.TemporaryDirectory(prefix="convlab-release-") as scratch:
        _nbgrader(["generate_assignment", name, "--force",
                   f"--CourseDirectory.release_directory={scratch}"],
                  course_dir, "generate_assignment")

    outcome = {}
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        futures = {s: pool.submit(_autograde, name, s, course_dir, timeout) for s in who}
        for student, future in futures.items():
            ok, seconds, comment = future.result()
            outcome[student] = {"ok": ok, "seconds": seconds, "comment": comment}
            if progress:
                progress(f"{student}: {'graded' if ok else 'FAILED'} in {seconds:.1f} s"
                         + (f" ({comment})" if comment else ""))

    # Feedback for the students whose autograde finished, `jobs` at a time.
    graded = [s for s in who if outcome[s]["ok"]]
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        list(pool.map(lambda student: _nbgrader(
            ["generate_feedback", name, "--student", student, "--force"],
            course_dir, "generate_feedback"), graded))
    _nbgrader(["export"], course_dir, "export")

    table = gradebook_table(name, course_dir)
    for student in who:
        outcome[student].update(table["students"].get(
            student, {"score": 0.0, "grades": {}, "late": False}))
        outcome[student]["max_score"] = table["max_score"]
        if not outcome[student]["ok"]:
            outcome[student]["score"] = 0.0
    write_report(name, course_dir, table, outcome)
    return outcome


# --- The gradebook and the report ---------------------------------------------------

def gradebook_table(name, course_dir="."):
    """Read the autograded tests and every student's grades from gradebook.db.

    Returns {"tests": [(grade_id, points)] of the autograded test cells,
    "max_score" (their points), "max_with_manual" (with the manually graded
    cells), "students": {student: {"score", "grades": {grade_id: score}, "late"}}}.
    """
    from nbgrader.api import Gradebook, MissingEntry

    db = Path(course_dir).resolve() / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        assignment = gb.find_assignment(name)
        tests = []
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            tests += [(cell.name, float(cell.max_score)) for cell in notebook.grade_cells
                      if cell.cell_type == "code" and cell.name not in answers]
        result = {"tests": tests, "max_score": sum(points for _, points in tests),
                  "max_with_manual": float(assignment.max_score), "students": {}}
        for submission in assignment.submissions:
            grades = {}
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    grades[g.name] = float(g.score or 0.0)
            result["students"][submission.student.id] = {
                "score": float(submission.score or 0.0),
                "grades": grades, "late": bool(submission.total_seconds_late > 0)}
    return result


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(name, course_dir, table, outcome):
    """reports/<name>.html: per-test pass rates (table, bar chart), score histogram."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    who = sorted(outcome)
    n = len(who)
    rows, rates = [], []
    for test, points in table["tests"]:
        full = sum(1 for s in who if outcome[s]["ok"]
                   and outcome[s].get("grades", {}).get(test, 0.0) >= points - 1e-9)
        rate = full / n if n else 0.0
        rates.append(rate)
        rows.append(f"<tr><td>{html.escape(test)}</td><td>{points:g}</td>"
                    f"<td>{full} / {n}</td><td>{rate:.0%}</td></tr>")

    figure, axis = plt.subplots(figsize=(7, 0.4 * len(rates) + 1.2))
    labels = [t for t, _ in table["tests"]]
    axis.barh(labels[::-1], [100 * r for r in rates[::-1]], color="#4c72b0")
    axis.set_xlim(0, 100)
    axis.set_xlabel("students with full points (%)")
    axis.set_title(f"{name}: pass rate per test")
    bars = _png(figure)
    plt.close(figure)

    scores = [outcome[s]["score"] for s in who]
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(scores, bins=min(20, max(5, n)), range=(0, table["max_score"] or 1),
              color="#55a868", edgecolor="black")
    axis.set_xlabel(f"score (out of {table['max_score']:g})")
    axis.set_ylabel("students")
    axis.set_title(f"{name}: scores")
    histogram = _png(figure)
    plt.close(figure)

    student_rows = "".join(
        f"<tr><td>{html.escape(s)}</td><td>{outcome[s]['score']:g}</td>"
        f"<td>{table['max_score']:g}</td><td>{'yes' if outcome[s].get('late') else ''}</td>"
        f"<td>{'ok' if outcome[s]['ok'] else 'FAILED'}</td>"
        f"<td>{html.escape(outcome[s]['comment'])}</td></tr>" for s in who)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)}: class report</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style></head><body>
<h1>{html.escape(name)}: class report</h1>
<p>{n} submissions, generated {datetime.datetime.now():%Y-%m-%d %H:%M}.</p>
<h2>Tests</h2>
<table><tr><th>test</th><th>points</th><th>full points</th><th>pass rate</th></tr>
{''.join(rows)}</table>
<p><img alt="pass rate per test" src="data:image/png;base64,{bars}"></p>
<h2>Scores</h2>
<p><img alt="score histogram" src="data:image/png;base64,{histogram}"></p>
<table><tr><th>student</th><th>score</th><th>max</th><th>late</th><th>autograde</th>
<th>comment</th></tr>
{student_rows}</table>
</body></html>
"""
    folder = Path(course_dir) / "reports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    return path


# --- The CLI --------------------------------------------------------------------------

def _summary(outcome):
    width = max([len("student")] + [len(s) for s in outcome])
    lines = [f"{'student':<{width}}  {'score':>11}  status"]
    for student in sorted(outcome):
        o = outcome[student]
        status = "ok" if o["ok"] else f"FAILED: {o['comment']}"
        lines.append(f"{student:<{width}}  {o['score']:>5g} / {o['max_score']:<3g}  {status}")
    return "\n".join(lines)


def grade_command(args):
    """``convlab grade NAME [--course-dir DIR] [--jobs N] [--timeout SECONDS]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        start = time.perf_counter()
        outcome = grade(args.name, course_dir=course_dir,
                        jobs=getattr(args, "jobs", 1) or 1,
                        timeout=getattr(args, "timeout", 120) or 120)
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    print(_summary(outcome))
    print(f"graded {len(outcome)} submissions in {time.perf_counter() - start:.0f} s; "
          f"grades.csv, feedback/ and reports/{args.name}.html in {course_dir}")
    return 0


def demo_class_command(args):
    """``convlab demo-class NAME [--course-dir DIR] [--force]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        who = demo_class(args.name, course_dir=course_dir,
                         force=bool(getattr(args, "force", False)))
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    for student in who:
        mistake = MISTAKES.get(args.name, {}).get(student)
        what = {"correct": "the solution", "blank": "the released notebook, untouched",
                "late": "the solution, two days after the due date"}.get(
            student, f"one mistake in {mistake[0]}" if mistake else "")
        print(f"{student:<24} {what}")
    print(f"{len(who)} submissions in {Path(course_dir) / 'submitted'}; grade them with "
          f"`convlab grade {args.name}`")
    return 0
