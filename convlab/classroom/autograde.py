"""Autograding one student with nbgrader, repaired where nbgrader alone fails.

    autograde(name, student, course_dir, timeout, worker=None) -> (ok, seconds, comments)

The repairs (``restore_tests``, ``skip_cell`` at the cell ``running_cell``
finds in nbgrader's log) are made in a scratch copy: submitted/ is never
written.
"""
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from convlab.classroom.assignments import graded_cells
from convlab.classroom.processes import run
from convlab.i18n import _


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
                code, log = run(["autograde", name, "--student", student, "--force",
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
