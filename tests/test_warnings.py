"""Output on stderr costs no points: nbgrader gives 0 to a test cell with any
stderr output, so convlab's StderrToStdout turns it into stdout after
nbgrader's Execute (nbgrader_config.py). An error still costs the points."""
import ast
from pathlib import Path

import nbformat
import pytest

from convlab.classroom import demo_class as demo, grade as grading
from convlab.classroom.feedback import StderrToStdout

from test_classroom import MAX, NAME, make_course

ROOT = Path(__file__).resolve().parents[1]

WARNS = """\
import sys
    import warnings
    warnings.warn("this loop is slow")
    np.log(np.zeros(1))                 # RuntimeWarning: divide by zero
    print("x", file=sys.stderr)
    cache = (x, w, b, stride, pad)"""


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_stderr_becomes_stdout_and_errors_stay():
    cell = nbformat.v4.new_code_cell("f()")
    cell.outputs = [stream("stdout", "a\n"), stream("stderr", "UserWarning: slow\n"),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong",
                                           traceback=["AssertionError: wrong"])]
    markdown = nbformat.v4.new_markdown_cell("text")
    notebook = nbformat.v4.new_notebook(cells=[cell, markdown])
    out, _ = StderrToStdout().preprocess(notebook, {})
    outputs = out.cells[0].outputs
    assert [(o.output_type, o.get("name")) for o in outputs] == [
        ("stream", "stdout"), ("stream", "stdout"), ("error", None)]
    assert outputs[1].text == "UserWarning: slow\n"
    assert out.cells[1] == markdown
    assert StderrToStdout().enabled     # nbgrader does not enable it


def configured_autograde_preprocessors():
    """The list nbgrader_config.py gives c.Autograde.autograde_preprocessors."""
    tree = ast.parse((ROOT / "nbgrader_config.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == \
                "c.Autograde.autograde_preprocessors":
            return ast.literal_eval(node.value)
    raise AssertionError("nbgrader_config.py sets no Autograde.autograde_preprocessors")


def test_nbgrader_config_keeps_nbgraders_list_and_adds_stderr_to_stdout():
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item
    configured = configured_autograde_preprocessors()
    ours = "convlab.classroom.feedback.StderrToStdout"
    # nbgrader's own list, in its order: the config must follow it when it changes.
    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    assert [import_item(p) for p in configured if p != ours] == defaults
    assert configured.index(ours) == configured.index("nbgrader.preprocessors.IgnorePattern") + 1
    assert configured.index(ours) < configured.index("nbgrader.preprocessors.SaveAutoGrades")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run: "warns" has the solution, whose conv_forward_naive also
    warns, divides by zero and prints to stderr; "raises" does the same, and
    its conv_param_count raises."""
    course = make_course(tmp_path_factory.mktemp("warnings") / "course")
    solution = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    warns = demo.with_mistake(solution, "conv_forward_naive",
                              "cache = (x, w, b, stride, pad)", WARNS)
    raises = demo.with_mistake(warns, "conv_param_count",
                               "return (f * f * in_channels + 1) * filters",
                               'raise ValueError("not yet")')
    for student, notebook in (("warns", warns), ("raises", raises)):
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NAME}.ipynb")
    return course, grading.grade(NAME, course, jobs=2, timeout=120)


def test_warnings_and_stderr_cost_no_points(graded):
    course, result = graded
    assert result["warns"]["ok"], result["warns"]["comment"]
    assert result["warns"]["autograded"] == MAX
    assert result["warns"]["lowered"] == []
    # The student still sees the warnings, as ordinary output.
    notebook = nbformat.read(course / "autograded" / "warns" / NAME / f"{NAME}.ipynb",
                             as_version=4)
    test = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_conv_forward_naive")
    text = "".join(o.text for o in test.outputs if o.output_type == "stream")
    assert "this loop is slow" in text and "divide by zero" in text and "x\n" in text
    assert not [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                if o.get("name") == "stderr"]


def test_an_error_still_costs_the_points_of_its_test(graded):
    _, result = graded
    assert result["raises"]["ok"]
    assert result["raises"]["grades"]["test_conv_param_count"] == 0
    assert result["raises"]["autograded"] == MAX - 2      # conv_param_count: 2 points
