"""The assignments: solutions pass, student versions fail and are in sync, nbgrader grades them."""
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from convlab.classroom import assignments
from convlab.classroom.processes import nbgrader
from convlab.commands import cli

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from test_classroom import make_course  # noqa: E402
NAMES = ["a1_perceptron_fc", "a2_convolution", "a3_pooling_convnet"]
SOURCES = assignments.sources(ROOT)


def comparable(notebook):
    """What a student sees of a notebook: cell types, sources and nbgrader metadata."""
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in notebook.cells]


def test_the_three_assignments_exist():
    assert sorted(SOURCES) == NAMES
    for name in NAMES:
        assert (ROOT / "assignments" / name / f"{name}.ipynb").exists(), \
            "run `make assignments`"


@pytest.mark.parametrize("name", NAMES)
def test_source_is_bilingual_and_has_a_written_answer(name):
    notebook = assignments.validate_source(SOURCES[name])
    assert notebook.cells[0].source.startswith("# ") and " / " in notebook.cells[0].source
    assert any('<div lang="vi">' in c.source for c in notebook.cells)
    written = [c for c in notebook.cells if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("grade")]
    assert written, "at least one manually graded written answer"
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in assignments.graded_cells(notebook))


@pytest.mark.parametrize("name", NAMES)
def test_student_version_is_in_sync_with_the_source(name, tmp_path):
    generated = assignments.generate(name, ROOT, tmp_path)
    for path in sorted(generated.glob("*.ipynb")):
        committed = ROOT / "assignments" / name / path.name
        assert comparable(nbformat.read(path, 4)) == comparable(nbformat.read(committed, 4)), \
            f"{committed} is out of date: run `make assignments`"


@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_every_test(name):
    notebook = nbformat.read(SOURCES[name], 4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(SOURCES[name].parent)}}).execute()


@pytest.mark.parametrize("name", NAMES)
def test_student_version_fails_its_tests(name):
    failed, tests = assignments.failing_tests(ROOT / "assignments" / name / f"{name}.ipynb")
    assert tests and len(failed) == len(tests)


def test_nbgrader_gives_the_solution_full_marks_and_the_blank_zero(tmp_path):
    """nbgrader's own autograde, in a temporary course directory."""
    from nbgrader.api import Gradebook

    name = "a2_convolution"
    course = make_course(tmp_path / "course", name)
    nbgrader(["generate_assignment", name, "--force"], course, "generate_assignment")
    for student, source in [("alice", course / "solutions"), ("bob", course / "assignments")]:
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        shutil.copy(source / name / f"{name}.ipynb", folder)
    nbgrader(["autograde", name, "--force"], course, "autograde")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        alice = gradebook.find_submission(name, "alice")
        bob = gradebook.find_submission(name, "bob")
        autograded = sum(c.max_score for c in alice.notebooks[0].grades
                         if c.auto_score is not None)
        assert alice.score == autograded > 0
        assert bob.score == 0


def test_build_refuses_an_unknown_assignment(capsys):
    assert cli.main(["assignments", "build", "a9_nothing", "--course-dir", str(ROOT)]) == 1
    assert "no source notebook for a9_nothing" in capsys.readouterr().err
