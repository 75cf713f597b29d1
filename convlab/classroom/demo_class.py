"""A sample class to try the grading loop on: ``convlab demo-class NAME``.

    demo_class(name, course_dir=".", force=False, hostile=False)

writes submitted/<student>/<name>/<name>.ipynb for ``correct`` (the
solution), ``blank`` (the released version), one student per typical
mistake of MISTAKES[name], ``late``, and, with ``hostile``, the students of
HOSTILE[name] who try to fool the grader. Existing submissions are never
overwritten without ``force``.
"""
import datetime
import shutil
from pathlib import Path

import nbformat

from convlab.classroom.course_dir import due_date, notebook_paths
from convlab.errors import ClassroomError


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




def with_mistake(notebook, grade_id, old, new):
    """A copy of a notebook with `old` replaced by `new` in the cell `grade_id`."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            if old not in cell.source:
                raise ClassroomError(f"cell {grade_id} does not contain {old!r}: "
                                     "update MISTAKES in convlab/classroom/demo_class.py")
            cell.source = cell.source.replace(old, new, 1)
            return notebook
    raise ClassroomError(f"no cell {grade_id} in the notebook")


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
    source, released = notebook_paths(name, course_dir)
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

    due = due_date(name, course_dir) or datetime.datetime.utcnow()
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
