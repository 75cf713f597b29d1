"""What `convlab grade` tells the instructor and the students after grading:
the points apart (autograded, graded by hand, total), feedback that stays
right after nbgrader's own commands, and its progress while it grades.

The grading tests run nbgrader for real on a class of one or two students.
"""
import argparse
import html
import io
import re

import nbformat
import pytest
from nbgrader.api import Gradebook
from tqdm import tqdm

from convlab.classroom import demo_class as demo, grade as grading, report
from convlab.classroom.feedback import notes_path
from convlab.classroom.processes import nbgrader
from convlab.commands import grade as commands

from test_classroom import DEMO_SCORES, MAX, NAME, make_course

WRITTEN = "written_stride_padding"   # the written answer of a2_convolution: 3 points


def submit(course, student, notebook):
    folder = course / "submitted" / student / NAME
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{NAME}.ipynb")


def solution(course):
    return nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)


def outcome_of(autograded, manual, ok=True, comment="", to_grade=()):
    return {"autograded": autograded, "manual": manual, "total": autograded + manual,
            "max_autograded": 27.0, "max_manual": 3.0, "max_total": 30.0, "ok": ok,
            "comment": comment, "to_grade": list(to_grade)}


# --- The points, apart --------------------------------------------------------------

def test_summary_shows_the_points_apart():
    text = commands.summary({"ana": outcome_of(27.0, 3.0),
                             "bob": outcome_of(12.5, 0.0, to_grade=[WRITTEN]),
                             "cy": outcome_of(0.0, 0.0, ok=False, comment="killed")})
    lines = text.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["student", "autograded", "graded by hand",
                                             "total", "status"]
    assert re.split(r"\s{2,}", lines[1]) == ["ana", "27 / 27", "3 / 3", "30 / 30", "ok"]
    assert re.split(r"\s{2,}", lines[2]) == [
        "bob", "12.5 / 27", "0 / 3", "12.5 / 30", f"ok; to grade by hand: {WRITTEN}"]
    assert re.split(r"\s{2,}", lines[3]) == ["cy", "0 / 27", "0 / 3", "0 / 30",
                                             "FAILED: killed"]
    # The columns line up.
    assert len({line.index("/ 30") for line in lines[1:]}) == 1


def test_the_histogram_counts_every_student():
    counts, edges = report.score_histogram([0.0, 12.0, 30.0, 31.0, -1.0], 30.0)
    assert counts.sum() == 5
    assert edges[0] == 0 and edges[-1] == 30
    assert counts[-1] == 2 and counts[0] == 2   # above and below the range: at its ends
    counts, _ = report.score_histogram([5.0] * 3, 0.0)   # no points at all
    assert counts.sum() == 3


@pytest.fixture(scope="module")
def graded_by_hand(tmp_path_factory):
    """A class graded, the written answer of "correct" graded by hand (as the
    Formgrader does it), then graded again; the histogram's data recorded."""
    course = make_course(tmp_path_factory.mktemp("manual") / "course")
    answer = solution(course)
    submit(course, "correct", answer)
    submit(course, "no_bias", demo.with_mistake(answer, *demo.MISTAKES[NAME]["no_bias"]))
    first = grading.grade(NAME, course, jobs=2, timeout=120)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade(WRITTEN, NAME, NAME, "correct")
        grade.manual_score = 3.0
        grade.needs_manual_grade = False
        gb.db.commit()

    plotted = []
    histogram = report.score_histogram

    def spy(totals, maximum, bins=None):
        plotted.append((list(totals), maximum))
        return histogram(totals, maximum, bins)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "score_histogram", spy)
        again = grading.grade(NAME, course, jobs=2, timeout=120)
    return course, first, again, plotted


def test_written_answers_are_counted_apart(graded_by_hand):
    _, first, again, _ = graded_by_hand
    assert first["correct"]["to_grade"] == [WRITTEN]
    assert (first["correct"]["autograded"], first["correct"]["manual"],
            first["correct"]["total"]) == (MAX, 0.0, MAX)
    correct, no_bias = again["correct"], again["no_bias"]
    assert (correct["autograded"], correct["manual"], correct["total"]) == (MAX, 3.0, MAX + 3)
    assert (correct["max_autograded"], correct["max_manual"], correct["max_total"]) == (
        MAX, 3.0, MAX + 3)
    assert correct["to_grade"] == []
    assert (no_bias["autograded"], no_bias["manual"], no_bias["total"]) == (
        DEMO_SCORES["no_bias"], 0.0, DEMO_SCORES["no_bias"])
    assert no_bias["to_grade"] == [WRITTEN]
    assert correct["score"] == MAX and correct["max_score"] == MAX   # the autograded


def test_the_gradebook_table_has_the_points_apart(graded_by_hand):
    course, *_ = graded_by_hand
    table = report.gradebook_table(NAME, course)
    assert table["manual"] == [(WRITTEN, 3.0)]
    assert sum(points for _, points in table["tests"]) == MAX
    assert (table["max_autograded"], table["max_manual"], table["max_total"]) == (
        MAX, 3.0, MAX + 3)
    correct = table["students"]["correct"]
    assert (correct["autograded"], correct["manual"], correct["total"]) == (MAX, 3.0, MAX + 3)
    assert correct["grades"][WRITTEN] == 3.0


def test_summary_and_report_show_the_points_apart(graded_by_hand):
    course, _, again, plotted = graded_by_hand
    text = commands.summary(again)
    correct = next(line for line in text.splitlines() if line.startswith("correct"))
    assert re.split(r"\s{2,}", correct) == ["correct", "27 / 27", "3 / 3", "30 / 30", "ok"]
    assert "30 / 27" not in text

    page = html.unescape((course / "reports" / f"{NAME}.html").read_text())
    assert "Points: 27 autograded + 3 graded by hand = 30." in page
    assert ("<tr><td>correct</td><td>27 / 27</td><td>3 / 3</td><td>30 / 30</td>" in page)
    assert f"to grade by hand: {WRITTEN}" in page and "30 / 27" not in page
    # The histogram: every student's total, out of the total points.
    assert plotted == [([again[s]["total"] for s in sorted(again)], MAX + 3)]
    counts, _ = report.score_histogram(*plotted[0])
    assert counts.sum() == len(again) and counts[-1] == 1


# --- Feedback after nbgrader's own commands -----------------------------------------

def test_feedback_stays_right_after_nbgrader_autograde_and_generate_feedback(tmp_path):
    """convlab grade lowers two tests of imports_reference; the instructor then
    runs nbgrader's commands, which replace autograded/<student>/ and the
    feedback. The notes stay, and no lowered test says "passed"."""
    course = make_course(tmp_path / "course")
    cheat, _ = demo.hostile_submission(NAME, "imports_reference", solution(course))
    submit(course, "imports_reference", cheat)
    result = grading.grade(NAME, course, timeout=120)["imports_reference"]
    lowered = ["test_conv_backward_naive", "test_conv_forward_naive"]
    assert result["lowered"] == lowered

    nbgrader(["autograde", NAME, "--student", "imports_reference", "--force"], course,
             "autograde")
    nbgrader(["generate_feedback", NAME, "--force"], course, "generate_feedback")
    feedback = course / "feedback" / "imports_reference" / NAME / f"{NAME}.html"
    notes = notes_path(course / "autograded" / "imports_reference" / NAME)
    assert notes.exists()

    def verdicts():
        text = html.unescape(feedback.read_text())
        return (text, re.findall(r"Points set to (\d+) of (\d+)", text),
                len(re.findall(r"(?:Visible tests|Tests): passed", text)))

    text, set_lower, passed = verdicts()
    assert sorted(set_lower) == [("0", "7"), ("0", "8")]
    assert passed == 6 - 2          # a2 has six autograded tests
    assert text.count("Re-verification of this test") == 2

    # Even without convlab's notes, the gradebook's lower score is said plainly.
    notes.unlink()
    nbgrader(["generate_feedback", NAME, "--force"], course, "generate_feedback")
    text, set_lower, passed = verdicts()
    assert sorted(set_lower) == [("0", "7"), ("0", "8")] and passed == 4
    assert "Re-verification of this test" not in text


# --- Progress -----------------------------------------------------------------------

def test_progress_is_plain_lines_and_a_log_without_a_terminal(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    submit(course, "correct", solution(course))
    args = argparse.Namespace(name=NAME, course_dir=str(course), jobs=1, timeout=120)
    assert commands.grade_command(args) == 0
    out, err = capsys.readouterr()
    assert re.search(r"^\[1/1\] correct: graded in \d+\.\d s$", err, re.MULTILINE), err
    assert "\r" not in err                     # no progress bar
    log = (course / "reports" / f"{NAME}.log").read_text()
    assert re.search(r"^\S+ \S+ correct: graded in \d+\.\d s$", log, re.MULTILINE), log
    assert "convlab grade started: 1 submissions" in log
    assert out.splitlines()[1] in log          # the summary, too
    assert f"reports/{NAME}.log" in out.splitlines()[-1]


def test_progress_is_a_tqdm_bar_on_a_terminal(tmp_path):
    stream = io.StringIO()
    progress = commands.Progress(2, tmp_path / "reports" / "a.log", stream=stream, tty=True)
    assert isinstance(progress.bar, tqdm) and progress.bar.total == 2
    progress("ana", {"ok": True, "seconds": 3.5, "comments": []})
    progress("bob", {"ok": False, "seconds": 1.0, "comments": ["killed"]})
    assert progress.bar.n == 2
    progress.close("the summary")
    shown = stream.getvalue()
    assert "ana: graded in 3.5 s" in shown and "bob: FAILED in 1.0 s (killed)" in shown
    assert "2/2" in shown                      # the bar's count
    log = (tmp_path / "reports" / "a.log").read_text()
    assert "ana: graded in 3.5 s" in log and "the summary" in log
    assert commands.Progress(1, tmp_path / "b.log", stream=io.StringIO()).bar is None
