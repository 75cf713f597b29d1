"""The widgets in a real browser: JupyterLab on 127.0.0.1, Debian's Chromium, Playwright.

Each test opens a copy of a course notebook (the repository's files are
never touched: JupyterLab saves what it runs), runs all its cells, finds a
demo by its CSS class (convlab.widgets.base), moves one of its controls with
the keyboard as a student would, and checks that the numbers change.
"""
import shutil
import time
from pathlib import Path

import pytest

from browsing import CHROMIUM, jupyterlab

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "convlab-browser-test"

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (make install)")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing: apt-get install chromium")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of course/."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "course", root / "course")
    with jupyterlab(root, TOKEN) as url:
        yield url


def open_and_run(browser, lab, notebook):
    """A page with ``notebook`` open and all its cells run."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # A workspace of its own, reset: only this notebook is open.
    workspace = notebook.split(".")[0]
    page.goto(f"{lab}/lab/workspaces/{workspace}/tree/course/{notebook}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session",
                           timeout=120_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page


def demo(page, name, timeout=240_000):
    """The first rendered demo that has a control called ``name``."""
    control = page.locator(f".convlab-demo .convlab-control-{name}").first
    control.wait_for(state="visible", timeout=timeout)
    return control.locator("xpath=ancestor::*[contains(@class,'convlab-demo')][1]")


def readout(box):
    return box.locator(".convlab-readout").first.inner_text()


def settled_readout(box, timeout=60):
    """The readout once the demo has drawn its first state."""
    deadline = time.monotonic() + timeout
    while not readout(box).strip() and time.monotonic() < deadline:
        time.sleep(0.2)
    return readout(box)


def press_on_slider(box, name, key, times=1):
    handle = box.locator(f".convlab-control-{name} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def wait_for_change(box, before, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = readout(box)
        if now != before:
            return now
        time.sleep(0.2)
    raise AssertionError(f"the readout did not change: {before!r}")


def test_conv_stepper_moves_through_the_slides_steps(browser, lab, tmp_path):
    page = open_and_run(browser, lab, "04_convolution.ipynb")
    box = demo(page, "step")
    box.scroll_into_view_if_needed()
    before = settled_readout(box)
    press_on_slider(box, "step", "ArrowRight")
    after = wait_for_change(box, before)
    assert "(0, 1)" in after
    page.screenshot(path=str(tmp_path / "conv_stepper.png"))
    page.close()


def test_output_size_calculator_says_when_it_does_not_fit(browser, lab):
    page = open_and_run(browser, lab, "05_spatial_dimensions.ipynb")
    box = demo(page, "filters")
    box.scroll_into_view_if_needed()
    before = settled_readout(box)
    assert "= 5" in before
    press_on_slider(box, "stride", "ArrowRight", times=2)     # stride 1 -> 3 on 7x7
    after = wait_for_change(box, before)
    deadline = time.monotonic() + 30
    while "not a whole number" not in after and time.monotonic() < deadline:
        time.sleep(0.2)
        after = readout(box)
    assert "not a whole number" in after
    page.close()


def test_training_dashboard_trains_live(browser, lab):
    page = open_and_run(browser, lab, "08_convnets.ipynb")
    box = demo(page, "start")
    box.scroll_into_view_if_needed()
    before = settled_readout(box)
    box.locator(".convlab-control-start").first.click()
    after = wait_for_change(box, before, timeout=120)
    assert "epoch" in after.lower()
    page.close()
