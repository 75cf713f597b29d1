"""Sloppy submissions and slow ones: no silent zeros, loops that cost seconds.

- a notebook handed in under another name ("-Copy1", the only notebook of
  the folder) is graded as the assignment's, with a comment;
- an empty folder, an unreadable notebook or one of another assignment gets
  0 with a plain reason, in the report's comment and in a feedback page;
- time limits per cell are calibrated from the solution (20x, at least
  10 s), and a function that ran out of time is not called again.
"""
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from convlab.classroom import autograde, demo_class, grade, isolation, time_limits
from convlab.classroom.reverify import CHECKS, reverify_notebook
from convlab.classroom.sandbox import Sandbox, StudentError

sys.path.insert(0, str(Path(__file__).parent))
from test_classroom import MAX, NAME, ROOT, make_course, tree_hash  # noqa: E402

ISOLATED = isolation.available()[0]
SOLUTION = ROOT / "solutions" / NAME / f"{NAME}.ipynb"


@pytest.mark.parametrize("files, expected", [
    (["a2_convolution.ipynb", "a2_convolution-Copy1.ipynb"], "a2_convolution.ipynb"),
    (["a2_convolution-Copy1.ipynb"], "a2_convolution-Copy1.ipynb"),
    (["a2_convolution (1).ipynb", "notes.ipynb"], "a2_convolution (1).ipynb"),
    (["Copy of a2_convolution.ipynb"], "Copy of a2_convolution.ipynb"),
    (["my work.ipynb"], "my work.ipynb"),
    (["my work.ipynb", "other.ipynb"], None),
    ([], None),
])
def test_find_notebook(tmp_path, files, expected):
    for name in files:
        (tmp_path / name).write_text("{}")
    found, comment = autograde.find_notebook(tmp_path, "a2_convolution.ipynb")
    assert found == expected
    assert (comment is None) == (found in (None, "a2_convolution.ipynb"))


def submission(course, student, files):
    folder = course / "submitted" / student / NAME
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(content)


def test_every_submission_ends_with_a_score_and_a_reason(tmp_path):
    course = make_course(tmp_path / "course")
    make_course(course, "a1_perceptron_fc")
    solution = SOLUTION.read_text()
    submission(course, "renamed", {f"{NAME}-Copy1.ipynb": solution})
    submission(course, "other_name", {"my work.ipynb": solution})
    submission(course, "empty", {})
    submission(course, "unreadable", {f"{NAME}.ipynb": "this is not JSON"})
    submission(course, "wrong_assignment", {f"{NAME}.ipynb": (
        ROOT / "solutions" / "a1_perceptron_fc" / "a1_perceptron_fc.ipynb").read_text()})
    submission(course, "linked", {})
    (course / "submitted" / "linked" / NAME / f"{NAME}.ipynb").symlink_to(SOLUTION)
    before = tree_hash(course / "submitted")

    result = grade.grade(NAME, course, jobs=2, timeout=60, isolated=ISOLATED)

    assert tree_hash(course / "submitted") == before
    scores = {s: r["score"] for s, r in result.items()}
    assert scores == {"renamed": MAX, "other_name": MAX, "empty": 0.0, "unreadable": 0.0,
                      "wrong_assignment": 0.0, "linked": 0.0}
    reasons = {"renamed": f"{NAME}-Copy1.ipynb", "other_name": "my work.ipynb",
               "empty": "the submission is empty",
               "unreadable": "cannot be read as a notebook",
               "wrong_assignment": "is not a notebook of a2_convolution",
               "linked": "links in the submission were not graded"}
    for student, reason in reasons.items():
        assert result[student]["ok"] and reason in result[student]["comment"], student
        feedback = course / "feedback" / student / NAME / f"{NAME}.html"
        assert reason in feedback.read_text(encoding="utf-8"), student
    report = (course / "reports" / f"{NAME}.html").read_text(encoding="utf-8")
    assert all(reason in report for reason in reasons.values())


def test_limits_are_calibrated_from_the_solution(tmp_path):
    course = make_course(tmp_path / "course")
    limits = time_limits.calibrate(NAME, course, factor=20, minimum=10)
    assert time_limits.path_of(NAME, course).exists()
    assert time_limits.load(NAME, course) == limits
    grade_ids = {c.metadata["nbgrader"]["grade_id"]
                 for c in nbformat.read(SOLUTION, as_version=4).cells
                 if c.cell_type == "code" and "nbgrader" in c.metadata}
    assert set(limits["cells"]) == grade_ids
    assert all(seconds >= 10 for seconds in limits["cells"].values())
    assert limits["default"] == max(limits["cells"].values())
    assert time_limits.limit_of(limits, "a cell the solution lacks") == limits["default"]
    assert time_limits.call_limits(limits, ["conv_forward_naive", "not_a_cell"]) == {
        "conv_forward_naive": max(limits["cells"]["conv_forward_naive"],
                                  limits["cells"]["test_conv_forward_naive"])}
    time_limits.path_of(NAME, course).write_text("not JSON")
    assert time_limits.load(NAME, course)["cells"].keys() == limits["cells"].keys()


def looper(solution):
    """The solution, but conv_backward_naive never returns."""
    return demo_class.with_mistake(solution, "conv_backward_naive",
                                   "x, w, b, stride, pad = cache",
                                   "x, w, b, stride, pad = cache\n    while True:\n"
                                   "        pass")


def test_a_function_that_ran_out_of_time_is_not_called_again(tmp_path):
    path = tmp_path / "looper.ipynb"
    nbformat.write(looper(nbformat.read(SOLUTION, as_version=4)), path)
    with Sandbox(path, timeout=5, isolated=ISOLATED,
                 call_timeouts={"conv_backward_naive": 1}) as box:
        forward, backward = box.function("conv_forward_naive"), box.function(
            "conv_backward_naive")
        x, w, b = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), np.zeros(1)
        out, cache = forward(x, w, b)
        with pytest.raises(StudentError, match="took longer than 1 s$"):
            backward(np.ones_like(out), cache)
        for _ in range(3):
            with pytest.raises(StudentError, match="not called again"):
                backward(np.ones_like(out), cache)
        assert box.calls == {"conv_forward_naive": 1, "conv_backward_naive": 1}
        assert forward(x, w, b)[0].shape == out.shape     # the others still run

    results = {r.check: r for r in reverify_notebook(
        path, CHECKS[NAME], timeout=5, isolated=ISOLATED,
        call_timeouts={"conv_backward_naive": 1})}
    assert not results["check_conv_backward_naive"].passed
    assert all(r.passed for c, r in results.items() if c != "check_conv_backward_naive")


def test_a_looping_cell_is_interrupted_and_the_rest_graded(tmp_path):
    """With calibrated limits, the looping test cell fails on its own limit
    and the notebook goes on (not the whole notebook killed and graded
    again); re-verification stops calling the looping function. How long a
    class with loopers takes is measured in benchmarks/grading.py."""
    course = make_course(tmp_path / "course")
    limits = time_limits.calibrate(NAME, course, factor=20, minimum=5)
    demo_class.demo_class(NAME, course, extra={
        "looper": looper(nbformat.read(SOLUTION, as_version=4))})
    result = grade.grade(NAME, course, jobs=2, isolated=ISOLATED)
    assert result["looper"]["score"] == MAX - 8           # conv_backward_naive's test
    assert result["correct"]["score"] == MAX and result["no_bias"]["score"] == 12.0
    # Stopped at its own limit; nothing skipped, nothing killed.
    assert result["looper"]["comment"] == (
        f"test_conv_backward_naive ran past the time limit of "
        f"{limits['cells']['test_conv_backward_naive']} s and was stopped (0 points for it).")
    graded = nbformat.read(course / "autograded" / "looper" / NAME / f"{NAME}.ipynb",
                           as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in graded.cells}
    errors = [o for o in cells["test_conv_backward_naive"].outputs
              if o.output_type == "error"]
    assert "CellTimeoutError" in [error.ename for error in errors]
    assert not [o for o in cells["test_conv_param_count"].outputs if o.output_type == "error"]
