"""A semester's assignment cycle on a real JupyterHub, in a real browser.

`convlab hub setup` on this machine, with four local accounts made for the
test (an instructor, three students; removed afterwards), JupyterHub on
127.0.0.1, Debian's Chromium driven by Playwright where a person clicks:

1. the instructor releases a2_convolution (nbgrader's commands, as the
   instructor's account);
2. each student logs in with their own account, fetches a2 in the
   Assignments tab, completes it (one correct, one with a typical mistake,
   one blank: the notebook is written as that account) and submits it
   there;
3. the instructor collects, grades with `convlab grade`, grades the
   written answer of one student in the Formgrader, and releases feedback;
4. each student fetches feedback in the Assignments tab and sees only
   their own, with the right score; grades.csv agrees.

Skipped, with the reason, where it cannot run: not root (accounts and a hub
that runs each account's server), no Chromium, no bubblewrap, no npm.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from browsing import CHROMIUM, free_port, served
from convlab.classroom import demo_class

ROOT = Path(__file__).resolve().parents[1]
NAME = "a2_convolution"
PASSWORD = "convlab-hub-test-2026"
PREFIX = "clhub"
INSTRUCTOR = f"{PREFIX}_teacher"
STUDENTS = {f"{PREFIX}_correct": "correct", f"{PREFIX}_mistake": "no_bias",
            f"{PREFIX}_blank": "blank"}
# The written answer of a2 graded by hand: its grade_id and the points given.
WRITTEN = "written_stride_padding"
MANUAL_POINTS = 2.0


def _missing():
    if not sys.platform.startswith("linux"):
        return "JupyterHub with local accounts needs Linux"
    if os.geteuid() != 0:
        return "not root: the test makes accounts and a hub that runs their servers"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (make browser)"
    if shutil.which("bwrap") is None:
        return "bubblewrap is missing (make sandbox)"
    if shutil.which("npm") is None or shutil.which("useradd") is None:
        return "npm or useradd is missing"
    return None


playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (make install)")
pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def convlab(*args):
    result = subprocess.run([sys.executable, "-m", "convlab", *args], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def as_user(name, *command, cwd=None, input=None):
    """Run ``command`` as the account ``name``, with the hub's Python on PATH."""
    account = pwd.getpwnam(name)
    result = subprocess.run(list(command), capture_output=True, text=True, input=input,
                            cwd=cwd or account.pw_dir, user=account.pw_uid,
                            group=account.pw_gid, extra_groups=[],
                            env={"HOME": account.pw_dir, "LANG": "C.UTF-8",
                                 "PATH": f"{STATE}/venv/bin:/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


STATE = None


@pytest.fixture(scope="module")
def hub():
    """Accounts, `convlab hub setup`, `convlab hub start`; all undone after."""
    global STATE
    # Not under pytest's tmp folder (only root may enter it): every account
    # runs the hub's Python.
    folder = Path(tempfile.mkdtemp(prefix="convlab-hub-test-"))
    folder.chmod(0o755)
    STATE = folder / "state"
    accounts = [INSTRUCTOR, *STUDENTS]
    for name in accounts:
        subprocess.run(["userdel", "-r", name], capture_output=True)
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
    subprocess.run(["chpasswd"], input="".join(f"{n}:{PASSWORD}\n" for n in accounts),
                   text=True, check=True)
    port = free_port()
    try:
        timings = {}
        start = time.perf_counter()
        convlab("hub", "setup", "--instructor", INSTRUCTOR, "--students",
                ",".join(STUDENTS), "--state", str(STATE))
        timings["setup"] = time.perf_counter() - start
        url = f"http://127.0.0.1:{port}"
        with served([sys.executable, "-m", "convlab", "hub", "start", "--port", str(port),
                     "--state", str(STATE)], f"{url}/hub/api", folder / "hub.log"):
            yield {"url": url, "timings": timings}
    finally:
        for name in accounts:   # their servers, then the accounts themselves
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        if STATE.exists():
            convlab("hub", "teardown", "--state", str(STATE))
        for name in accounts:
            subprocess.run(["userdel", "-r", name], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def log_in(browser, url, name):
    """A new browser context (its own cookies) logged in as ``name``, in JupyterLab."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**")
    page.wait_for_selector(".jp-LabShell")
    return context, page


def nbgrader_menu(page):
    """The items of JupyterLab's Nbgrader menu (left open)."""
    page.click("#jp-MainMenu >> text=Nbgrader")
    page.wait_for_selector(".lm-Menu-content")
    labels = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    return [label for label in labels if label.strip()]


def open_assignment_list(page):
    """Nbgrader > Assignment List, as a student opens it."""
    nbgrader_menu(page)
    page.click(".lm-Menu-content >> text=Assignment List")
    page.wait_for_selector("#released_assignments_list")


def course():
    return Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "convlab"


def submission_id(student):
    """The id of the student's submitted notebook in the instructor's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course() / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission_notebook(NAME, NAME, student).id


def test_a_whole_assignment_cycle(hub, browser):
    url, timings = hub["url"], hub["timings"]
    folder = course()
    shots = ROOT / ".pytest_cache" / "hub"          # screenshots, to look at
    shots.mkdir(parents=True, exist_ok=True)
    solution = nbformat.read(ROOT / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    released = nbformat.read(ROOT / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    work = {"correct": solution, "blank": released,
            "no_bias": demo_class.with_mistake(solution, *demo_class.MISTAKES[NAME]["no_bias"])}

    # Each role sees its own tools: the instructor nbgrader's, a student the
    # Assignments tab only.
    context, page = log_in(browser, url, INSTRUCTOR)
    assert {"Assignment List", "Formgrader"} <= set(nbgrader_menu(page))
    context.close()
    context, page = log_in(browser, url, next(iter(STUDENTS)))
    assert nbgrader_menu(page) == ["Assignment List"]
    context.close()

    # 1. The instructor releases a2.
    start = time.perf_counter()
    as_user(INSTRUCTOR, "nbgrader", "generate_assignment", NAME, "--force", cwd=folder)
    as_user(INSTRUCTOR, "nbgrader", "release_assignment", NAME, "--force", cwd=folder)
    timings["release"] = time.perf_counter() - start

    # 2. Each student fetches, completes and submits it, in the browser.
    for student, kind in STUDENTS.items():
        start = time.perf_counter()
        context, page = log_in(browser, url, student)
        open_assignment_list(page)
        page.click("#released_assignments_list button:has-text('Fetch')")
        page.wait_for_selector(f"#fetched_assignments_list >> text={NAME}")
        page.screenshot(path=str(shots / f"{kind}-fetched.png"))
        account = pwd.getpwnam(student)
        path = Path(account.pw_dir) / NAME / f"{NAME}.ipynb"
        assert path.exists() and path.stat().st_uid == account.pw_uid
        # The student's work, saved by the student's account.
        as_user(student, "tee", str(path), input=nbformat.writes(work[kind]))
        page.click("#fetched_assignments_list button:has-text('Submit')")
        page.wait_for_selector(f"#submitted_assignments_list >> text={NAME}")
        context.close()
        timings[f"fetch and submit ({kind})"] = time.perf_counter() - start

    # 3. The instructor collects, grades, grades the written answer of one
    # student by hand in the Formgrader, grades again and releases feedback.
    start = time.perf_counter()
    as_user(INSTRUCTOR, "nbgrader", "collect", NAME, cwd=folder)
    timings["collect"] = time.perf_counter() - start
    start = time.perf_counter()
    as_user(INSTRUCTOR, "convlab", "grade", NAME, "--jobs", "2", cwd=folder)
    timings["convlab grade"] = time.perf_counter() - start
    graded_by_hand = f"{PREFIX}_correct"
    context, page = log_in(browser, url, INSTRUCTOR)
    page.goto(f"{url}/user/{INSTRUCTOR}/formgrader/submissions/"
              f"{submission_id(graded_by_hand)}/")
    score = page.locator(f"input.score#{WRITTEN}")
    score.fill(f"{MANUAL_POINTS:g}")
    score.press("Tab")                              # the Formgrader saves on change
    page.wait_for_timeout(2000)
    page.screenshot(path=str(shots / "formgrader.png"))
    context.close()
    start = time.perf_counter()
    as_user(INSTRUCTOR, "convlab", "grade", NAME, "--jobs", "2", cwd=folder)
    as_user(INSTRUCTOR, "nbgrader", "release_feedback", NAME, cwd=folder)
    timings["grade again and release feedback"] = time.perf_counter() - start

    expected = {f"{PREFIX}_correct": 27.0 + MANUAL_POINTS, f"{PREFIX}_mistake": 12.0,
                f"{PREFIX}_blank": 0.0}
    grades = {row["student_id"]: float(row["score"]) for row in _csv(folder / "grades.csv")
              if row["assignment"] == NAME}
    assert grades == expected

    # 4. Each student fetches their feedback and sees only their own.
    for student, kind in STUDENTS.items():
        start = time.perf_counter()
        context, page = log_in(browser, url, student)
        open_assignment_list(page)
        page.click("#submitted_assignments_list button:has-text('Fetch Feedback')")
        page.wait_for_selector("#submitted_assignments_list >> text=view feedback")
        page.screenshot(path=str(shots / f"{kind}-feedback.png"))
        # "view feedback" opens its folder in the file browser; the student
        # opens the page from there, in JupyterLab's HTML viewer.
        page.click("#submitted_assignments_list >> text=view feedback")
        page.dblclick(f".jp-DirListing-item >> text={NAME}.html")
        shown = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
        shown.locator(f"text=Score: {expected[student]:.1f} / 30.0").first.wait_for()
        page.screenshot(path=str(shots / f"{kind}-feedback-page.png"))
        context.close()
        timings[f"fetch feedback ({kind})"] = time.perf_counter() - start
        feedback = [path for path in (Path(pwd.getpwnam(student).pw_dir) / NAME /
                                      "feedback").rglob("*.html")
                    if ".ipynb_checkpoints" not in path.parts]   # JupyterLab's copy
        assert len(feedback) == 1, feedback
        html = feedback[0].read_text(encoding="utf-8")
        assert f"{NAME} (Score: {expected[student]:.1f} / 30.0)" in html, student
        assert not [other for other in STUDENTS if other != student and other in html]
    (shots / "timings.json").write_text(json.dumps(timings, indent=1))


def _csv(path):
    import csv
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
