"""course/: the lecture's notebooks run, are committed clean, and are bilingual;
the course's words follow its glossary everywhere students read them."""
import ast
import json
import re
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
EXPECTED = ["00_welcome", "01_history", "02_visual_cortex", "03_fully_connected",
            "04_convolution", "05_spatial_dimensions", "06_neuron_view", "07_pooling",
            "08_convnets"]
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))
VIETNAMESE = re.compile(r'<div lang="vi">(.*?)</div>', re.S)


def read(path):
    return nbformat.read(path, as_version=4)


# A letter outside ASCII: in this course, a Vietnamese one.
VIETNAMESE_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


def normal(text):
    """NFC, lower case, one space for each run of spaces and line breaks."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower())


# Between texts that do not continue each other: no phrase is found across it.
APART = "\n|\n"


def by_language(text, prose=True):
    """(English, Vietnamese) of text outside a <div lang="vi">: each line is
    cut at " / " (the course's "English / Tiếng Việt"), and a piece with a
    Vietnamese letter is Vietnamese. In ``prose``, a line without " / "
    continues the line before it; in code, every line stands apart."""
    english, vietnamese = [], []
    for line in text.splitlines():
        pieces = line.split(" / ")
        end = "\n" if prose and len(pieces) == 1 else APART
        for piece in pieces:
            (vietnamese if VIETNAMESE_LETTER.search(piece) else english).append(piece + end)
    return "".join(english), "".join(vietnamese)


def languages(notebook, cell_types=("markdown",)):
    """(English text, Vietnamese text) of a notebook's cells of ``cell_types``."""
    english, vietnamese = [], []
    for cell in notebook.cells:
        if cell.cell_type in cell_types:
            vietnamese += VIETNAMESE.findall(cell.source)
            en, vi = by_language(VIETNAMESE.sub("", cell.source),
                                 prose=cell.cell_type == "markdown")
            english.append(en)
            vietnamese.append(vi)
    return normal(APART.join(english)), normal(APART.join(vietnamese))


def glossary():
    """Rows (English terms, Vietnamese term, spellings to avoid) of course/glossary.md."""
    rows = []
    for line in (COURSE / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "") or set(cells[0]) <= set("-"):
            continue
        english = [re.sub(r"\(.*?\)", "", term).strip() for term in cells[0].split(" / ")]
        avoid = [a.strip() for a in cells[2].split(";") if a.strip()]
        rows.append((english, normal(cells[1]), [normal(a) for a in avoid]))
    return rows


def test_the_lecture_is_there_in_order():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


def test_glossary_is_readable():
    rows = glossary()
    assert len(rows) > 30
    assert (["receptive field"], "trường thụ cảm", ["trường thu cảm"]) in rows
    assert (["forward pass"], "lượt truyền xuôi", ["lan truyền xuôi"]) in rows


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path):
    notebook = read(path)
    assert "widgets" not in notebook.metadata, "saved widget state"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_explanation_is_in_both_languages(path):
    notebook = read(path)
    title = notebook.cells[0].source.splitlines()[0]
    assert title.startswith("# ") and " / " in title, "title: '# English / Tiếng Việt'"
    for cell in notebook.cells[1:]:
        if cell.cell_type != "markdown":
            continue
        vietnamese = " ".join(VIETNAMESE.findall(cell.source)).strip()
        english = VIETNAMESE.sub("", cell.source).strip()
        if len(re.findall(r"[A-Za-z]{3,}", english)) >= 8:   # prose, not a lone heading
            assert len(vietnamese) > len(english) / 4, f"no Vietnamese for: {english[:80]}"


def avoided(english, vietnamese):
    """The glossary's forms to avoid that the texts use, as (form, the term to
    use instead). In English text, a form that is an English term of its own
    row is right ("vector" in English, "vectơ" in Vietnamese)."""
    found = []
    for terms, term_vi, avoid in glossary():
        for wrong in avoid:
            pattern = rf"(?<!\w){re.escape(wrong)}(?!\w)"
            in_english = wrong not in [normal(t) for t in terms] and re.search(pattern, english)
            if in_english or re.search(pattern, vietnamese):
                found.append((wrong, term_vi))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_glossary_terms_are_used_consistently(path):
    english, vietnamese = languages(read(path))
    assert avoided(*languages(read(path), ("markdown", "code"))) == []
    for terms, term_vi, avoid in glossary():
        if any(re.search(rf"\b{re.escape(t.lower())}", english) for t in terms):
            assert term_vi in vietnamese, f"{terms[0]!r} without {term_vi!r}"


ASSIGNMENTS = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("assignments/*/*.ipynb"))


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_the_assignments_use_the_glossary(path):
    assert avoided(*languages(read(path), ("markdown", "code"))) == []


def test_the_messages_use_the_glossary():
    """What convlab prints and draws: the catalogs (the Vietnamese of every
    message, widgets' and plots' included) and the strings of the widgets
    and plots themselves."""
    with open(ROOT / "convlab" / "locale" / "vi" / "LC_MESSAGES" / "convlab.po", "rb") as f:
        catalog = [m for m in read_po(f) if m.id]
    english = [m.id if isinstance(m.id, str) else " ".join(m.id) for m in catalog]
    vietnamese = [m.string if isinstance(m.string, str) else " ".join(m.string)
                  for m in catalog]
    for path in sorted(ROOT.glob("convlab/widgets/*.py")) + sorted(ROOT.glob("convlab/viz/*.py")):
        strings = [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        en, vi = by_language("\n".join(strings), prose=False)
        english.append(en)
        vietnamese.append(vi)
    assert avoided(normal(APART.join(english)), normal(APART.join(vietnamese))) == []


# How long nbclient waits for one cell. The slowest cell of the course (the
# training of notebook 08) takes seconds; a cell that stalls waits out the
# whole timeout, so a generous timeout still tells a stall from slow work.
CELL_TIMEOUT = 60
# A cell that takes this long has waited out (nearly) all of CELL_TIMEOUT:
# nbclient missed its reply, or the kernel kept talking after the cell.
STALLED = 0.9 * CELL_TIMEOUT
# The whole course runs in under a minute on a laptop; a stall costs a minute.
NOTEBOOK_LIMIT = 240

# Run first, in the same kernel: every figure the notebook draws (inline,
# in a widget, or saved to PNG by the training dashboard) passes through
# print_figure, where its words and colours are checked.
CHECK_FIGURES = """\
import matplotlib.backend_bases as _backend_bases
from convlab.viz import colour_rule_problems as _colour_problems, untranslated as _untranslated

_figure_problems = []
_print_figure = _backend_bases.FigureCanvasBase.print_figure

def _checked_print_figure(self, *args, **kwargs):
    _figure_problems.extend(f"no Vietnamese: {text!r}" for text in _untranslated(self.figure))
    _figure_problems.extend(_colour_problems(self.figure))
    return _print_figure(self, *args, **kwargs)

_backend_bases.FigureCanvasBase.print_figure = _checked_print_figure
"""
REPORT_FIGURES = "import json; print(json.dumps(sorted(set(_figure_problems))))"


class TimedClient(NotebookClient):
    """A NotebookClient that records how long each cell took, as the user waited for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seconds = {}

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        started = time.monotonic()
        try:
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            self.seconds[cell_index] = time.monotonic() - started


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    """Executed in a fresh kernel, as a student would; the file is not changed.

    The notebooks assert the lecture's worked examples, so this runs them
    too. It also fails when a cell stalls (nbclient waits out the timeout
    though the kernel is idle), and when a figure breaks the course's rules:
    a title, axis label or legend without Vietnamese, or signed values not
    drawn positive red / negative blue, centred, with a colour bar.
    """
    notebook = read(path)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(CHECK_FIGURES))
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT_FIGURES))
    client = TimedClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                         resources={"metadata": {"path": str(COURSE)}})
    started = time.monotonic()
    client.execute()
    total = time.monotonic() - started

    errors = [o for c in notebook.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors
    stalled = {index: round(seconds) for index, seconds in client.seconds.items()
               if seconds >= STALLED}
    # Cell numbers as in the file (the check cell came first).
    assert not stalled, f"cells that waited out the timeout, {{cell: seconds}}: " \
        f"{ {index - 1: s for index, s in stalled.items()} }"
    assert total < NOTEBOOK_LIMIT, f"{total:.0f} s for the whole notebook"
    report = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert json.loads(report) == [], "figures that break the course's rules"
