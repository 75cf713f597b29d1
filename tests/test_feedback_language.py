"""The feedback speaks the student's language: the hints the test cells
printed when nbgrader autograded the notebook, and the words the feedback
adds, follow the student's ``convlab.set_language`` call, or come in English
and Vietnamese when the notebook makes none."""
import html
import sys
from pathlib import Path

import nbformat
import pytest

from convlab.classroom import feedback
from convlab.classroom.processes import nbgrader
from convlab.grading import hints
from convlab.grading.runner import HINT
from convlab.i18n import translate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from test_classroom import make_course  # noqa: E402
NAME = "a2_convolution"


def notebook_of(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


@pytest.mark.parametrize("sources, languages", [
    (["import convlab"], ("en", "vi")),
    (["import convlab", 'convlab.set_language("vi")'], ("vi",)),
    (['# convlab.set_language("vi")\n# convlab.set_language("en")'], ("en", "vi")),
    (['convlab.set_language("vi")', "x = 1", "convlab.set_language('en')"], ("en",)),
    (['convlab.set_language("vi")', "convlab.set_language(None)"], ("en", "vi")),
    (["%matplotlib inline\nfrom convlab import set_language\nset_language(language='vi')"],
     ("vi",)),
    (['convlab.set_language("vi")', "def broken(:"], ("vi",)),
])
def test_the_language_the_student_chose_in_the_notebook(sources, languages):
    assert feedback.notebook_languages(notebook_of(*sources)) == languages


def hint_in(message, language):
    return translate(HINT, language).format(hint=translate(message, language))


def submission(source, language_line):
    """The solution with one mistake (the window of output (i, j) read at
    (i, j), not (i*S, j*S)) and ``language_line`` in the student's language
    cell (None: the cell as released)."""
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "conv_forward_naive":
            assert "top, left = i * stride, j * stride" in cell.source
            cell.source = cell.source.replace("top, left = i * stride, j * stride",
                                              "top, left = i, j")
    language_cell = next(c for c in notebook.cells if c.get("id") == "language")
    assert "nbgrader" not in language_cell.metadata, "a cell of the student's"
    if language_line:
        language_cell.source += "\n" + language_line
    return notebook


def test_feedback_of_nbgrader_autograde_is_in_the_students_language(tmp_path):
    """nbgrader's own autograde and generate_feedback in a temporary course:
    ana chose Vietnamese in her language cell, bob chose nothing."""
    course = make_course(tmp_path / "course", NAME)
    nbgrader(["generate_assignment", NAME, "--force"], course, "generate_assignment")
    source = course / "solutions" / NAME / f"{NAME}.ipynb"
    for student, line in [("ana", 'convlab.set_language("vi")'), ("bob", None)]:
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(submission(source, line), folder / f"{NAME}.ipynb")
    nbgrader(["autograde", NAME, "--force"], course, "autograde")
    nbgrader(["generate_feedback", NAME, "--force"], course, "generate_feedback")

    def page(student):
        path = course / "feedback" / student / NAME / f"{NAME}.html"
        return html.unescape(path.read_text(encoding="utf-8"))
    ana, bob = page("ana"), page("bob")
    stride = hints.CONV_STRIDE
    assert hint_in(stride, "vi") in ana and hint_in(stride, "en") not in ana
    assert hint_in(stride, "en") in bob and hint_in(stride, "vi") in bob
    # The words the feedback adds, in the same language(s).
    failed = {language: translate("Visible tests: {visible}.", language).format(
        visible=translate("failed", language)) for language in ("en", "vi")}
    assert failed["vi"] in ana and failed["en"] not in ana
    assert failed["en"] in bob and failed["vi"] in bob
