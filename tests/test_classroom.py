"""convlab.classroom: a demo class, graded by nbgrader jobs at a time.

The grading tests run nbgrader for real (about a minute each) in a
temporary copy of the course holding a2_convolution only.
"""
import argparse
import hashlib
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from convlab import classroom

ROOT = Path(__file__).resolve().parents[1]
NAME = "a2_convolution"
MAX = 27.0     # the autograded points of a2_convolution


def make_course(folder, name=NAME):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / name, folder / "solutions" / name)
    shutil.copytree(ROOT / "assignments" / name, folder / "assignments" / name)
    return folder


def tree_hash(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_every_mistake_applies_to_its_source():
    for name, mistakes in classroom.MISTAKES.items():
        solution = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
        for grade_id, old, new in mistakes.values():
            changed = classroom.with_mistake(solution, grade_id, old, new)
            assert changed != solution
    # The solution itself is not changed.
    solution = nbformat.read(ROOT / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    before = nbformat.writes(solution)
    classroom.with_mistake(solution, *classroom.MISTAKES[NAME]["no_bias"])
    assert nbformat.writes(solution) == before


def test_demo_class_never_overwrites(tmp_path):
    course = make_course(tmp_path / "course")
    who = classroom.demo_class(NAME, course)
    assert {"correct", "blank", "late", "no_bias", "flipped_kernel", "floor_division",
            "pad_all_axes"} == set(who)
    for student in who:
        assert (course / "submitted" / student / NAME / f"{NAME}.ipynb").exists()
        assert (course / "submitted" / student / NAME / "timestamp.txt").exists()
    stamps = {s: (course / "submitted" / s / NAME / "timestamp.txt").read_text() for s in who}
    assert stamps["late"] > stamps["correct"]

    before = tree_hash(course / "submitted")
    with pytest.raises(classroom.ClassroomError, match="not overwriting"):
        classroom.demo_class(NAME, course)
    assert tree_hash(course / "submitted") == before
    args = argparse.Namespace(name=NAME, course_dir=str(course), force=False)
    assert classroom.demo_class_command(args) == 1
    assert tree_hash(course / "submitted") == before

    # One existing student is enough to refuse.
    shutil.rmtree(course / "submitted")
    (course / "submitted" / "blank" / NAME).mkdir(parents=True)
    (course / "submitted" / "blank" / NAME / "mine.txt").write_text("keep me")
    with pytest.raises(classroom.ClassroomError, match="blank"):
        classroom.demo_class(NAME, course)
    assert not (course / "submitted" / "correct").exists()
    assert classroom.demo_class(NAME, course, force=True) == who


def test_grade_without_submissions_says_where(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    args = argparse.Namespace(name=NAME, course_dir=str(course), jobs=1, timeout=60)
    assert classroom.grade_command(args) == 1
    err = capsys.readouterr().err
    assert "no submissions" in err and f"submitted/<student>/{NAME}/{NAME}.ipynb" in err


def test_grade_demo_class_parallel_equals_sequential(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    who = classroom.demo_class(NAME, course)
    before = tree_hash(course / "submitted")
    release = tree_hash(course / "assignments")

    start = time.perf_counter()
    parallel = classroom.grade(NAME, course, jobs=2, timeout=120)
    parallel_seconds = time.perf_counter() - start
    start = time.perf_counter()
    args = argparse.Namespace(name=NAME, course_dir=str(course), jobs=1, timeout=120)
    assert classroom.grade_command(args) == 0
    sequential_seconds = time.perf_counter() - start
    assert "flipped_kernel" in capsys.readouterr().out
    sequential = classroom.gradebook_table(NAME, course)["students"]
    print(f"jobs=2 {parallel_seconds:.1f} s, jobs=1 {sequential_seconds:.1f} s")

    scores = {s: r["score"] for s, r in parallel.items()}
    assert scores == {s: r["score"] for s, r in sequential.items()}
    assert set(scores) == set(who)
    assert all(r["ok"] and r["max_score"] == MAX for r in parallel.values())
    assert scores["correct"] == MAX and scores["late"] == MAX
    assert scores["blank"] == 0
    for student in classroom.MISTAKES[NAME]:
        assert 0 < scores[student] < MAX, (student, scores[student])

    assert (course / "grades.csv").exists()
    csv = (course / "grades.csv").read_text()
    assert all(student in csv for student in who)
    report = (course / "reports" / f"{NAME}.html").read_text()
    assert "data:image/png;base64," in report and "test_conv_backward_naive" in report
    for student in who:
        assert list((course / "feedback" / student / NAME).glob("*.html")), student
    assert tree_hash(course / "submitted") == before
    assert tree_hash(course / "assignments") == release


def test_a_looping_submission_is_killed_and_the_others_graded(tmp_path):
    course = make_course(tmp_path / "course")
    solution = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    loops = classroom.with_mistake(solution, "conv_param_count",
                                   "return (f * f * in_channels + 1) * filters",
                                   "while True: pass")
    # conv_param_count's test is the last cell: make the loop run at import time.
    for cell in loops.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "conv_param_count":
            cell.source += "\n\nconv_param_count(3, 10, 5)\n"
    for student, notebook in [("correct", solution), ("loops", loops)]:
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NAME}.ipynb")
    before = tree_hash(course / "submitted")

    result = classroom.grade(NAME, course, jobs=2, timeout=30)
    assert result["correct"]["ok"] and result["correct"]["score"] == MAX
    assert not result["loops"]["ok"] and result["loops"]["score"] == 0
    assert "time limit" in result["loops"]["comment"]
    assert "time limit" in (course / "reports" / f"{NAME}.html").read_text()
    assert tree_hash(course / "submitted") == before
