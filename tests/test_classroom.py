"""convlab.classroom: a demo class, graded by nbgrader jobs at a time.

The grading tests run nbgrader for real (about a minute each) in a
temporary copy of the course holding a2_convolution only.
"""
import argparse
import hashlib
import html
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from convlab.classroom import demo_class as demo, grade as grading, reverify, time_limits
from convlab.classroom.report import gradebook_table
from convlab.classroom.worker import Worker
from convlab.commands import grade as commands
from convlab.errors import ClassroomError

ROOT = Path(__file__).resolve().parents[1]
NAME = "a2_convolution"
MAX = 27.0     # the autograded points of a2_convolution
# The fair scores of the demo class: 27 less the points of the tests that each
# mistake fails (forward 7, backward 8, output size 4, zero_pad 3, ...).
DEMO_SCORES = {"correct": 27.0, "late": 27.0, "blank": 0.0, "floor_division": 16.0,
               "no_bias": 12.0, "flipped_kernel": 12.0, "pad_all_axes": 9.0}
# Each hostile student's wrong answer is one of the mistakes above (or a
# known one), so the fair score is known too.
HOSTILE_SCORES = {
    "patches_numpy": 12.0,      # no bias: forward and backward fail
    "patches_checks": 12.0,     # flipped kernel: forward and backward fail
    "imports_reference": 12.0,  # forward and backward are convlab's, not theirs
    "fake_numpy": 9.0,          # pads every axis
    "fake_convlab": 16.0,       # accepts sizes that are not whole
    "edits_tests": 25.0,        # conv_param_count without the bias (2 points)
    "loops": 19.0,              # conv_backward_naive (8 points) never returns
    "memory_bomb": 25.0,        # conv_param_count (2 points) exhausts memory
    "kills_kernel": 9.0,        # single step, forward, backward: 3 + 7 + 8 points
}


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
    for name, mistakes in demo.MISTAKES.items():
        solution = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
        for grade_id, old, new in mistakes.values():
            changed = demo.with_mistake(solution, grade_id, old, new)
            assert changed != solution
    # The solution itself is not changed.
    solution = nbformat.read(ROOT / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    before = nbformat.writes(solution)
    demo.with_mistake(solution, *demo.MISTAKES[NAME]["no_bias"])
    assert nbformat.writes(solution) == before


def test_demo_class_never_overwrites(tmp_path):
    course = make_course(tmp_path / "course")
    who = demo.demo_class(NAME, course)
    assert {"correct", "blank", "late", "no_bias", "flipped_kernel", "floor_division",
            "pad_all_axes"} == set(who)
    for student in who:
        assert (course / "submitted" / student / NAME / f"{NAME}.ipynb").exists()
        assert (course / "submitted" / student / NAME / "timestamp.txt").exists()
    stamps = {s: (course / "submitted" / s / NAME / "timestamp.txt").read_text() for s in who}
    assert stamps["late"] > stamps["correct"]

    before = tree_hash(course / "submitted")
    with pytest.raises(ClassroomError, match="not overwriting"):
        demo.demo_class(NAME, course)
    assert tree_hash(course / "submitted") == before
    args = argparse.Namespace(name=NAME, course_dir=str(course), force=False)
    assert commands.demo_class_command(args) == 1
    assert tree_hash(course / "submitted") == before

    # One existing student is enough to refuse.
    shutil.rmtree(course / "submitted")
    (course / "submitted" / "blank" / NAME).mkdir(parents=True)
    (course / "submitted" / "blank" / NAME / "mine.txt").write_text("keep me")
    with pytest.raises(ClassroomError, match="blank"):
        demo.demo_class(NAME, course)
    assert not (course / "submitted" / "correct").exists()
    assert demo.demo_class(NAME, course, force=True) == who


def test_grade_without_submissions_says_where(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    args = argparse.Namespace(name=NAME, course_dir=str(course), jobs=1, timeout=60)
    assert commands.grade_command(args) == 1
    err = capsys.readouterr().err
    assert "no submissions" in err and f"submitted/<student>/{NAME}/{NAME}.ipynb" in err


def test_grade_demo_class_parallel_equals_sequential(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    who = demo.demo_class(NAME, course)
    before = tree_hash(course / "submitted")
    release = tree_hash(course / "assignments")

    start = time.perf_counter()
    parallel = grading.grade(NAME, course, jobs=2, timeout=120)
    parallel_seconds = time.perf_counter() - start
    start = time.perf_counter()
    args = argparse.Namespace(name=NAME, course_dir=str(course), jobs=1, timeout=120)
    assert commands.grade_command(args) == 0
    sequential_seconds = time.perf_counter() - start
    assert "flipped_kernel" in capsys.readouterr().out
    sequential = gradebook_table(NAME, course)["students"]
    print(f"jobs=2 {parallel_seconds:.1f} s, jobs=1 {sequential_seconds:.1f} s")

    scores = {s: r["score"] for s, r in parallel.items()}
    assert scores == {s: r["score"] for s, r in sequential.items()}
    assert set(scores) == set(who)
    assert all(r["ok"] and r["max_score"] == MAX for r in parallel.values())
    assert scores["correct"] == MAX and scores["late"] == MAX
    assert scores["blank"] == 0
    assert scores == DEMO_SCORES

    assert (course / "grades.csv").exists()
    csv = (course / "grades.csv").read_text()
    assert all(student in csv for student in who)
    report = (course / "reports" / f"{NAME}.html").read_text()
    assert "data:image/png;base64," in report and "test_conv_backward_naive" in report
    for student in who:
        assert list((course / "feedback" / student / NAME).glob("*.html")), student
    assert tree_hash(course / "submitted") == before
    assert tree_hash(course / "assignments") == release


def hidden_lines_of(source_path):
    """The distinctive lines of the hidden tests: long enough, and nowhere else
    in the source notebook."""
    notebook = nbformat.read(source_path, as_version=4)
    hidden, shown = set(), set()
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == "### BEGIN HIDDEN TESTS":
                inside = True
            elif line.strip() == "### END HIDDEN TESTS":
                inside = False
            elif line.strip():
                (hidden if inside else shown).add(line.strip())
    return {line for line in hidden - shown if len(line) > 20}


def test_hostile_class_gets_fair_scores(tmp_path):
    """The class of item 4 of the issue: every kind of cheat gets the score of
    an honest student with the same mistake."""
    course = make_course(tmp_path / "course")
    who = demo.demo_class(NAME, course, hostile=True)
    assert len(who) == 16
    before = tree_hash(course / "submitted")

    # 15 s a cell: ten times what the slowest honest cell takes here, and
    # the looping student's stalled cell costs 15 s, not 40.
    result = grading.grade(NAME, course, jobs=2, timeout=15)
    scores = {s: r["score"] for s, r in result.items()}
    assert scores == {**DEMO_SCORES, **HOSTILE_SCORES}
    table = gradebook_table(NAME, course)["students"]
    assert {s: r["score"] for s, r in table.items()} == scores
    assert all(r["ok"] for r in result.values()), {s: r["comment"] for s, r in result.items()}

    # In-kernel tests that were fooled are corrected by the re-verification.
    assert result["imports_reference"]["lowered"] == ["test_conv_backward_naive",
                                                      "test_conv_forward_naive"]
    assert "test_conv_forward_naive" in result["patches_numpy"]["lowered"]
    assert all(not result[s]["lowered"] for s in DEMO_SCORES)
    # Crashes and loops cost only their cells; deleted tests are put back.
    assert result["kills_kernel"]["comment"].count("crashed the kernel") == 3
    assert "test_conv_backward_naive ran past the time limit" in result["loops"]["comment"]
    assert "test_conv_single_step was missing" in result["edits_tests"]["comment"]

    # Feedback: verdicts of the hidden tests, never their source.
    secret = hidden_lines_of(course / "solutions" / NAME / f"{NAME}.ipynb")
    assert len(secret) > 10
    for student in who:
        page = (course / "feedback" / student / NAME / f"{NAME}.html").read_text()
        text = html.unescape(page)
        assert "BEGIN HIDDEN TESTS" not in text, student
        assert not [line for line in secret if line in text], student
        assert "Hidden tests:" in text or student == "blank", student
    page = html.unescape((course / "feedback" / "imports_reference" / NAME
                          / f"{NAME}.html").read_text())
    assert "Re-verification of this test" in page and "set to 0" in page
    page = html.unescape((course / "feedback" / "kills_kernel" / NAME
                          / f"{NAME}.html").read_text())
    assert "Notes from the grader" in page and "crashed the kernel" in page

    report = (course / "reports" / f"{NAME}.html").read_text()
    assert "re-verification set test_conv_forward_naive to 0" in report
    assert (course / "grades.csv").exists()
    assert tree_hash(course / "submitted") == before


def test_a_resubmission_gets_its_points_back(tmp_path):
    """nbgrader keeps manual scores across autograde runs: the points taken by
    the re-verification are given back when the new submission is fair."""
    course = make_course(tmp_path / "course")
    solution = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    cheat, _ = demo.hostile_submission(NAME, "imports_reference", solution)
    folder = course / "submitted" / "student" / NAME
    folder.mkdir(parents=True)
    nbformat.write(cheat, folder / f"{NAME}.ipynb")
    assert grading.grade(NAME, course, timeout=60)["student"]["score"] == 12.0

    nbformat.write(solution, folder / f"{NAME}.ipynb")       # the student fixes it
    again = grading.grade(NAME, course, timeout=60)["student"]
    assert again["score"] == MAX and again["lowered"] == []


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None,
                    reason="rfc3987_syntax is not installed here")
def test_worker_starts_without_the_iri_parsers(tmp_path):
    # jsonschema imports rfc3987_syntax for a format no notebook uses; its
    # parsers cost 1.2 s at each start (processes.skip_iri_parsers). The
    # worker loads nbgrader, hence nbformat and jsonschema, then ends at the
    # end of its input.
    course = make_course(tmp_path / "course")
    started = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "convlab.classroom.worker", str(course),
         "4096"], cwd=course, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in started.stderr.splitlines()
                if line.startswith("import time:")}
    assert {"nbgrader.apps.api", "nbformat.validator", "jsonschema._format"} <= imported
    # (importtime lists the refused import itself, a few microseconds.)
    assert "lark" not in imported and "rfc3987_syntax.syntax_helpers" not in imported


def test_worker_grades_like_the_commands_and_survives_a_timeout(tmp_path):
    # One nbgrader process for many students (convlab grade's fast path):
    # it must really grade (not leave it to the per-student fallback), give
    # the re-verification's verdicts of a process of its own, and be killed
    # and started again when a request runs past its time.
    course = make_course(tmp_path / "course")
    demo.demo_class(NAME, course)
    worker = Worker(course)
    try:
        with_release = tmp_path / "release"
        assert worker.generate_assignment(NAME, with_release)[0] == "ok"
        assert (with_release / NAME / f"{NAME}.ipynb").exists()
        status, log = worker.autograde(NAME, "no_bias", course / "submitted", timeout=300)
        assert status == "ok" and "Executing cell" in log
        assert (course / "autograded" / "no_bias" / NAME / f"{NAME}.ipynb").exists()
        notebook = course / "submitted" / "no_bias" / NAME / f"{NAME}.ipynb"
        by_worker = worker.reverify(NAME, notebook, timeout=60, memory_mb=2048)
        assert by_worker == reverify.reverify(NAME, "no_bias", course, time_limits.uniform(60))
        assert {v["check"] for v in by_worker if not v["passed"]} == {
            "check_conv_forward_naive", "check_conv_backward_naive"}
        first = worker.process.pid
        assert worker.autograde(NAME, "correct", course / "submitted", timeout=0.5)[0] == \
            "timeout"
        assert worker.process is None
        assert worker.autograde(NAME, "correct", course / "submitted", timeout=300)[0] == "ok"
        assert worker.process.pid != first
        assert worker.export()[0] == "ok" and (course / "grades.csv").exists()
    finally:
        worker.close()
