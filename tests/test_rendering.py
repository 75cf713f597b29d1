"""The course's text as students see it: every notebook of course/ opened in
JupyterLab on 127.0.0.1, in Debian's Chromium driven by Playwright (one
server and one browser for all of them), every markdown cell rendered, and
no list item nested where the source does not nest it.

Markdown reads a line that starts with a number and a period as a list item:
a Vietnamese sentence wrapped just before "4. Thử ..." became a nested item
"d." and lost its number (05's "Try it"). Here the list nesting of each
rendered markdown cell is compared with the nesting its source intends.
"""
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browsing import CHROMIUM, jupyterlab

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "course").glob("*.ipynb"))
TOKEN = "convlab-rendering-test"
# Every cell in the page, not only those in view (JupyterLab's notebook setting).
SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none"}}

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (make install)")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing: apt-get install chromium")

# A list item's first line: its indentation and its marker ("-", "*", "+", "1." or "1)").
ITEM = re.compile(r"^( *)([-*+]|(\d{1,9})[.)])(?: +|$)")
FENCE = re.compile(r"^ *(```|~~~)")


def intended_depths(source):
    """The nesting depth of each list item the markdown ``source`` means to
    write, in order: 0 for an item at the start of a line, one more for
    each list it is indented into.

    An indented line that starts with a number other than 1 (and does not
    follow an item of an indented list) is a wrapped line of text, not an
    item: that is the mistake markdown renders as a nested list.
    """
    depths = []
    open_items = []       # the indentation of the items the next line may be inside
    last = None           # (indentation, nested) of the last item
    fenced = after_blank = False
    for line in source.splitlines():
        if FENCE.match(line):
            fenced, after_blank = not fenced, False
            continue
        found = None if fenced else ITEM.match(line)
        if not found:
            if line.strip() and not line.startswith(" ") and after_blank:
                open_items, last = [], None     # a paragraph after a blank line ends the lists
            after_blank = not line.strip()
            continue
        after_blank = False
        indent, number = len(found.group(1)), found.group(3)
        if indent > 0 and number not in (None, "1") and last != (indent, True):
            continue                            # a wrapped line that starts with a number
        while open_items and open_items[-1] >= indent:
            open_items.pop()
        depths.append(len(open_items))
        last = (indent, bool(open_items))
        open_items.append(indent)
    return depths


# For each markdown cell of the open notebook, in order: null until its
# HTML is there, then [depth, text] of each of its list items (depth: the
# <li> around it).
RENDERED_LISTS = """() => Array.from(
    document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell')
).map(cell => {
    const root = cell.querySelector('.jp-RenderedMarkdown');
    if (!cell.classList.contains('jp-mod-rendered') || !root || !root.childElementCount)
        return null;
    return Array.from(root.querySelectorAll('li')).map(li => {
        let depth = 0;
        for (let p = li.parentElement; p && p !== root; p = p.parentElement)
            if (p.tagName === 'LI') depth++;
        return [depth, li.innerText.split('\\n')[0].slice(0, 80)];
    });
})"""


SESSION_READY = """() => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return Boolean(widget && widget.sessionContext && widget.sessionContext.isReady);
}"""


def api(url):
    with urllib.request.urlopen(f"{url}?token={TOKEN}", timeout=10) as reply:
        return json.load(reply)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of course/, with
    settings and workspaces of its own."""
    root = tmp_path_factory.mktemp("rendering")
    shutil.copytree(ROOT / "course", root / "course")
    for name, values in SETTINGS.items():
        path = root / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    with jupyterlab(root, TOKEN, f"--LabApp.user_settings_dir={root / 'settings'}",
                    f"--LabApp.workspaces_dir={root / 'workspaces'}") as url:
        yield url


def rendered_lists(browser, lab, path, markdown_cells, timeout=120):
    """Open ``path`` (a notebook of course/) in JupyterLab, wait until its
    ``markdown_cells`` markdown cells are rendered, and return RENDERED_LISTS.
    The kernel JupyterLab starts for it is shut down again."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{lab}/lab/workspaces/rendering/tree/course/{path.name}"
                  f"?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook", timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while True:
            cells = page.evaluate(RENDERED_LISTS)
            if len(cells) == markdown_cells and None not in cells:
                return cells
            if time.monotonic() > deadline:
                rendered = sum(c is not None for c in cells)
                raise AssertionError(f"{path.name}: {rendered} of {markdown_cells} markdown "
                                     f"cells rendered")
            time.sleep(0.5)
    finally:
        # One kernel at a time: shut down, once started, the one JupyterLab
        # started for this notebook.
        page.wait_for_function(SESSION_READY, timeout=timeout * 1000)
        page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()


@pytest.mark.parametrize("source, depths", [
    ("1. one\n2. two", [0, 0]),
    ("- a\n  - a.1\n  - a.2\n- b", [0, 1, 1, 0]),
    ("1. one\n   1. one.one\n   2. one.two\n2. two", [0, 1, 1, 0]),
    # 05's Vietnamese "Try it": "4." wraps to the start of a line inside item 2.
    ("1. one\n2. with stride\n   4. Try it\n3. three", [0, 0, 0]),
    ("```\n- not a list\n```\ntext", []),
])
def test_the_nesting_a_source_intends(source, depths):
    assert intended_depths(source) == depths


def test_every_notebook_renders_its_lists_as_written(browser, lab):
    problems = []
    for path in NOTEBOOKS:
        markdown = [c.source for c in nbformat.read(path, as_version=4).cells
                    if c.cell_type == "markdown"]
        for number, (source, items) in enumerate(
                zip(markdown, rendered_lists(browser, lab, path, len(markdown))), 1):
            rendered = [depth for depth, _text in items]
            if rendered != intended_depths(source):
                problems.append(f"{path.stem}, markdown cell {number}: the source nests "
                                f"{intended_depths(source)}, JupyterLab renders {items}")
    assert not problems, "\n".join(problems)
