"""How long each cell of a submission may run, calibrated from the solution.

A looping submission should cost seconds, not minutes, while a slow but
honest one keeps its points. So the limit of a cell is FACTOR times what the
solution's cell takes on this machine, and at least MINIMUM seconds:

    calibrate(name, course_dir) -> limits   time the solution, save the limits
    load(name, course_dir) -> limits        the saved ones, or calibrate now
    limit_of(limits, grade_id) -> seconds   one cell's (a cell the solution
                                            does not have: the largest)
    call_limits(limits, names)              {function: seconds} for re-verification

``limits`` is {"cells": {grade_id: seconds}, "default": the largest,
"factor": ..., "minimum": ...}. They are saved in
<course>/.convlab/time_limits/<name>.json (per machine, not committed);
``convlab assignments build`` calibrates, and ``convlab grade`` calibrates
when nothing is saved. ``convlab grade --timeout S`` uses S for every cell
instead.
"""
import json
import math
import time
from pathlib import Path

FACTOR = 20
MINIMUM = 10


def path_of(name, course_dir):
    return Path(course_dir) / ".convlab" / "time_limits" / f"{name}.json"


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def time_cells(notebook_path, timeout=600):
    """Run a notebook (the instructor's solution: trusted code) and return
    {grade_id: seconds} of its code cells that have one."""
    import nbformat   # here: the worker imports this module before skip_iri_parsers
    from nbclient import NotebookClient

    notebook = nbformat.read(notebook_path, as_version=4)
    started, seconds = {}, {}

    def start(cell, cell_index, **_):
        started[cell_index] = time.perf_counter()

    def done(cell, cell_index, **_):
        if _grade_id(cell):
            seconds[_grade_id(cell)] = time.perf_counter() - started[cell_index]

    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
                   on_cell_start=start, on_cell_executed=done,
                   resources={"metadata": {"path": str(Path(notebook_path).parent)}}).execute()
    return seconds


def calibrate(name, course_dir, factor=FACTOR, minimum=MINIMUM):
    """Time the solution solutions/<name>/<name>.ipynb, save and return the limits."""
    source = Path(course_dir) / "solutions" / name / f"{name}.ipynb"
    cells = {grade_id: max(minimum, math.ceil(factor * seconds))
             for grade_id, seconds in time_cells(source).items()}
    limits = {"cells": cells, "default": max(cells.values(), default=minimum),
              "factor": factor, "minimum": minimum}
    path = path_of(name, course_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(limits, indent=1), encoding="utf-8")
    return limits


def load(name, course_dir):
    """The saved limits of ``name``, or new ones (``calibrate``) when there
    are none or they cannot be read."""
    try:
        limits = json.loads(path_of(name, course_dir).read_text(encoding="utf-8"))
        if isinstance(limits.get("cells"), dict) and limits.get("default", 0) > 0:
            return limits
    except (OSError, ValueError, AttributeError):
        pass
    return calibrate(name, course_dir)


def uniform(seconds):
    """Limits that give every cell ``seconds`` (``convlab grade --timeout``)."""
    return {"cells": {}, "default": seconds}


def limit_of(limits, grade_id):
    """The limit of the cell ``grade_id`` (None or unknown: the largest)."""
    return limits["cells"].get(grade_id, limits["default"])


def call_limits(limits, names):
    """{function name: seconds} for the functions ``names`` that
    re-verification calls: the limit of the function's answer cell (its
    grade_id is the function's name) or of its test cell (test_<name>),
    the larger, where the solution has either."""
    found = {}
    for name in names:
        known = [limits["cells"][key] for key in (name, f"test_{name}")
                 if key in limits["cells"]]
        if known:
            found[name] = max(known)
    return found
