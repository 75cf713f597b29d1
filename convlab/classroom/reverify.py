"""Re-verification: the checks of convlab.grading, run again on a submission's
functions in a Sandbox, and the points of tests that pass only in the notebook
taken back.

    reverify(name, student, course_dir)          [{"check", "passed", "message"}]
    lower_inflated(name, student, course_dir, verdicts)
                                                 set those tests' points to 0
    reverify_notebook(notebook, CHECKS[name])    [CheckResult] for one notebook

A submission's code can change what the tests in its own kernel see; here the
checks run in the grader's process, on proxies of the functions that run in a
sandboxed process (convlab.classroom.sandbox), so it cannot.
``python -m convlab.classroom.reverify`` re-verifies one notebook in a
process of its own (``main``).
"""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import nbformat

from convlab import grading as g
from convlab.classroom.assignments import graded_cells
from convlab.classroom.processes import nbgrader_env
from convlab.classroom.sandbox import Sandbox, StudentError
from convlab.classroom.time_limits import call_limits
from convlab import i18n
from convlab.classroom.feedback import notebook_languages
from convlab.errors import ClassroomError
from convlab.i18n import _


class CheckResult(NamedTuple):
    check: str
    passed: bool
    message: str


def reverify_notebook(notebook_path, checks, timeout=60, memory_mb=2048, isolated=False,
                      budget=None, call_timeouts=None):
    """Run each (check, [function names]) of ``checks`` in this process on the
    functions of the submission, run in a Sandbox (each call within
    ``timeout`` seconds, or ``call_timeouts[name]``). A check whose call kills
    or stalls the process fails; the process is restarted for the next one.
    A function or cell that ran out of time is not run again, and the whole
    takes at most ``budget`` seconds (default: one ``timeout``, and the
    seconds it takes to stop a process, per check and two more): the checks
    left then fail. Returns [CheckResult(check name,
    passed, message)]."""
    budget = budget or (timeout + 5) * (len(checks) + 2)
    end = time.monotonic() + budget
    results = []
    # The checks' hints in the language the student chose in the notebook,
    # or in both when it does not say (as its test cells showed them).
    languages = notebook_languages(nbformat.read(notebook_path, as_version=4))
    with student_language(languages[0] if len(languages) == 1 else None), \
            Sandbox(notebook_path, timeout=timeout, memory_mb=memory_mb, isolated=isolated,
                    call_timeouts=call_timeouts) as sandbox:
        for check, names in checks:
            if time.monotonic() > end:
                results.append(CheckResult(check.__name__, False, (
                    f"not checked: checking this submission again took longer than "
                    f"{budget:g} s in all")))
                continue
            if sandbox.dead:
                sandbox.restart()
            output = io.StringIO()
            try:
                with contextlib.redirect_stdout(output):
                    check(*[sandbox.function(name) for name in names])
            except (AssertionError, StudentError) as error:
                results.append(CheckResult(check.__name__, False, str(error)))
            except Exception as error:  # noqa: BLE001 (a grading error: still a result)
                results.append(CheckResult(check.__name__, False,
                                           f"{type(error).__name__}: {error}"))
            else:
                results.append(CheckResult(check.__name__, True, output.getvalue().strip()))
    return results


def _checks():
    """The function-based checks of each assignment.

    a3_pooling_convnet's ThreeLayerConvNet and training checks are left out:
    they take a class (objects that cannot cross the process boundary) and
    train a network; they are not re-verified here.
    """
    return {
        "a1_perceptron_fc": [
            (g.check_perceptron_step, ["perceptron_step"]),
            (g.check_affine_forward, ["affine_forward"]),
            (g.check_affine_backward, ["affine_forward", "affine_backward"]),
            (g.check_relu_forward, ["relu_forward"]),
            (g.check_relu_backward, ["relu_forward", "relu_backward"]),
            (g.check_softmax_loss, ["softmax_loss"]),
        ],
        "a2_convolution": [
            (g.check_conv_output_size, ["conv_output_size"]),
            (g.check_zero_pad, ["zero_pad"]),
            (g.check_conv_single_step, ["conv_single_step"]),
            (g.check_conv_forward_naive, ["conv_forward_naive"]),
            (g.check_conv_backward_naive, ["conv_forward_naive", "conv_backward_naive"]),
            (g.check_conv_param_count, ["conv_param_count"]),
        ],
        "a3_pooling_convnet": [
            (g.check_max_pool_forward_naive, ["max_pool_forward_naive"]),
            (g.check_max_pool_backward_naive,
             ["max_pool_forward_naive", "max_pool_backward_naive"]),
            (g.check_conv_forward_fast, ["conv_forward_fast"]),
        ],
    }


def main(argv=None):
    """``python -m convlab.classroom.reverify NOTEBOOK ASSIGNMENT OUTPUT``:
    re-verify one submission with the checks of its assignment (``CHECKS``)
    and write the results to OUTPUT as JSON, a list of {"check", "passed",
    "message"}. ``convlab grade`` runs one such process per submission, so
    that the checks of different students never share a process (their
    printed output and their memory stay apart)."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m convlab.classroom.reverify",
                                     description=main.__doc__.split(":", 1)[0])
    parser.add_argument("notebook", help="the submitted notebook")
    parser.add_argument("assignment", help="the assignment, e.g. a2_convolution")
    parser.add_argument("output", help="where to write the results (JSON)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds per call of a student's function (default 60)")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="memory limit of the sandboxed process (default 2048)")
    parser.add_argument("--call-timeouts", type=json.loads, default={},
                        help='seconds per call of some functions, as JSON: {"name": 10}')
    parser.add_argument("--isolated", action="store_true",
                        help="run it in a bubblewrap sandbox (convlab.classroom.isolation)")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.notebook):
        parser.error(f"no such notebook: {args.notebook}")
    checks = CHECKS
    if args.assignment not in checks:
        parser.error(f"no checks for {args.assignment}: there are some for "
                     f"{', '.join(sorted(checks))}")
    results = reverify_notebook(args.notebook, checks[args.assignment], timeout=args.timeout,
                               memory_mb=args.memory_mb, isolated=args.isolated,
                               call_timeouts=args.call_timeouts)
    with open(args.output, "w", encoding="utf-8") as file:
        json.dump([r._asdict() for r in results], file, ensure_ascii=False, indent=1)
    return 0



CHECKS = _checks()


@contextlib.contextmanager
def student_language(language):
    """convlab's messages in ``language`` ("en", "vi", or None: the hints in
    both languages) for the time of the block."""
    previous = (i18n._language, os.environ.pop("CONVLAB_LANG", None))
    i18n.set_language(language)
    try:
        yield
    finally:
        i18n._language = previous[0]
        if previous[1] is not None:
            os.environ["CONVLAB_LANG"] = previous[1]


# --- In convlab grade ----------------------------------------------------------------

def reverify(name, student, course_dir, limits, memory_mb=2048, worker=None,
             isolated=False, notebook=None):
    """Re-verify a submission's functions in a sandbox (convlab.classroom.sandbox),
    in the ``Worker``'s process or, without one or when it fails there, in a
    process of its own; returns [{"check", "passed", "message"}], or []
    when the assignment has no function checks. ``limits``: the time limits
    of convlab.classroom.time_limits (a function's calls get its cells');
    ``notebook``: the name of the handed-in notebook that was graded
    (default: the assignment's)."""
    if name not in CHECKS:
        return []
    timeout = limits["default"]
    calls = call_limits(limits, sorted({f for _check, names in CHECKS[name] for f in names}))
    notebook = Path(course_dir) / "submitted" / student / name / (notebook or f"{name}.ipynb")
    if notebook.is_symlink() or not notebook.is_file():
        return []
    with tempfile.TemporaryDirectory(prefix="convlab-reverify-") as scratch:
        found = (worker.reverify(name, notebook, timeout, memory_mb, calls) if worker
                 else None)
        if found is None:
            output = Path(scratch) / "results.json"
            process = subprocess.run(
                [sys.executable, "-m", "convlab.classroom.reverify", str(notebook), name,
                 str(output), f"--timeout={timeout}", f"--memory-mb={memory_mb}",
                 f"--call-timeouts={json.dumps(calls)}"]
                + (["--isolated"] if isolated else []),
                capture_output=True, text=True, env=nbgrader_env(), cwd=scratch)
            if process.returncode != 0 or not output.exists():
                raise ClassroomError(_("re-verification of {student} failed:\n{log}").format(
                    student=student, log=(process.stdout + process.stderr)[-2000:]))
            found = json.loads(output.read_text(encoding="utf-8"))
    return found


def tests_of_checks(source_path):
    """{check name: [grade_ids of the autograded test cells that call it]}, read
    from the source notebook (a test cell calls ``grading.check_xxx(``)."""
    found = {}
    for cell in graded_cells(nbformat.read(source_path, as_version=4)):
        for check in sorted(set(re.findall(r"\bgrading\.(check_\w+)\(", cell.source))):
            found.setdefault(check, []).append(cell.metadata["nbgrader"]["grade_id"])
    return found


def lower_inflated(name, student, course_dir, verdicts, previously=()):
    """Set to 0 the points of every test cell whose check failed in the
    re-verification while nbgrader gave it points, after giving back the
    points taken ``previously`` (the last run's, unless an instructor has
    changed them since: nbgrader keeps manual scores across autograde runs).
    Returns (notes, lowered): notes = {grade_id: [message]} for the
    feedback, lowered = the grade_ids whose points were taken back."""
    notes, lowered = {}, []
    if not previously and all(verdict["passed"] for verdict in verdicts):
        return notes, lowered   # nothing to give back or take: most students
    from nbgrader.api import Gradebook, MissingEntry

    source = Path(course_dir) / "solutions" / name / f"{name}.ipynb"
    cells_of = tests_of_checks(source)
    db = Path(course_dir).resolve() / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        def find(grade_id):
            try:
                return gb.find_grade(grade_id, name, name, student)
            except MissingEntry:
                return None

        for grade_id in previously:
            grade = find(grade_id)
            if grade is not None and grade.manual_score == 0:
                grade.manual_score = None
        gb.db.commit()
        for verdict in verdicts:
            if verdict["passed"]:
                continue
            for grade_id in cells_of.get(verdict["check"], []):
                grade = find(grade_id)
                if grade is None or not (grade.score or 0) > 0:
                    continue
                grade.manual_score = 0.0
                gb.db.commit()
                lowered.append(grade_id)
                notes.setdefault(grade_id, []).append(_(
                    "{test} passed in the notebook but failed when its functions were run "
                    "again in a separate process, so its points were set to 0:\n"
                    "{message}").format(test=grade_id, message=verdict["message"]))
    return notes, sorted(set(lowered))


if __name__ == "__main__":
    sys.exit(main())
