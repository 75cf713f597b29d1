"""course/: the lecture's notebooks run, are committed clean, and are bilingual."""
import json
import re
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest
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


def normal(text):
    return unicodedata.normalize("NFC", text).lower()


def languages(notebook):
    """(English text, Vietnamese text) of a notebook's markdown cells."""
    english, vietnamese = [], []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            vietnamese += VIETNAMESE.findall(cell.source)
            english.append(VIETNAMESE.sub("", cell.source))
    return normal("\n".join(english)), normal("\n".join(vietnamese))


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_glossary_terms_are_used_consistently(path):
    english, vietnamese = languages(read(path))
    everything = english + vietnamese
    for terms, term_vi, avoid in glossary():
        for wrong in avoid:
            assert wrong not in everything, f"{wrong!r}: the glossary says {term_vi!r}"
        if any(re.search(rf"\b{re.escape(t.lower())}", english) for t in terms):
            assert term_vi in vietnamese, f"{terms[0]!r} without {term_vi!r}"


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
