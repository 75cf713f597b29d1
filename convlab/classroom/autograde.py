"""Autograding one student with nbgrader, repaired where nbgrader alone fails.

    autograde(name, student, course_dir, timeout, worker=None) -> (ok, seconds, comments)

The repairs (``restore_tests``, ``skip_cell`` at the cell ``running_cell``
finds in nbgrader's log) are made in a scratch copy: submitted/ is never
written.
"""
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from convlab.classroom import isolation
from convlab.classroom.assignments import graded_cells
from convlab.classroom.course_dir import notebook_paths
from convlab.classroom.processes import run
from convlab.classroom.time_limits import limit_of
from convlab.classroom.worker import kernel_settings
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


# nbgrader's and JupyterLab's names for a copy of NAME.ipynb: "NAME-Copy1",
# "NAME (1)", "NAME - Copy", "Copy of NAME", "NAME-checkpoint".
_COPY = re.compile(r"^(?:Copy of )?(?P<stem>.+?)(?:-Copy\d*| \(\d+\)| - Copy(?: \(\d+\))?"
                   r"|-checkpoint)?\.ipynb$")


def find_notebook(folder, expected):
    """(the notebook of ``folder`` to grade as ``expected``, e.g.
    "a2_convolution.ipynb", or None; a comment when it is another one).

    The notebook itself when it is there; else the newest of its copies
    ("a2_convolution-Copy1.ipynb", "a2_convolution (1).ipynb", ...); else
    the only notebook of the folder, whatever its name."""
    present = sorted(p.name for p in Path(folder).glob("*.ipynb"))
    if expected in present:
        return expected, None
    stem = expected[:-len(".ipynb")]
    copies = [n for n in present if _COPY.match(n) and _COPY.match(n)["stem"] == stem]
    chosen = (max(copies, key=lambda n: (Path(folder, n).stat().st_mtime, n)) if copies
              else present[0] if len(present) == 1 else None)
    if chosen is None:
        return None, None
    return chosen, _("the notebook was handed in as {found} and graded as {expected} "
                     "(nbgrader grades only notebooks named as the assignment's).").format(
        found=chosen, expected=expected)


def prepare(copy, name, course_dir):
    """Make the scratch copy ``copy`` of a submission gradable by nbgrader:
    its notebook under the assignment's name (``find_notebook``), readable,
    of this assignment, with every test cell. What cannot be graded (no
    notebook, an unreadable one, one of another assignment) is replaced by
    the released notebook, which earns 0, with the reason.

    Returns (comments, the name of the handed-in notebook that is graded, or
    None when the released one stands in for it)."""
    expected = f"{name}.ipynb"
    source_path, released = notebook_paths(name, course_dir)
    source = nbformat.read(source_path, as_version=4)
    found, comment = find_notebook(copy, expected)
    comments = [comment] if comment else []
    problem = None
    if found is None:
        others = sorted(p.name for p in copy.iterdir())
        problem = (_("the submission has no notebook {expected} (it holds: {files})").format(
            expected=expected, files=", ".join(others)) if others else
            _("the submission is empty"))
    else:
        try:
            notebook = nbformat.read(copy / found, as_version=4)
            ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                   for c in notebook.cells}
        except Exception as error:  # noqa: BLE001 (any unreadable file)
            problem = _("{found} cannot be read as a notebook ({error})").format(
                found=found, error=str(error).splitlines()[0][:200] if str(error) else
                type(error).__name__)
        else:
            # Assignments may share cells (a "setup" cell), not answer cells.
            answers = {c.metadata["nbgrader"]["grade_id"] for c in source.cells
                       if c.metadata.get("nbgrader", {}).get("solution")}
            if not ids & answers:
                problem = _("{found} is not a notebook of {name}: none of its cells are "
                            "the assignment's").format(found=found, name=name)
    if problem:
        shutil.copy(released, copy / expected)
        comments.append(_("{problem}: graded as the released notebook, with 0 points for "
                          "the tests.").format(problem=problem))
        return comments, None
    if found != expected:
        (copy / found).rename(copy / expected)
    for test in restore_tests(notebook, source):
        comments.append(_("{test} was missing from the notebook: it was put back "
                          "and run.").format(test=test))
    nbformat.write(notebook, copy / expected)
    return comments, found


def stopped_cells(course_dir, student, name, limits):
    """Comments on the cells of the autograded notebook that nbgrader stopped
    at their time limit (their output is a CellTimeoutError)."""
    path = Path(course_dir) / "autograded" / student / name / f"{name}.ipynb"
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 (no notebook: nothing to say)
        return []
    comments = []
    for k, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            comments.append(_("{cell} ran past the time limit of {seconds} s and was "
                              "stopped (0 points for it).").format(
                cell=grade_id or _("code cell {number}").format(number=k + 1),
                seconds=limit_of(limits, grade_id) if limits else "?"))
    return comments


def autograde(name, student, course_dir, timeout, memory_mb=4096, retries=5, max_skips=3,
              worker=None, limits=None, isolated=False):
    """Autograde one student with nbgrader; returns (ok, seconds, comments,
    the name of the handed-in notebook that was graded or None).

    With a ``Worker``, the first attempt goes to that nbgrader process; when
    it fails (a crash, a locked gradebook, ...) the submission is graded
    again by an ``nbgrader autograde --student`` process of its own, as
    without a worker, with the repairs below. ``timeout`` bounds the whole
    notebook, ``limits`` each cell (convlab.classroom.time_limits; default:
    the course's configuration; an nbgrader process of its own gives every
    cell the largest); ``isolated``: the notebook runs in the isolated kernel
    (convlab.classroom.isolation; a worker must be isolated too).

    What nbgrader alone would get wrong is fixed in a scratch copy of the
    submission, which is then graded instead (submitted/ is never written):

    - a notebook handed in under another name is graded under the
      assignment's; an empty, unreadable or wrong submission gets the
      released notebook's zero, with the reason (``prepare``);
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
    with tempfile.TemporaryDirectory(prefix="convlab-grade-") as scratch:
        copy = Path(scratch) / "submitted" / student / name
        # Links are copied as links, then dropped: the grader never follows a
        # student's link (to solutions/, say) into the copy.
        shutil.copytree(course_dir / "submitted" / student / name, copy, symlinks=True)
        links = [p for p in copy.rglob("*") if p.is_symlink()]
        for link in links:
            link.unlink()
        comments, graded = prepare(copy, name, course_dir)
        if links:
            comments.append(_("links in the submission were not graded: {names}").format(
                names=", ".join(str(p.relative_to(copy)) for p in links)))

        attempt = skipped = 0
        first = worker is not None
        while True:
            if first:
                first = False
                status, log = worker.autograde(name, student, copy.parents[1], timeout,
                                               limits)
                if status == "ok":
                    comments += stopped_cells(course_dir, student, name, limits)
                    return True, time.perf_counter() - start, comments, graded
                if status != "timeout":
                    continue
                code = None
            else:
                with kernel_settings(isolated, scratch) as settings:
                    if limits:
                        settings["Execute"] = {**settings.get("Execute", {}),
                                               "timeout": limits["default"]}
                    code, log = run(["autograde", name, "--student", student, "--force",
                                     "--log-level=DEBUG",
                                     f"--CourseDirectory.submitted_directory={copy.parents[1]}"]
                                    + isolation.nbgrader_arguments(settings),
                                    course_dir, timeout=timeout, memory_mb=memory_mb,
                                    jupyter_path=isolation.kernel_spec(Path(scratch) / "jupyter"))
            if code == 0 and LOCKED not in log:
                comments += stopped_cells(course_dir, student, name, limits)
                return True, time.perf_counter() - start, comments, graded
            if code is not None and LOCKED in log and attempt < retries:
                attempt += 1
                time.sleep(0.5 + attempt)
                continue
            where = running_cell(log) if code is None or KERNEL_DIED in log else None
            if where and skipped < max_skips:
                path = copy / where[0]
                notebook = nbformat.read(path, as_version=4)
                running = [c for c in notebook.cells
                           if c.cell_type == "code" and c.source.strip()][where[1]]
                seconds = (limit_of(limits, running.metadata.get("nbgrader", {}).get(
                    "grade_id")) if limits else timeout)
                what = (_("ran past the time limit of {seconds} s").format(seconds=seconds)
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
            return False, time.perf_counter() - start, comments, graded
