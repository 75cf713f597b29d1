"""Students' code sealed off from the course (convlab.classroom.isolation).

The four attacks of issue 13, each a cell at the top of an otherwise blank
notebook, graded by ``convlab grade --jobs 2`` beside honest classmates:
rewrite the gradebook, overwrite classmates' notebooks, print the hidden
tests from solutions/ into the feedback, connect to a listener on
127.0.0.1. Each must fail and earn nothing, the honest students grade as
before, and submitted/ is byte-identical afterwards. The same attacks, run
without the sandbox, succeed: so the test can fail.
"""
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest

from convlab.classroom import demo_class, feedback, grade, isolation
from convlab.classroom.report import gradebook_table
from convlab.commands import grade as grade_command
from convlab.errors import ClassroomError

sys.path.insert(0, str(Path(__file__).parent))
from test_classroom import NAME, hidden_lines_of, make_course, tree_hash  # noqa: E402

USABLE, REASON = isolation.available()
needs_isolation = pytest.mark.skipif(not USABLE, reason=f"no isolation here: {REASON} "
                                                        "(make sandbox installs bubblewrap)")

FIND_UP = """\
import os
def find_up(name):
    folder = os.getcwd()
    while True:
        for candidate in (os.path.join(folder, name), os.path.join(folder, "..", name)):
            if os.path.exists(candidate):
                return os.path.abspath(candidate)
        if folder == os.path.dirname(folder):
            return None
        folder = os.path.dirname(folder)
"""
ATTACKS = {
    # Zero every score in the gradebook (a classmate's 27 would become 0).
    "rewrites_gradebook": FIND_UP + """\
import sqlite3
db = find_up("gradebook.db")
print("gradebook:", db)
if db:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE grade SET manual_score = 0")
""",
    # Overwrite every other student's notebook in submitted/.
    "overwrites_classmates": FIND_UP + """\
submitted = find_up("submitted")
print("submitted:", submitted)
if submitted:
    for root, folders, files in os.walk(submitted):
        for file in files:
            if file.endswith(".ipynb") and "overwrites_classmates" not in root:
                with open(os.path.join(root, file), "w") as f:
                    f.write("{}")
""",
    # Print the hidden tests into its own output (and so its feedback).
    "reads_solutions": FIND_UP + """\
solutions = find_up("solutions")
print("solutions:", solutions)
if solutions:
    for root, folders, files in os.walk(solutions):
        for file in files:
            if file.endswith(".ipynb"):
                print(open(os.path.join(root, file)).read())
""",
    # Reach a server on the grader's machine.
    "opens_connection": """\
import socket
connection = socket.socket()
connection.settimeout(3)
try:
    connection.connect(("127.0.0.1", PORT))
    connection.sendall(b"hello from a submission")
    print("connected")
except OSError as error:
    print("no connection:", error)
""",
}


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()



def attack_notebook(course, student, port):
    blank = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    code = ATTACKS[student].replace("PORT", str(port))
    blank.cells.insert(1, nbformat.v4.new_code_cell(code))
    return blank


def test_the_attacks_work_without_a_sandbox(tmp_path, listener):
    """Run as the grader's own processes, every attack does what it says."""
    course = make_course(tmp_path / "course")
    demo_class.demo_class(NAME, course)
    folder = course / "autograded" / "attacker" / NAME
    folder.mkdir(parents=True)
    for student in ATTACKS:
        code = ATTACKS[student].replace("PORT", str(listener.port))
        result = subprocess.run([sys.executable, "-c", code], cwd=folder,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        if student == "reads_solutions":
            hidden = hidden_lines_of(course / "solutions" / NAME / f"{NAME}.ipynb")
            assert [line for line in hidden if line in result.stdout]
    assert listener.connections == 1
    assert (course / "submitted" / "correct" / NAME / f"{NAME}.ipynb").read_text() == "{}"


@needs_isolation
def test_a_sandbox_sees_only_its_folder_and_no_network(tmp_path, listener):
    scratch, secret = tmp_path / "scratch", tmp_path / "secret.txt"
    scratch.mkdir()
    secret.write_text("the course")
    code = ("import os, socket\n"
            f"print(os.path.exists({str(secret)!r}), os.getuid())\n"
            "open('mine.txt', 'w').write('ok')\n"
            f"s = socket.socket(); s.settimeout(2)\n"
            f"print(s.connect_ex(('127.0.0.1', {listener.port})))\n"
            f"open({str(tmp_path / 'outside.txt')!r}, 'w')\n")
    result = subprocess.run(isolation.sandbox_argv([scratch]) + [sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=60)
    lines = result.stdout.split("\n")
    assert lines[0] == "False 65534"
    assert lines[1] != "0" and listener.connections == 0
    assert (scratch / "mine.txt").read_text() == "ok"
    # The write lands in the sandbox's own /tmp, which ends with it.
    assert result.returncode == 0 and not (tmp_path / "outside.txt").exists()


@needs_isolation
def test_matplotlib_reads_the_font_list_made_once(tmp_path, monkeypatch):
    # Without the list each sandbox makes its own (its /tmp starts empty):
    # matplotlib logs "generated new fontManager" then.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    code = ("import logging; logging.basicConfig(level=logging.INFO)\n"
            "import matplotlib.font_manager\n")

    def sandboxed():
        return subprocess.run(isolation.sandbox_argv([scratch]) + [sys.executable, "-c", code],
                              capture_output=True, text=True, timeout=120)

    monkeypatch.delenv(isolation.FONTS, raising=False)
    assert "generated new fontManager" in sandboxed().stderr
    environment = isolation.make_font_list(tmp_path / "fonts")
    assert list((tmp_path / "fonts").glob("fontlist-*.json"))
    monkeypatch.setenv(isolation.FONTS, environment[isolation.FONTS])
    result = sandboxed()
    assert result.returncode == 0 and "generated new fontManager" not in result.stderr, \
        result.stderr


@needs_isolation
def test_attacks_fail_and_earn_nothing_while_classmates_grade_as_before(tmp_path, listener):
    course = make_course(tmp_path / "course")
    demo_class.demo_class(NAME, course, extra={
        student: attack_notebook(course, student, listener.port) for student in ATTACKS})
    before = tree_hash(course / "submitted")

    result = grade.grade(NAME, course, jobs=2, timeout=60)

    assert tree_hash(course / "submitted") == before
    scores = {s: r["score"] for s, r in result.items()}
    assert {s: scores[s] for s in ATTACKS} == {s: 0.0 for s in ATTACKS}
    assert scores["correct"] == scores["late"] == 27.0 and scores["no_bias"] == 12.0
    table = gradebook_table(NAME, course)["students"]
    assert {s: r["score"] for s, r in table.items()} == scores
    assert listener.connections == 0
    leaked = (course / "feedback" / "reads_solutions" / NAME / f"{NAME}.html").read_text()
    hidden = hidden_lines_of(course / "solutions" / NAME / f"{NAME}.ipynb")
    assert hidden and not [line for line in hidden if line in leaked]
    autograded = nbformat.read(course / "autograded" / "opens_connection" / NAME /
                               f"{NAME}.ipynb", as_version=4)
    assert "no connection" in "".join(o.get("text", "") for o in autograded.cells[1].outputs)
    # The sandboxed kernel draws inline as nbgrader's does: the figures of the
    # notebook are in the autograded notebook and the feedback.
    honest = nbformat.read(course / "autograded" / "correct" / NAME / f"{NAME}.ipynb",
                           as_version=4)
    drawing = next(c for c in honest.cells if c.metadata.get("nbgrader", {}).get(
        "grade_id") == "look_at_a_step_code")
    assert sum("image/png" in o.get("data", {}) for o in drawing.outputs) == 2
    page = (course / "feedback" / "correct" / NAME / f"{NAME}.html").read_text()
    assert "data:image/png;base64," in page and feedback.FIT_FIGURES in page


def test_grade_refuses_without_isolation_unless_told(tmp_path, monkeypatch, capsys):
    course = make_course(tmp_path / "course")
    demo_class.demo_class(NAME, course)
    monkeypatch.setattr(isolation, "available", lambda: (False, "bwrap is not installed"))
    with pytest.raises(ClassroomError, match="--no-isolation"):
        grade.grade(NAME, course)
    args = type("Args", (), {"name": NAME, "course_dir": str(course)})()
    assert grade_command.grade_command(args) == 1
    assert "bwrap is not installed" in capsys.readouterr().err

    seen = {}
    monkeypatch.setattr(grade_command, "grade", lambda *a, **k: seen.update(k) or {})
    args.no_isolation = True
    grade_command.grade_command(args)
    assert seen["isolated"] is False


FIGURES = [
    "from matplotlib.figure import Figure\n"
    "draws = [0]\n"
    "_draw = Figure.draw\n"
    "def counting(self, renderer):\n"
    "    draws[0] += 1\n"
    "    return _draw(self, renderer)\n"
    "Figure.draw = counting",
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots()\n"
    "ax.plot([1, 3, 2])\n"
    "ax.set_title('a figure left open')",
    "plt.plot([1, 2])\n"
    "plt.show()\n"
    "plt.figure()\n"
    "plt.imshow([[0, 1], [1, 0]])",
    "print(draws[0])",
]


def run_figures(folder, kernel, sockets=None):
    """Run the FIGURES notebook in ``kernel`` (in ``folder``); returns (the
    PNGs it shows, in order, and how many times a figure was drawn)."""
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FIGURES])
    manager = (KernelManager(kernel_name=kernel, transport="ipc",
                             ip=str(Path(sockets) / "kernel"))
               if sockets else KernelManager(kernel_name=kernel))
    NotebookClient(notebook, km=manager, timeout=120,
                   resources={"metadata": {"path": str(folder)}}).execute()
    pngs = [o["data"]["image/png"] for cell in notebook.cells for o in cell.outputs
            if "image/png" in o.get("data", {})]
    return pngs, int(notebook.cells[-1].outputs[0]["text"])


def test_grading_kernels_draw_each_figure_twice_and_show_the_same(tmp_path, monkeypatch):
    # IPython's kernel draws a figure left open three times (pyplot's redraw
    # after the cell, then the inline backend's two for a PNG); convlab
    # grade's kernels skip the first, and the notebook shows the same figures.
    monkeypatch.setenv("JUPYTER_PATH", str(isolation.kernel_spec(tmp_path / "jupyter")))
    stock, stock_draws = run_figures(tmp_path, "python3")
    assert len(stock) == 3 and stock_draws > 2 * len(stock)
    kernels = {isolation.UNSEALED_KERNEL_NAME: None}
    if USABLE:
        sockets = Path(tempfile.mkdtemp(prefix=isolation.SOCKETS_PREFIX, dir=tmp_path))
        kernels[isolation.KERNEL_NAME] = sockets
    for kernel, sockets in kernels.items():
        pngs, draws = run_figures(tmp_path, kernel, sockets)
        assert pngs == stock, kernel
        assert draws == 2 * len(pngs), kernel
