"""A class of submissions: a demo class to grade, and grading a whole class.

    demo_class(name, course_dir=".", force=False)   sample submissions in submitted/
    grade(name, course_dir=".", jobs=1, timeout=120) autograde, re-verify, feedback,
                                                     grades.csv, the report

``grade`` runs nbgrader as programs, like ``convlab assignments build``:

1. nbgrader's ``generate_assignment <name> --force`` registers the assignment,
   its notebooks and its test cells in gradebook.db; the released notebooks
   are written into a scratch folder, so the committed assignments/ is left
   alone;
2. for each student, ``jobs`` at a time (threads that wait on processes):
   ``autograde``: nbgrader's autograde of a scratch copy of the submission,
   with a wall-clock timeout and a memory limit, in one of ``jobs``
   long-lived nbgrader processes (``Worker``; starting nbgrader costs as much
   as grading a submission). A submission that fails there is graded again
   by one ``nbgrader autograde <name> --student <id> --force`` process of its
   own: a cell that kills the kernel or runs past the timeout is skipped in
   the copy and the copy graded again, so the rest keeps its points. The
   processes share the SQLite gradebook; nbgrader's writes are short
   transactions, and a run that still reports "database is locked" is
   retried, so the scores are those of a sequential run.
   ``reverify``: the submission's functions run again in a sandbox
   (convlab.grading.sandbox: a fresh, limited process that cannot see the
   tests) and convlab's checks compare them in the grader's process;
3. ``lower_inflated``: a test cell that passed in the notebook but whose
   check fails in the sandbox gets 0 points (nbgrader's manual score), with
   a note; the notes go to autograded/<student>/<name>/.convlab_grading.json
   for the feedback (convlab.grading.feedback hides the hidden tests);
4. nbgrader's generate_feedback (in the workers) and ``nbgrader export``
   (grades.csv);
5. the class report, reports/<name>.html (convlab.class_report).

Nothing in submitted/ is written by ``grade``.

The CLI functions ``grade_command(args)`` and ``demo_class_command(args)``
read ``args.name`` (the assignment), ``args.course_dir`` (default "."),
and ``args.jobs`` (default 1), ``args.timeout`` (seconds per student,
default 120) for grade, ``args.force`` (bool) for demo-class; missing
attributes take the defaults.
"""
import contextlib
import datetime
import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from convlab.class_report import gradebook_table, write_report
from convlab.i18n import _


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

# --- The hostile class ----------------------------------------------------------------
# Students who try to fool the grader, each on top of one wrong answer, so that
# their fair score is known: the same as an honest student with that mistake.
# Each entry: (what the student does; the mistake, as in MISTAKES; a code cell
# added at the top of the notebook, or None; files written next to it).

_PATCH_NUMPY = """\
# Every comparison says "equal".
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
"""

_PATCH_CHECKS = """\
# Every check passes.
from convlab import grading
for _name in dir(grading):
    if _name.startswith("check_"):
        setattr(grading, _name, lambda *args, **kwargs: print("all cases passed"))
"""

_USE_REFERENCE = """\
# The answers, from convlab itself.
from convlab.layers import conv_forward_naive as _forward, conv_backward_naive as _backward
"""

_FAKE_NUMPY = """\
# numpy.py next to the notebook: the real NumPy, with comparisons that always agree.
import os, sys
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
del sys.modules["numpy"]
import numpy as _numpy
_numpy.allclose = lambda *args, **kwargs: True
_numpy.array_equal = lambda *args, **kwargs: True
sys.modules["numpy"] = _numpy
"""

_FAKE_CONVLAB = """\
# convlab/ next to the notebook: the real convlab, with checks that always pass.
import os, sys
_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
for _name in [m for m in sys.modules if m == "convlab" or m.startswith("convlab.")]:
    del sys.modules[_name]
import convlab as _convlab
import convlab.grading as _grading
for _name in dir(_grading):
    if _name.startswith("check_"):
        setattr(_grading, _name, lambda *args, **kwargs: None)
sys.modules["convlab"] = _convlab
"""

A2 = MISTAKES["a2_convolution"]
HOSTILE = {
    "a2_convolution": {
        "patches_numpy": ("monkeypatches NumPy's comparisons; forgets the bias",
                          A2["no_bias"], _PATCH_NUMPY, {}),
        "patches_checks": ("replaces convlab's checks; flips the kernel",
                           A2["flipped_kernel"], _PATCH_CHECKS, {}),
        "imports_reference": ("calls convlab's reference for the forward and backward passes",
                              None, _USE_REFERENCE, {}),
        "fake_numpy": ("numpy.py next to the notebook; pads every axis",
                       A2["pad_all_axes"], None, {"numpy.py": _FAKE_NUMPY}),
        "fake_convlab": ("convlab/ next to the notebook; accepts sizes that are not whole",
                         A2["floor_division"], None, {"convlab/__init__.py": _FAKE_CONVLAB}),
        "edits_tests": ("empties one test cell, deletes another; no bias in the count",
                        ("conv_param_count", "(f * f * in_channels + 1) * filters",
                         "f * f * in_channels * filters"), None, {}),
        "loops": ("conv_backward_naive never returns",
                  ("conv_backward_naive", "x, w, b, stride, pad = cache",
                   "while True:\n        pass"), None, {}),
        "memory_bomb": ("conv_param_count takes all the memory it can",
                        ("conv_param_count", "return (f * f * in_channels + 1) * filters",
                         "hog = []\n    while True:\n        hog.append(np.ones(10 ** 7))"),
                        None, {}),
        "kills_kernel": ("conv_single_step kills the kernel (forward and backward with it)",
                         ("conv_single_step", "Z = float(np.sum(a_slice * w) + b)",
                          "import os\n    os._exit(1)"), None, {}),
    },
}
# How the reference is "used" by imports_reference: both answers call it.
_REFERENCE_EDITS = [
    ("conv_forward_naive", "N, C, H, W = x.shape",
     "return _forward(x, w, b, stride, pad)"),
    ("conv_backward_naive", "x, w, b, stride, pad = cache", "return _backward(dout, cache)"),
]


def hostile_submission(name, student, solution):
    """(notebook, files) of one student of HOSTILE[name], from the solution."""
    _, mistake, top, files = HOSTILE[name][student]
    notebook = with_mistake(solution, *mistake) if mistake else nbformat.from_dict(solution)
    if student == "imports_reference":
        for edit in _REFERENCE_EDITS:
            notebook = with_mistake(notebook, *edit)
    if student == "edits_tests":
        cells = []
        for cell in notebook.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id == "test_conv_param_count":
                cell.source = "pass  # no test here"
            if grade_id != "test_conv_single_step":
                cells.append(cell)
        notebook.cells = cells
    if top:
        notebook.cells.insert(1, nbformat.v4.new_code_cell(top))
    return notebook, files




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


def demo_class(name, course_dir=".", force=False, extra=None, hostile=False):
    """Fill submitted/<student>/<name>/<name>.ipynb with a sample class.

    Students: ``correct`` (the solution), ``blank`` (the released version),
    one student per typical mistake of MISTAKES[name], and ``late`` (the
    solution, submitted two days after the due date: the gradebook's, or
    now when there is none); with ``hostile``, the students of HOSTILE[name]
    too. ``extra`` maps more student ids to notebooks.
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
    files = {}
    if hostile:
        if name not in HOSTILE:
            raise ClassroomError(f"no hostile students for {name}: there are some for "
                                 f"{', '.join(sorted(HOSTILE))}")
        for student in HOSTILE[name]:
            notebooks[student], files[student] = hostile_submission(name, student, solution)
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
        for relative, text in files.get(student, {}).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
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


# Sets the memory limit, then becomes `python -m nbgrader ARGS` (the kernels
# nbgrader starts inherit the limit). A tiny program rather than preexec_fn,
# which is unsafe in a process with threads.
_LIMITED = ("import os, resource, sys\n"
            "limit = int(sys.argv[1]) * 2 ** 20\n"
            "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
            "os.execv(sys.executable, [sys.executable, '-m', 'nbgrader'] + sys.argv[2:])\n")


def _run(args, cwd, timeout=None, memory_mb=None):
    """Run `python -m nbgrader ARGS` in cwd, with at most memory_mb of memory;
    returns (returncode, or None when killed at the timeout, log)."""
    command = ([sys.executable, "-c", _LIMITED, str(int(memory_mb))] if memory_mb
               else [sys.executable, "-m", "nbgrader"])
    process = subprocess.Popen(command + list(args), cwd=cwd,
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


class Worker:
    """A ``python -m convlab.nbgrader_worker`` process (see there): nbgrader
    started once for many students. One per job; started on first use and
    again after it was killed or died. Not thread-safe: one thread at a time."""

    def __init__(self, course_dir, memory_mb=4096):
        self.course_dir, self.memory_mb = Path(course_dir), memory_mb
        self.process = None
        self._scratch = tempfile.TemporaryDirectory(prefix="convlab-worker-")
        self._count = 0

    def autograde(self, name, student, submitted, timeout=None):
        """Autograde ``student`` from the submitted folder ``submitted``; returns
        (status, log): status "ok", "failed" (nbgrader's error is in the log),
        "timeout" (killed after ``timeout`` seconds) or "died"."""
        return self._request({"op": "autograde", "assignment": name, "student": student,
                              "coursedir": {"submitted_directory": str(submitted)}},
                             timeout)

    def generate_assignment(self, name, release):
        """nbgrader generate_assignment into the folder ``release``; returns
        (status, log)."""
        return self._request({"op": "generate_assignment", "assignment": name,
                              "coursedir": {"release_directory": str(release)}}, None)

    def feedback(self, name, student, timeout=None):
        """nbgrader generate_feedback for one student; returns (status, log)."""
        return self._request({"op": "feedback", "assignment": name, "student": student},
                             timeout)

    def export(self):
        """nbgrader export (grades.csv); returns (status, log)."""
        return self._request({"op": "export"}, None)

    def reverify(self, name, notebook, timeout, memory_mb):
        """convlab.grading.sandbox's re-verification of one notebook; returns
        its [{"check", "passed", "message"}], or None when it failed (the log
        says why)."""
        # The sandbox bounds each cell and call by ``timeout``; this bounds the
        # whole (the cells, six checks, restarts) against a stuck worker.
        status, _log, reply = self._request_reply(
            {"op": "reverify", "assignment": name, "notebook": str(notebook),
             "timeout": timeout, "memory_mb": memory_mb}, timeout * 20)
        return reply["results"] if status == "ok" else None

    def close(self):
        """Let the process end (killed if it does not within 10 s)."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._stop()
        self._scratch.cleanup()

    def _stop(self):
        _kill_tree(self.process)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process = None

    def start(self):
        """Start the process now rather than at the first request."""
        folder = Path(self._scratch.name)
        with open(folder / "stderr", "ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "convlab.nbgrader_worker", str(self.course_dir),
                 str(int(self.memory_mb))], cwd=self.course_dir, env=_env(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                text=True, start_new_session=True)

    def _request(self, request, timeout):
        """Send one request; returns (status, log)."""
        return self._request_reply(request, timeout)[:2]

    def _request_reply(self, request, timeout):
        """Send one request; returns (status, log, the reply or None)."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        self._count += 1
        log_path = Path(self._scratch.name) / f"request-{self._count}.log"
        log_path.touch()
        request["log"] = str(log_path)
        reply = ""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            reply = self.process.stdout.readline() if ready else ""
        except OSError:
            pass
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if reply:
            reply = json.loads(reply)
            return ("ok" if reply["success"] else "failed"), log, reply
        timed_out = self.process.poll() is None
        self._stop()
        return ("timeout" if timed_out else "died"), log, None


LOCKED = "database is locked"
KERNEL_DIED = "DeadKernelError"
_EXECUTING = "] Executing cell:"


def running_cell(log):
    """(notebook file name, k) when nbgrader's debug log shows it was running
    the k-th (0-based) non-empty code cell of that notebook when it stopped;
    None when the log does not say."""
    notebook, count = None, 0
    for line in log.splitlines():
        if "] Autograding " in line:
            notebook, count = Path(line.split("] Autograding ", 1)[1].strip()).name, 0
        elif _EXECUTING in line and notebook:
            count += 1
    return (notebook, count - 1) if notebook and count else None


def skip_cell(notebook, k, reason):
    """Insert, before the k-th non-empty code cell, a cell that makes IPython
    run ``raise RuntimeError(reason)`` instead of that cell (an input
    transformer that removes itself). Returns the skipped cell."""
    code = [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and c.source.strip()]
    index = code[k]
    replacement = [f"raise RuntimeError({reason!r})\n"]
    # IPython may transform a cell more than once before running it, so the
    # transformer replaces the first cell it sees, every time it sees it, and
    # removes itself when another cell comes.
    skipper = nbformat.v4.new_code_cell(
        "# Added by `convlab grade`: the next cell is not run, see the message.\n"
        "def _convlab_skip(lines, first=[]):\n"
        "    first = first or [lines]\n"
        "    _convlab_skip.__defaults__ = (first,)\n"
        "    if lines == first[0]:\n"
        f"        return {replacement!r}\n"
        "    get_ipython().input_transformers_cleanup.remove(_convlab_skip)\n"
        "    return lines\n"
        "get_ipython().input_transformers_cleanup.append(_convlab_skip)\n")
    notebook.cells.insert(index, skipper)
    return notebook.cells[index + 1]


def _cell_name(cell, k):
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or _("code cell {number}").format(number=k + 1)


def restore_tests(notebook, source):
    """Put back, in place, the autograded test cells of ``source`` that are
    missing from ``notebook`` (a student deleted them), each after the cell
    that comes before it in the source. Returns their grade_ids."""
    from convlab.assignments import graded_cells

    def grade_id(cell):
        return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")

    tests = {grade_id(cell) for cell in graded_cells(source)}
    present = {grade_id(cell) for cell in notebook.cells}
    restored = []
    for position, cell in enumerate(source.cells):
        if grade_id(cell) not in tests or grade_id(cell) in present:
            continue
        before = grade_id(source.cells[position - 1]) if position else None
        ids = [grade_id(c) for c in notebook.cells]
        at = ids.index(before) + 1 if before in ids else len(notebook.cells)
        notebook.cells.insert(at, nbformat.from_dict(cell))
        present.add(grade_id(cell))
        restored.append(grade_id(cell))
    return restored


def autograde(name, student, course_dir, timeout, memory_mb=4096, retries=5, max_skips=3,
              worker=None):
    """Autograde one student with nbgrader; returns (ok, seconds, comments).

    With a ``Worker``, the first attempt goes to that nbgrader process; when
    it fails (a crash, a locked gradebook, ...) the submission is graded
    again by an ``nbgrader autograde --student`` process of its own, as
    without a worker, with the repairs below.

    What nbgrader alone would get wrong is fixed in a scratch copy of the
    submission, which is then graded instead (submitted/ is never written):

    - test cells the student deleted are put back (``restore_tests``);
      nbgrader itself restores the source of test cells that were edited;
    - a cell that kills the kernel (a crash, os._exit, a memory bomb the
      limit did not stop) or runs past ``timeout`` seconds would leave the
      student without any grade: it is found in nbgrader's log, replaced by
      an error (``skip_cell``) and the copy graded again, up to ``max_skips``
      times, so the other cells keep their points.
    """
    start = time.perf_counter()
    course_dir = Path(course_dir)
    comments = []
    with tempfile.TemporaryDirectory(prefix="convlab-grade-") as scratch:
        copy = Path(scratch) / "submitted" / student / name
        shutil.copytree(course_dir / "submitted" / student / name, copy)
        for path in sorted(copy.glob("*.ipynb")):
            source = course_dir / "solutions" / name / path.name
            if not source.exists():
                continue
            notebook = nbformat.read(path, as_version=4)
            for test in restore_tests(notebook, nbformat.read(source, as_version=4)):
                comments.append(_("{test} was missing from the notebook: it was put back "
                                  "and run.").format(test=test))
            nbformat.write(notebook, path)

        attempt = skipped = 0
        first = worker is not None
        while True:
            if first:
                first = False
                status, log = worker.autograde(name, student, copy.parents[1], timeout)
                if status == "ok":
                    return True, time.perf_counter() - start, comments
                if status != "timeout":
                    continue
                code = None
            else:
                code, log = _run(["autograde", name, "--student", student, "--force",
                                  "--log-level=DEBUG",
                                  f"--CourseDirectory.submitted_directory={copy.parents[1]}"],
                                 course_dir, timeout=timeout, memory_mb=memory_mb)
            if code == 0 and LOCKED not in log:
                return True, time.perf_counter() - start, comments
            if code is not None and LOCKED in log and attempt < retries:
                attempt += 1
                time.sleep(0.5 + attempt)
                continue
            where = running_cell(log) if code is None or KERNEL_DIED in log else None
            if where and skipped < max_skips:
                path = copy / where[0]
                notebook = nbformat.read(path, as_version=4)
                what = (_("ran past the time limit of {seconds} s").format(seconds=timeout)
                        if code is None else _("crashed the kernel"))
                cell = skip_cell(notebook, where[1], _(
                    "convlab grade did not run this cell: it {what}").format(what=what))
                nbformat.write(notebook, path)
                comments.append(_("{cell} {what}: it was not run (0 points for it) and "
                                  "the rest of the notebook was graded without it.").format(
                    cell=_cell_name(cell, where[1]), what=what))
                skipped += 1
                continue
            if code is None:
                comments.append(_("killed after the time limit of {seconds} s: a cell "
                                  "loops or is too slow").format(seconds=timeout))
            else:
                lines = [line for line in log.splitlines()
                         if line.strip() and "| DEBUG]" not in line]
                comments.append(_("nbgrader autograde failed: {log}").format(
                    log=" | ".join(lines[-3:])[-500:]))
            return False, time.perf_counter() - start, comments


def reverify(name, student, course_dir, timeout=60, memory_mb=2048, worker=None):
    """Re-verify a submission's functions in a sandbox (convlab.grading.sandbox),
    in the ``Worker``'s process or, without one or when it fails there, in a
    process of its own; returns [{"check", "passed", "message"}], or []
    when the assignment has no function checks."""
    from convlab.grading.sandbox import CHECKS
    if name not in CHECKS:
        return []
    folder = Path(course_dir) / "submitted" / student / name
    results = []
    with tempfile.TemporaryDirectory(prefix="convlab-reverify-") as scratch:
        for notebook in sorted(folder.glob("*.ipynb")):
            found = worker.reverify(name, notebook, timeout, memory_mb) if worker else None
            if found is not None:
                results += found
                continue
            output = Path(scratch) / "results.json"
            process = subprocess.run(
                [sys.executable, "-m", "convlab.grading.sandbox", str(notebook), name,
                 str(output), f"--timeout={timeout}", f"--memory-mb={memory_mb}"],
                capture_output=True, text=True, env=_env(), cwd=scratch)
            if process.returncode != 0 or not output.exists():
                raise ClassroomError(_("re-verification of {student} failed:\n{log}").format(
                    student=student, log=(process.stdout + process.stderr)[-2000:]))
            results += json.loads(output.read_text(encoding="utf-8"))
    return results


def tests_of_checks(source_path):
    """{check name: [grade_ids of the autograded test cells that call it]}, read
    from the source notebook (a test cell calls ``grading.check_xxx(``)."""
    from convlab.assignments import graded_cells
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
    from nbgrader.api import Gradebook, MissingEntry

    source = Path(course_dir) / "solutions" / name / f"{name}.ipynb"
    cells_of = tests_of_checks(source)
    notes, lowered = {}, []
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


def students(name, course_dir="."):
    """The students with a submission of `name` in submitted/."""
    folder = Path(course_dir) / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / name).is_dir())


def _grade_one(name, student, course_dir, timeout, memory_mb, workers):
    """Autograde, then re-verify: the work for one student (runs in a thread,
    with a Worker taken from the queue ``workers`` for the time)."""
    from convlab.grading.feedback import read_notes
    # Read before autograde replaces the folder: which points we took last time.
    previously = read_notes(Path(course_dir) / "autograded" / student / name)["lowered"]
    worker = workers.get()
    try:
        ok, seconds, comments = autograde(name, student, course_dir, timeout, memory_mb,
                                          worker=worker)
        verdicts = (reverify(name, student, course_dir, timeout=timeout, memory_mb=memory_mb,
                             worker=worker) if ok else [])
    finally:
        workers.put(worker)
    return {"ok": ok, "seconds": seconds, "comments": comments, "verdicts": verdicts,
            "previously": previously}


def grade(name, course_dir=".", jobs=1, timeout=120, memory_mb=4096, progress=None):
    """Autograde and re-verify every submission of `name`, then feedback,
    grades.csv and the report.

    Returns {student: {"score", "max_score", "ok", "comment", "seconds",
    "late", "grades", "lowered"}}: max_score is the autograded points
    (manually graded cells are not counted); a student whose autograde failed
    has ok False, a comment and score 0; "lowered" lists the tests whose
    points the re-verification took back.
    """
    from convlab.grading.feedback import write_notes

    course_dir = Path(course_dir).resolve()
    _notebook_paths(name, course_dir)
    who = students(name, course_dir)
    if not who:
        raise ClassroomError(
            f"no submissions of {name}: expected "
            f"{course_dir / 'submitted'}/<student>/{name}/{name}.ipynb "
            f"(`convlab demo-class {name}` makes a sample class)")

    jobs = max(1, int(jobs))
    team = [Worker(course_dir, memory_mb) for _job in range(jobs)]
    workers = queue.Queue()   # the ones free now, for the threads
    for worker in team:
        worker.start()        # all load nbgrader at once
        workers.put(worker)
    try:
        with tempfile.TemporaryDirectory(prefix="convlab-release-") as scratch:
            if team[0].generate_assignment(name, scratch)[0] != "ok":
                # Again by the command, whose error says what is wrong.
                _nbgrader(["generate_assignment", name, "--force",
                           f"--CourseDirectory.release_directory={scratch}"],
                          course_dir, "generate_assignment")

        outcome = {}
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {s: pool.submit(_grade_one, name, s, course_dir, timeout, memory_mb,
                                      workers)
                       for s in who}
            for student, future in futures.items():
                outcome[student] = future.result()
                if progress:
                    o = outcome[student]
                    progress(f"{student}: {'graded' if o['ok'] else 'FAILED'} in "
                             f"{o['seconds']:.1f} s"
                             + "".join(f" ({c})" for c in o["comments"]))

        # The gradebook is written by one thread: lower, note, then feedback.
        for student in who:
            o = outcome[student]
            cells, o["lowered"] = (lower_inflated(name, student, course_dir, o["verdicts"],
                                                  o["previously"]) if o["ok"] else ({}, []))
            folder = course_dir / "autograded" / student / name
            if folder.is_dir():
                write_notes(folder, o["comments"], cells, o["lowered"])

        def feedback(student):
            worker = workers.get()
            try:
                status, _log = worker.feedback(name, student, timeout=timeout)
            finally:
                workers.put(worker)
            if status != "ok":   # again in a process of its own, which says why
                _nbgrader(["generate_feedback", name, "--student", student, "--force"],
                          course_dir, "generate_feedback")

        graded = [s for s in who if outcome[s]["ok"]]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(feedback, graded))
        if team[0].export()[0] != "ok":   # again by the command, which says why
            _nbgrader(["export"], course_dir, "export")
    finally:
        for worker in team:
            worker.close()

    table = gradebook_table(name, course_dir)
    for student in who:
        o = outcome[student]
        o.update(table["students"].get(student, {"score": 0.0, "grades": {}, "late": False}))
        o["max_score"] = table["max_score"]
        if not o["ok"]:
            o["score"] = 0.0
        o["comment"] = " ".join(o["comments"] + [
            _("re-verification set {test} to 0").format(test=g) for g in o["lowered"]])
    write_report(name, course_dir, table, outcome)
    return outcome


# --- The CLI --------------------------------------------------------------------------

def _summary(outcome):
    width = max([len("student")] + [len(s) for s in outcome])
    lines = [f"{_('student'):<{width}}  {_('score'):>11}  {_('status')}"]
    for student in sorted(outcome):
        o = outcome[student]
        status = _("ok") if o["ok"] else _("FAILED")
        if o["comment"]:
            status += f": {o['comment']}"
        lines.append(f"{student:<{width}}  {o['score']:>5g} / {o['max_score']:<3g}  {status}")
    return "\n".join(lines)


def grade_command(args):
    """``convlab grade NAME [--course-dir DIR] [--jobs N] [--timeout SECONDS]
    [--memory-mb MB]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        start = time.perf_counter()
        outcome = grade(args.name, course_dir=course_dir,
                        jobs=getattr(args, "jobs", 1) or 1,
                        timeout=getattr(args, "timeout", 120) or 120,
                        memory_mb=getattr(args, "memory_mb", 4096) or 4096)
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    print(_summary(outcome))
    print(_("graded {count} submissions in {seconds:.0f} s; grades.csv, feedback/ and "
            "reports/{name}.html in {folder}").format(
        count=len(outcome), seconds=time.perf_counter() - start, name=args.name,
        folder=course_dir))
    return 0


def demo_class_command(args):
    """``convlab demo-class NAME [--course-dir DIR] [--force] [--hostile]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        who = demo_class(args.name, course_dir=course_dir,
                         force=bool(getattr(args, "force", False)),
                         hostile=bool(getattr(args, "hostile", False)))
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    for student in who:
        mistake = MISTAKES.get(args.name, {}).get(student)
        hostile = HOSTILE.get(args.name, {}).get(student)
        what = {"correct": _("the solution"), "blank": _("the released notebook, untouched"),
                "late": _("the solution, two days after the due date")}.get(student)
        if what is None and mistake:
            what = _("one mistake in {function}").format(function=mistake[0])
        if what is None and hostile:
            what = hostile[0]
        print(f"{student:<24} {what or ''}")
    print(_("{count} submissions in {folder}; grade them with `convlab grade {name}`").format(
        count=len(who), folder=Path(course_dir) / "submitted", name=args.name))
    return 0
