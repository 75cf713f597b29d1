"""Feedback that tells students how the hidden tests went without showing them,
and autograding where a warning costs no points.

nbgrader's feedback is the autograded notebook as HTML, so out of the box
it shows the source of the hidden tests (``### BEGIN HIDDEN TESTS`` ...)
and, when one fails, a traceback quoting the failing line. ``HideHiddenTests``
is an nbconvert preprocessor that nbgrader_config.py adds to
``GenerateFeedback.preprocessors``, so that both ``nbgrader
generate_feedback`` and ``convlab grade`` produce feedback where, in every
autograded test cell:

- the hidden lines are replaced by one line saying how many there were;
- an error keeps its type and message (the hint) but loses its traceback;
- a summary says whether the visible and the hidden tests passed, failed,
  or were not run (an error before the hidden part stops the cell), or,
  when the gradebook gave the cell fewer points although it ran without an
  error, that its points were set lower;
- the notes of ``convlab grade`` are added: a test whose points were taken
  back by the re-verification, a cell that crashed the kernel or ran past
  the time limit and was skipped;
- the words it adds are in the language the student chose in the notebook
  with ``convlab.set_language``, or in English and Vietnamese when the
  notebook does not choose (``notebook_languages``), like the hints the
  checks printed in the test cells when the notebook was autograded.

The notes live in ``.convlab/notes/<assignment>/<student>.json`` of the
course directory (``write_notes``/``read_notes``), outside the folders that
nbgrader's commands replace: after ``nbgrader autograde --force`` and
``nbgrader generate_feedback`` the feedback still has them. And whatever the
notes say, a test cell whose score in the gradebook is below its points
although it ran without an error says so, instead of "passed".

``FeedbackExporter`` is nbgrader's feedback exporter, its HTML templates
compiled once per process rather than once per student, and its pages
written once rather than parsed and written again (``with_alt_texts``).

``StderrToStdout`` is an nbconvert preprocessor that nbgrader_config.py
puts after nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``:
nbgrader gives 0 points to a test cell with any output on stderr, so a
correct function that triggers a NumPy RuntimeWarning or calls
``warnings.warn`` would lose the points of its test. It turns every stderr
stream of a code cell into a stdout stream with the same text, so the
student still sees the warning and only an error (a failed assertion, an
exception) costs points.
"""
import ast
import json
import re
from pathlib import Path

import jinja2
import nbformat
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from convlab.i18n import LANGUAGES, N_, get_language, translate

NOTES_DIR = Path(".convlab") / "notes"   # in the course directory
OLD_NOTES_FILE = ".convlab_grading.json"   # in autograded/<student>/<assignment>/
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# IPython 8 names the cell's frame "Cell In[12], line 5"; older ones
# "<ipython-input-12-...> in <module>" followed by "---> 5".
_CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")
_OLD_CELL_LINE = re.compile(r"^-+> (\d+)", re.MULTILINE)


def notes_path(folder):
    """Where the notes of a submission are kept, given its autograded folder
    ``folder`` = <course>/autograded/<student>/<assignment> (absolute or
    relative to the course): <course>/.convlab/notes/<assignment>/<student>.json,
    outside the folders that nbgrader's commands replace."""
    folder = Path(folder)
    if len(folder.parts) < 3 or folder.parent.parent.name != "autograded":
        raise ValueError(f"{folder} is not an autograded/<student>/<assignment> folder")
    course = folder.parent.parent.parent
    return course / NOTES_DIR / folder.name / f"{folder.parent.name}.json"


def write_notes(folder, comments=(), cells=None, lowered=()):
    """Save the notes of the submission whose autograded folder is ``folder``
    (see ``notes_path``): ``comments`` about the whole notebook, ``cells`` =
    {grade_id: [messages]} about test cells, and the grade_ids whose points
    the re-verification took back (``lowered``: the next ``convlab grade``
    gives them back before it re-verifies again). Returns the file's path."""
    notes = {"comments": list(comments),
             "cells": {k: list(v) for k, v in (cells or {}).items()},
             "lowered": list(lowered)}
    path = notes_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notes, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_notes(folder):
    """The notes saved by ``write_notes`` for the submission whose autograded
    folder is ``folder``; the notes file of earlier versions of convlab
    inside that folder when there are none; empty notes when neither is
    there (or they cannot be read)."""
    notes = {}
    for path in (notes_path(folder), Path(folder) / OLD_NOTES_FILE):
        try:
            notes = json.loads(path.read_text(encoding="utf-8"))
            break
        except (OSError, ValueError):
            continue
    return {"comments": list(notes.get("comments", [])),
            "cells": dict(notes.get("cells", {})),
            "lowered": list(notes.get("lowered", []))}


def hidden_lines(source):
    """(begin, end): the 1-based lines of the BEGIN and END markers of the
    hidden block (end = the last line when END is missing), or None."""
    lines = [line.strip() for line in source.splitlines()]
    if BEGIN not in lines:
        return None
    begin = lines.index(BEGIN) + 1
    end = begin + lines[begin:].index(END) + 1 if END in lines[begin:] else len(lines)
    return begin, end


def failing_line(error):
    """The line of the test cell where ``error`` (an nbformat error output) was
    raised, or None when the traceback does not say."""
    text = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    found = _CELL_LINE.search(text) or _OLD_CELL_LINE.search(text)
    return int(found.group(1)) if found else None


def lowered(cell):
    """Whether the gradebook gave the test cell ``cell`` fewer points than it is
    worth although it ran without an error: its score was set by hand (the
    instructor, or convlab grade's re-verification). The score and the points
    are those nbgrader's GetGrades puts in the cell's nbgrader metadata; a
    cell without them is not lowered."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("score") is None or meta.get("points") is None:
        return False
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return not errors and float(meta["score"]) < float(meta["points"]) - 1e-9


def hide_hidden_tests(cell, languages=None):
    """Rewrite one autograded test cell in place (see the module doc), with
    the words it adds in each of ``languages`` (default: convlab's language).
    Returns (visible, hidden), what the cell's outputs say: each "passed",
    "failed" or "not run"; hidden is None when the cell has no hidden block
    or the error does not say which part failed (then visible is the verdict
    of the whole cell). The summary added to the cell says them, unless the
    cell is ``lowered``: then it says that its points were set lower."""
    block = hidden_lines(cell.source)
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    line = failing_line(errors[0]) if errors else None
    if not errors:
        visible, hidden = "passed", "passed" if block else None
    elif block is None or line is None:
        visible, hidden = "failed", None      # one verdict for the whole cell
    elif line < block[0]:
        visible, hidden = "failed", "not run"
    elif line <= block[1]:
        visible, hidden = "passed", "failed"
    else:
        visible, hidden = "failed", "passed"

    languages = languages or (get_language(),)
    if block is not None:
        lines = cell.source.splitlines()
        begin, end = block
        count = sum(1 for line in lines[begin:end] if line.strip() != END)
        shown = [translate(N_("### {count} hidden test lines, not shown"), language).format(
            count=count) for language in languages]
        cell.source = "\n".join(lines[:begin - 1] + shown + lines[end:])

    for error in errors:
        message = _ANSI.sub("", f"{error.get('ename', 'Error')}: {error.get('evalue', '')}")
        error["traceback"] = [message.rstrip(": ")]

    summary = "\n".join(_summary(cell, visible, hidden, language) for language in languages)
    cell.setdefault("outputs", []).append(nbformat.v4.new_output(
        "stream", name="stdout", text=summary + "\n"))
    return visible, hidden


def _summary(cell, visible, hidden, language):
    """The line ``hide_hidden_tests`` adds to a test cell, in ``language``."""
    def say(message):
        return translate(message, language)
    words = {"passed": say(N_("passed")), "failed": say(N_("failed")),
             "not run": say(N_("not run"))}
    if lowered(cell):
        # "passed" beside fewer points than the test is worth would be a lie.
        meta = cell.metadata["nbgrader"]
        summary = say(N_("Points set to {score:g} of {points:g} by the instructor or by "
                         "convlab grade's re-verification, although this cell ran without "
                         "an error.")).format(score=float(meta["score"]),
                                              points=float(meta["points"]))
    elif hidden is None:
        summary = say(N_("Tests: {verdict}.")).format(verdict=words[visible])
    else:
        summary = say(N_("Visible tests: {visible}.")).format(visible=words[visible])
        summary += " " + say(N_("Hidden tests: {hidden}.")).format(hidden=words[hidden])
    if hidden == "failed":
        summary += " " + say(N_("The message above is the hint of the hidden test that "
                                "failed."))
    return summary


def notebook_languages(notebook):
    """The languages of a student's feedback: the one the student chose in
    ``notebook``, or English and Vietnamese when the notebook does not say.

    nbgrader's autograde runs the submitted notebook top to bottom in a
    fresh kernel, after putting back the source of its locked cells (the
    setup cell among them), so the language the test cells' hints were shown
    in is that of the last ``set_language("en")`` or ``set_language("vi")``
    call of the student's code cells; without one (or after
    ``set_language(None)``) the checks showed their hints in both languages.
    """
    language = None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError:
            continue
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", getattr(node.func, "attr", None))
                 == "set_language"]
        for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            argument = (call.args or [kw.value for kw in call.keywords] or [None])[0]
            if argument is None or (isinstance(argument, ast.Constant)
                                    and argument.value in (None,) + LANGUAGES):
                language = getattr(argument, "value", None)
    return (language,) if language else LANGUAGES


def _python(source):
    """A code cell's source as Python: IPython's %magics and !commands become calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def _note_cell(title, messages):
    text = f"**{title}**\n\n" + "\n".join(f"- {m}" for m in messages)
    return nbformat.v4.new_markdown_cell(text)


class HideHiddenTests(Preprocessor):
    """nbgrader feedback without the hidden tests' source (see the module doc).

    Runs after nbgrader's GetGrades (which puts each cell's score and points
    in its metadata), from the course directory (nbgrader changes into it
    before converting), where it finds the notes of ``convlab grade``.
    """
    # nbgrader registers configured preprocessors without enabling them.
    enabled = Bool(True, help="hide the hidden tests in the feedback").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        if info.get("student") and info.get("assignment"):
            notes = read_notes(Path("autograded") / str(info["student"])
                               / str(info["assignment"]))
        else:
            notes = {"comments": [], "cells": {}}
        # The words added follow the language the student chose, as the hints do.
        languages = notebook_languages(nb)

        def title(message):
            return " / ".join(translate(message, language) for language in languages)
        cells = []
        if notes["comments"]:
            cells.append(_note_cell(title(N_("Notes from the grader")), notes["comments"]))
        for cell in nb.cells:
            cells.append(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            hide_hidden_tests(cell, languages)
            # The notes say the points were taken back: not once they are given back.
            score, points = meta.get("score"), meta.get("points")
            given_back = score is not None and points is not None and score >= points
            if notes["cells"].get(meta.get("grade_id")) and not given_back:
                cells.append(_note_cell(title(N_("Re-verification of this test")),
                                        notes["cells"][meta["grade_id"]]))
        nb.cells = cells
        return nb, resources


class StderrToStdout(Preprocessor):
    """Autograding where output on stderr costs no points (see the module doc).

    Runs in nbgrader's autograde after ``Execute`` and ``IgnorePattern``
    (which removes the stderr lines an instructor configured it to remove):
    in every code cell, each ``stream`` output named "stderr" becomes one
    named "stdout" with the same text. Errors (``error`` outputs) are left
    as they are, so a failed assertion or an exception still costs the
    points of its cell.
    """
    # nbgrader registers configured preprocessors without enabling them.
    enabled = Bool(True, help="keep stderr output without costing points").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory for the life of the process
    (jinja2's BytecodeCache: a template whose source changed gets a new key)."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledTemplates()


# nbgrader's feedback template shows a figure at its natural size: a wide
# one (a2's conv_step) ran past the page. It fits now, and grows no larger.
FIT_FIGURES = ("div.output_area img, div.output_area svg, .jp-OutputArea-output img, "
               ".jp-OutputArea-output svg { max-width: 100%; height: auto; }")


# An <img> tag, whose quoted attribute values may hold ">"; the "/" of
# "<img ... />" (not the end of an unquoted value: <img src=a/>); and
# nbconvert's words for an image that has no alt text.
_IMG_TAG = re.compile(r"""<img\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
_SELF_CLOSING = re.compile(r"""[\s"']/$""")
NO_ALT_TEXT = "No description has been provided for this image"


def with_alt_texts(page):
    """``page`` with ``alt="NO_ALT_TEXT"`` added to each <img> tag that has no
    alt attribute (nbconvert's HTMLExporter adds the same, so that a screen
    reader says there is an image)."""
    def add(tag):
        attributes = tag.group(1)
        if _ALT.search(_QUOTED.sub("", attributes)):
            return tag.group(0)
        attributes = attributes.rstrip()
        closing = "/" if _SELF_CLOSING.search(attributes) else ""
        attributes = attributes.removesuffix(closing).rstrip()
        return f'<img{attributes} alt="{NO_ALT_TEXT}"{closing}>'
    return _IMG_TAG.sub(add, page)


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter (HTMLExporter, its "feedback" template),
    which compiles its templates once per process instead of once per
    student (nbgrader makes a new exporter for each student, and compiling
    the templates cost more than half of each feedback page), writes each
    page once (``from_notebook_node``), and fits wide figures to the page
    (``FIT_FIGURES``).
    nbgrader_config.py makes it ``GenerateFeedback.exporter_class``."""

    def from_notebook_node(self, nb, resources=None, **kw):
        """HTMLExporter.from_notebook_node (nbconvert 7) less its second pass.

        HTMLExporter renders its template, then parses the page with
        BeautifulSoup and writes it out again, to give an alt text to each
        image that has none and a tabindex to the cells of its lab template:
        that pass took more than half of each feedback page (0.19 of 0.34 s).
        The feedback template is classic, without those cells, so here the
        page is the template's with the alt texts added to its <img> tags:
        the same document (tests/test_feedback.py). A lab page goes
        through HTMLExporter's pass."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        given, resources = resources, self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if "jp-Notebook" in page:
            return super().from_notebook_node(nb, given, **kw)
        return with_alt_texts(page), resources

    @property
    def environment(self):
        environment = super().environment
        environment.bytecode_cache = _TEMPLATES
        return environment

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        # The feedback template puts the styles of resources.inlining.css in the page.
        inlining = resources.setdefault("inlining", {})
        inlining["css"] = [*inlining.get("css", []), FIT_FIGURES]
        return nb, resources
