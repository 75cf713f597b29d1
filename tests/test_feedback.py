"""What students see in their feedback, and the pieces `convlab grade` uses to
grade a notebook that crashes, loops or lost a test cell."""
from pathlib import Path

import jinja2
import nbformat
import pytest
from nbclient import NotebookClient

from browsing import CHROMIUM

from convlab.classroom import autograde, demo_class, reverify
from convlab.classroom import feedback

ROOT = Path(__file__).resolve().parents[1]
A2 = ROOT / "solutions" / "a2_convolution" / "a2_convolution.ipynb"

TEST_SOURCE = """\
out = f(2)
assert out == 4, "f(2) should be 4"
### BEGIN HIDDEN TESTS
secret_value = f(3)
assert secret_value == 9, "f(3) should be 9"
### END HIDDEN TESTS
print("done")"""


def graded_cell(*outputs, source=TEST_SOURCE):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_f",
                                 "points": 2, "locked": True, "schema_version": 3}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def error(line, message="f(3) should be 9"):
    # IPython 8's traceback, with its colours.
    return {"output_type": "error", "ename": "AssertionError", "evalue": message,
            "traceback": ["\x1b[0;31m---------------------------------------------------\x1b[0m",
                          "\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
                          f"Cell \x1b[0;32mIn[7], line {line}\x1b[0m\n"
                          "\x1b[1;32m----> 5\x1b[0m assert secret_value == 9",
                          f"\x1b[0;31mAssertionError\x1b[0m: {message}"]}


@pytest.mark.parametrize("outputs, verdict", [
    ([], ("passed", "passed")),
    ([error(2, "f(2) should be 4")], ("failed", "not run")),
    ([error(5)], ("passed", "failed")),
    ([error(7, "name 'oops' is not defined")], ("failed", "passed")),
    ([{"output_type": "error", "ename": "RuntimeError", "evalue": "skipped",
       "traceback": ["RuntimeError: skipped"]}], ("failed", None)),
])
def test_hidden_tests_are_replaced_by_their_verdict(outputs, verdict):
    cell = graded_cell(*outputs)
    assert feedback.hide_hidden_tests(cell) == verdict
    assert "secret_value" not in cell.source and "f(3)" not in cell.source
    assert "### 2 hidden test lines, not shown" in cell.source
    assert cell.source.startswith("out = f(2)\n") and cell.source.endswith('print("done")')
    text = "\n".join(str(o) for o in cell.outputs)
    assert "secret_value" not in text and "line 5" not in text and "\x1b[" not in text
    summary = cell.outputs[-1]["text"]
    if verdict[1] is None:
        assert summary == "Tests: failed.\n"
    else:
        assert f"Visible tests: {verdict[0]}. Hidden tests: {verdict[1]}." in summary
    if verdict == ("passed", "failed"):
        assert "AssertionError: f(3) should be 9" in text      # the hint stays


def test_a_cell_without_hidden_tests_is_left_readable():
    cell = graded_cell(source="assert f(2) == 4")
    assert feedback.hide_hidden_tests(cell) == ("passed", None)
    assert cell.source == "assert f(2) == 4"
    assert cell.outputs[-1]["text"] == "Tests: passed.\n"


def test_notes_round_trip_and_missing_notes(tmp_path):
    folder = tmp_path / "autograded" / "ana" / "a2"
    assert feedback.read_notes(folder) == {"comments": [], "cells": {}, "lowered": []}
    path = feedback.write_notes(folder, ["crashed"], {"test_f": ["set to 0"]}, ["test_f"])
    assert feedback.read_notes(folder) == {"comments": ["crashed"],
                                           "cells": {"test_f": ["set to 0"]},
                                           "lowered": ["test_f"]}
    path.write_text("{not json")
    assert feedback.read_notes(folder)["comments"] == []


def test_notes_are_kept_where_nbgrader_does_not_replace_them(tmp_path):
    # nbgrader autograde --force replaces autograded/<student>/<assignment>/.
    folder = tmp_path / "autograded" / "ana" / "a2"
    path = feedback.write_notes(folder, ["crashed"])
    assert path == tmp_path / ".convlab" / "notes" / "a2" / "ana.json"
    assert not folder.exists()
    relative = feedback.notes_path(Path("autograded") / "ana" / "a2")
    assert relative == Path(".convlab") / "notes" / "a2" / "ana.json"
    with pytest.raises(ValueError, match="autograded/<student>/<assignment>"):
        feedback.write_notes(tmp_path / "ana" / "a2", ["crashed"])


def test_notes_of_earlier_versions_are_still_read(tmp_path):
    folder = tmp_path / "autograded" / "ana" / "a2"
    folder.mkdir(parents=True)
    (folder / feedback.OLD_NOTES_FILE).write_text(
        '{"comments": ["old"], "cells": {}, "lowered": ["test_f"]}')
    assert feedback.read_notes(folder)["lowered"] == ["test_f"]
    feedback.write_notes(folder, ["new"])          # the new place wins
    assert feedback.read_notes(folder)["comments"] == ["new"]


def test_the_preprocessor_adds_the_notes(tmp_path, monkeypatch):
    folder = tmp_path / "autograded" / "ana" / "a2"
    folder.mkdir(parents=True)
    feedback.write_notes(folder, ["a cell crashed the kernel"],
                         {"test_f": ["points set to 0"]}, ["test_f"])
    monkeypatch.chdir(tmp_path)
    notebook = nbformat.v4.new_notebook(cells=[graded_cell(error(5))])
    resources = {"nbgrader": {"student": "ana", "assignment": "a2"}}
    out, _ = feedback.HideHiddenTests().preprocess(notebook, resources)
    kinds = [c.cell_type for c in out.cells]
    assert kinds == ["markdown", "code", "markdown"]
    assert "a cell crashed the kernel" in out.cells[0].source
    assert "points set to 0" in out.cells[2].source
    assert feedback.HideHiddenTests().enabled     # nbgrader does not enable it


def test_nbgrader_config_uses_the_preprocessor():
    config = (ROOT / "nbgrader_config.py").read_text()
    assert '"convlab.classroom.feedback.HideHiddenTests"' in config
    assert 'exporter_class = "convlab.classroom.feedback.FeedbackExporter"' in config
    assert config.index("GetGrades") < config.index("HideHiddenTests")


def test_feedback_templates_are_compiled_once_and_the_pages_are_the_same(monkeypatch):
    # nbgrader's generate_feedback makes a new exporter for each student (its
    # "feedback" template needs the gradebook: here, HTMLExporter's own).
    from nbconvert.exporters import HTMLExporter
    notebook = nbformat.read(A2, as_version=4)
    plain = HTMLExporter().from_notebook_node(notebook)[0]
    first = feedback.FeedbackExporter().from_notebook_node(notebook)[0]
    compiled = []
    original = jinja2.Environment._compile
    monkeypatch.setattr(jinja2.Environment, "_compile", lambda self, *a: compiled.append(a)
                        or original(self, *a))
    second = feedback.FeedbackExporter().from_notebook_node(notebook)[0]
    assert compiled == [] and first == second
    # The same page as nbconvert's, but for the style that fits wide figures.
    style = f'<style type="text/css">\n    {feedback.FIT_FIGURES}\n  </style>\n'
    assert first.count(style) == 1 and "conv_forward_naive" in first
    assert first.replace(style, "") == plain


@pytest.mark.parametrize("tag", [
    '<img src="a.png">', '<IMG SRC=a.png alt="">', '<img src="a.png" title="x>y" />',
    '<img title="alt=1" src=a.png\nwidth=3\n>', "<img src=a/>", '<img src="b" ALT = "k">',
    "<img src='c'/>", "<p>no image</p>"])
def test_alt_texts_are_those_nbconvert_adds(tag):
    # nbconvert's HTMLExporter: BeautifulSoup, then an alt on each img without one.
    from bs4 import BeautifulSoup
    theirs = BeautifulSoup(tag, "html.parser")
    for image in theirs.select("img:not([alt])"):
        image.attrs["alt"] = feedback.NO_ALT_TEXT
    assert str(BeautifulSoup(feedback.with_alt_texts(tag), "html.parser")) == str(theirs)


def test_feedback_pages_are_written_once_and_are_nbconverts_document(monkeypatch):
    # HTMLExporter parses the page it made with BeautifulSoup and writes it
    # out again (more than half of a feedback page's time); FeedbackExporter
    # writes it once: the same document, images of every kind with alt texts.
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter
    import nbconvert.exporters.html
    notebook = nbformat.read(A2, as_version=4)
    for cell in notebook.cells:   # not graded: the template would want their scores
        cell.metadata.pop("nbgrader", None)
    data = "aGVsbG8="   # base64, never decoded here
    notebook.cells += [
        nbformat.v4.new_markdown_cell('A figure: ![a bar chart](bars.png) and '
                                      '<img src="raw.png" title="a > b"/> & <b>bold</b>'),
        nbformat.v4.new_code_cell("show()", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": data, "image/jpeg": data}),
            nbformat.v4.new_output("display_data", data={"image/jpeg": data}),
            nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg></svg>"}),
            nbformat.v4.new_output("display_data", data={
                "text/html": "<p>html <img src='in_html.png'></p>"})])]
    config = nbgrader_feedback_config()
    theirs = HTMLExporter(config=config).from_notebook_node(
        notebook, resources=nbgrader_resources())[0]

    def second_pass(*args, **kwargs):
        raise AssertionError("the page was parsed again")
    monkeypatch.setattr(nbconvert.exporters.html, "BeautifulSoup", second_pass)
    ours = feedback.FeedbackExporter(config=config).from_notebook_node(
        notebook, resources=nbgrader_resources())[0]
    style = f'<style type="text/css">\n    {feedback.FIT_FIGURES}\n    </style>\n'
    assert ours.count(style) == 1 and "conv_forward_naive" in ours
    monkeypatch.undo()
    assert str(BeautifulSoup(ours.replace(style, ""), "html.parser")) == theirs
    assert ours.count(f'alt="{feedback.NO_ALT_TEXT}"') == 5   # png, 2 jpeg, svg, html
    assert 'alt="a bar chart"' in ours


def test_running_cell_reads_nbgrader_debug_log():
    log = "\n".join([
        "[AutogradeApp | INFO] Autograding /c/autograded/ana/a2/a2.ipynb",
        "[AutogradeApp | DEBUG] Executing cell:", "    import numpy as np",
        "[AutogradeApp | DEBUG] Skipping non-executing cell 2",
        "[AutogradeApp | DEBUG] Executing cell:", "    f(1)",
        "[AutogradeApp | DEBUG] Executing cell:", "    f(2)",
        "[AutogradeApp | ERROR] Kernel died while waiting for execute reply."])
    assert autograde.running_cell(log) == ("a2.ipynb", 2)
    assert autograde.running_cell("[AutogradeApp | INFO] nothing ran") is None


def test_a_skipped_cell_raises_and_the_rest_runs():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell(""),
        nbformat.v4.new_code_cell("print('ran')"),
        nbformat.v4.new_code_cell("x += 1\nprint(x)"),
        nbformat.v4.new_code_cell("print('ran')")])   # the same source as the skipped one
    skipped = autograde.skip_cell(notebook, 1, "it 'crashed' the kernel")
    assert skipped.source == "print('ran')"
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True).execute()
    outputs = [c.get("outputs", []) for c in notebook.cells if c.cell_type == "code"]
    assert outputs[3][0]["ename"] == "RuntimeError"
    assert outputs[3][0]["evalue"] == "it 'crashed' the kernel"
    assert outputs[4][0]["text"] == "2\n"
    # The transformer removed itself: the last cell really ran.
    assert outputs[5][0]["text"] == "ran\n"


def test_deleted_test_cells_are_put_back_in_place():
    source = nbformat.read(A2, as_version=4)
    submission = nbformat.from_dict(source)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in submission.cells]
    for gone in ("test_zero_pad", "test_conv_param_count"):
        del submission.cells[ids.index(gone)]
        ids.remove(gone)
    assert autograde.restore_tests(submission, source) == ["test_zero_pad",
                                                           "test_conv_param_count"]
    after = [c.metadata.get("nbgrader", {}).get("grade_id") for c in submission.cells]
    assert after == [c.metadata.get("nbgrader", {}).get("grade_id") for c in source.cells]
    assert autograde.restore_tests(submission, source) == []


def test_checks_are_mapped_to_the_test_cells_that_call_them():
    found = reverify.tests_of_checks(A2)
    assert found["check_conv_forward_naive"] == ["test_conv_forward_naive"]
    assert found["check_conv_backward_naive"] == ["test_conv_backward_naive"]
    assert set(found) == {"check_conv_output_size", "check_zero_pad", "check_conv_single_step",
                          "check_conv_forward_naive", "check_conv_backward_naive",
                          "check_conv_param_count"}


def test_every_hostile_submission_is_built_from_the_solution():
    solution = nbformat.read(A2, as_version=4)
    before = nbformat.writes(solution)
    for student in demo_class.HOSTILE["a2_convolution"]:
        notebook, files = demo_class.hostile_submission("a2_convolution", student, solution)
        assert nbformat.writes(notebook) != before, student
        for text in files.values():
            compile(text, student, "exec")
    assert nbformat.writes(solution) == before


def test_a_lowered_score_is_never_shown_as_passed():
    # GetGrades puts the gradebook's score and points into the cell's metadata.
    cell = graded_cell()                         # no error: the tests passed in the kernel
    cell.metadata["nbgrader"].update(score=0.0, points=2.0)
    assert feedback.lowered(cell)
    assert feedback.hide_hidden_tests(cell) == ("passed", "passed")
    summary = cell.outputs[-1]["text"]
    assert "passed" not in summary
    assert summary.startswith("Points set to 0 of 2 by the instructor or by convlab grade's "
                              "re-verification")
    assert "### 2 hidden test lines, not shown" in cell.source

    full = graded_cell()
    full.metadata["nbgrader"].update(score=2.0, points=2.0)
    failed = graded_cell(error(5))
    failed.metadata["nbgrader"].update(score=0.0, points=2.0)
    assert not feedback.lowered(full) and not feedback.lowered(failed)
    assert not feedback.lowered(graded_cell())  # no score: not from the gradebook
    feedback.hide_hidden_tests(full)
    feedback.hide_hidden_tests(failed)
    assert "Visible tests: passed. Hidden tests: passed." in full.outputs[-1]["text"]
    assert "Hidden tests: failed." in failed.outputs[-1]["text"]


def test_the_notes_of_a_test_go_once_its_points_are_given_back(tmp_path, monkeypatch):
    folder = tmp_path / "autograded" / "ana" / "a2"
    feedback.write_notes(folder, [], {"test_f": ["points set to 0"]}, ["test_f"])
    monkeypatch.chdir(tmp_path)
    resources = {"nbgrader": {"student": "ana", "assignment": "a2"}}
    for score, notes in ((0.0, 1), (2.0, 0)):
        cell = graded_cell()
        cell.metadata["nbgrader"].update(score=score, points=2.0)
        out, _ = feedback.HideHiddenTests().preprocess(
            nbformat.v4.new_notebook(cells=[cell]), resources)
        assert sum("points set to 0" in c.source for c in out.cells) == notes


def nbgrader_feedback_config():
    """The exporter's settings, as nbgrader's GenerateFeedback makes them."""
    import os
    from traitlets.config import Config
    import nbgrader

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                              "formgrader")
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    config.HTMLExporter.extra_template_paths = [os.path.join(
        formgrader, "static", "node_modules", "bootstrap", "dist", "css")]
    return config


def nbgrader_resources():
    """What nbgrader's GetGrades gives the feedback template."""
    return {"nbgrader": {"notebook": "page", "score": 1, "max_score": 1, "late_penalty": 0}}


def feedback_page(exporter_class, tmp_path):
    """A feedback page (nbgrader's "feedback" template) of a notebook whose
    one cell shows a figure 1600 pixels wide, as a file."""
    import base64
    import io
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    png = io.BytesIO()
    Figure(figsize=(16, 3), dpi=100).savefig(png, format="png")
    cell = nbformat.v4.new_code_cell("fig", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()})])
    page, _ = exporter_class(config=nbgrader_feedback_config()).from_notebook_node(
        nbformat.v4.new_notebook(cells=[cell]), resources=nbgrader_resources())
    path = tmp_path / f"{exporter_class.__name__}.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (make browser)")
def test_a_wide_figure_fits_the_feedback_page(browser, tmp_path):
    # nbgrader's own exporter shows it at its natural size, past the page.
    from nbconvert.exporters import HTMLExporter
    page = browser.new_page(viewport={"width": 900, "height": 700})
    right_edge = "() => document.images[0].getBoundingClientRect().right"
    page.goto(feedback_page(HTMLExporter, tmp_path).as_uri())
    assert page.evaluate(right_edge) > 900
    page.goto(feedback_page(feedback.FeedbackExporter, tmp_path).as_uri())
    assert 0 < page.evaluate(right_edge) <= 900
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 900
    page.close()
