"""The gradebook of one assignment as a table, and the class report.

    gradebook_table(name, course_dir)        tests, points and every student's grades:
                                             autograded, graded by hand, total
    score_histogram(totals, maximum)         the counts of the report's histogram
    write_report(name, course_dir, table, outcome)
                                             reports/<name>.html: pass rate per test
                                             (table and bar chart), histogram of the
                                             total points, one row per student with
                                             their points and the grader's notes

``convlab grade`` calls both after grading; the plots are PNG images inside
the page, so the report is one file an instructor can mail or archive.
"""
import base64
import datetime
import html
import io
from pathlib import Path

from convlab.i18n import _, get_language


def gradebook_table(name, course_dir="."):
    """Read the cells worth points and every student's grades from gradebook.db.

    Returns {"tests": [(grade_id, points)] of the autograded test cells,
    "manual": [(grade_id, points)] of the cells graded by hand (written
    answers, graded code answers, tasks), "max_autograded", "max_manual",
    "max_total" (the points of each kind and their sum), "students":
    {student: {"autograded", "manual", "total" (points), "grades":
    {grade_id: score}, "to_grade" (grade_ids of the cells graded by hand
    that are not graded yet), "late"}}}.

    "max_score" and a student's "score" are the autograded points, as before
    manual grades were counted apart.
    """
    from nbgrader.api import Gradebook

    db = Path(course_dir).resolve() / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        assignment = gb.find_assignment(name)
        tests, manual = [], []
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            for cell in notebook.grade_cells:
                autograded = cell.cell_type == "code" and cell.name not in answers
                (tests if autograded else manual).append((cell.name, float(cell.max_score)))
            manual += [(cell.name, float(cell.max_score)) for cell in notebook.task_cells]
        result = {"tests": tests, "manual": manual,
                  "max_autograded": sum(points for _, points in tests),
                  "max_manual": sum(points for _, points in manual), "students": {}}
        result["max_total"] = result["max_autograded"] + result["max_manual"]
        result["max_score"] = result["max_autograded"]
        by_hand = {grade_id for grade_id, _ in manual}
        for submission in assignment.submissions:
            grades, to_grade = {}, []
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    grades[g.name] = float(g.score or 0.0)
                    # nbgrader's needs_manual_grade also flags grades to review
                    # again after autograde: not graded yet is no score at all.
                    if g.name in by_hand and g.manual_score is None and g.auto_score is None:
                        to_grade.append(g.name)
            autograded = sum(grades.get(grade_id, 0.0) for grade_id, _ in tests)
            by_hand_points = sum(grades.get(grade_id, 0.0) for grade_id, _ in manual)
            result["students"][submission.student.id] = {
                "autograded": autograded, "manual": by_hand_points,
                "total": autograded + by_hand_points, "score": autograded,
                "grades": grades, "to_grade": sorted(to_grade),
                "late": bool(submission.total_seconds_late > 0)}
    return result


def score_histogram(totals, maximum, bins=None):
    """(counts, edges) of the report's histogram: how many of ``totals`` fall
    in each of ``bins`` equal bins from 0 to ``maximum`` (default: between 5
    and 20, one per student). A total outside that range (extra credit, a
    score above the points) is counted in the first or last bin, so every
    student is in the histogram."""
    import numpy as np

    maximum = float(maximum) or 1.0
    bins = bins or min(20, max(5, len(totals)))
    clipped = np.clip(np.asarray(totals, dtype=float), 0.0, maximum)
    return np.histogram(clipped, bins=bins, range=(0.0, maximum))


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def out_of(score, maximum):
    """"12 / 27": a score out of its maximum, as the summary and the report show it."""
    return f"{score:g} / {maximum:g}"


def write_report(name, course_dir, table, outcome):
    """reports/<name>.html: per-test pass rates (table, bar chart), the points of
    every student (autograded, graded by hand, total) and a histogram of the
    totals. ``table`` is ``gradebook_table``'s, ``outcome`` ``grade``'s.
    Returns the path of the page."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    who = sorted(outcome)
    n = len(who)
    rows, rates = [], []
    for test, points in table["tests"]:
        full = sum(1 for s in who if outcome[s]["ok"]
                   and outcome[s].get("grades", {}).get(test, 0.0) >= points - 1e-9)
        rate = full / n if n else 0.0
        rates.append(rate)
        rows.append(f"<tr><td>{html.escape(test)}</td><td>{points:g}</td>"
                    f"<td>{full} / {n}</td><td>{rate:.0%}</td></tr>")

    figure, axis = plt.subplots(figsize=(7, 0.4 * len(rates) + 1.2))
    labels = [t for t, _ in table["tests"]]
    axis.barh(labels[::-1], [100 * r for r in rates[::-1]], color="#4c72b0")
    axis.set_xlim(0, 100)
    axis.set_xlabel(_("students with full points (%)"))
    axis.set_title(_("{name}: pass rate per test").format(name=name))
    bars = _png(figure)
    plt.close(figure)

    counts, edges = score_histogram([outcome[s]["total"] for s in who], table["max_total"])
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.bar(edges[:-1], counts, width=edges[1:] - edges[:-1], align="edge",
             color="#55a868", edgecolor="black")
    axis.set_xlim(edges[0], edges[-1])
    axis.set_xlabel(_("total points (out of {maximum:g})").format(maximum=table["max_total"]))
    axis.set_ylabel(_("students"))
    axis.set_title(_("{name}: total points").format(name=name))
    histogram = _png(figure)
    plt.close(figure)

    def row(s):
        o = outcome[s]
        comment = o["comment"]
        if o.get("to_grade"):
            comment = "; ".join(filter(None, [comment, _("to grade by hand: {cells}").format(
                cells=", ".join(o["to_grade"]))]))
        late = _("yes") if o.get("late") else ""
        status = _("ok") if o["ok"] else _("FAILED")
        return (f"<tr><td>{html.escape(s)}</td>"
                f"<td>{out_of(o['autograded'], table['max_autograded'])}</td>"
                f"<td>{out_of(o['manual'], table['max_manual'])}</td>"
                f"<td>{out_of(o['total'], table['max_total'])}</td>"
                f"<td>{html.escape(late)}</td><td>{html.escape(status)}</td>"
                f"<td>{html.escape(comment)}</td></tr>")

    def header(*names):
        return "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in names) + "</tr>"

    waiting = sum(1 for s in who if outcome[s].get("to_grade"))
    title = html.escape(_("{name}: class report").format(name=name))
    generated = html.escape(_("{count} submissions, generated {date}.").format(
        count=n, date=f"{datetime.datetime.now():%Y-%m-%d %H:%M}"))
    maxima = html.escape(_("Points: {autograded:g} autograded + {manual:g} graded by hand "
                           "= {total:g}.").format(autograded=table["max_autograded"],
                                                  manual=table["max_manual"],
                                                  total=table["max_total"]))
    if waiting:
        maxima += " " + html.escape(_("Students with answers still to grade by hand: "
                                      "{count}.").format(count=waiting))
    test_header = header(_("test"), _("points"), _("full points"), _("pass rate"))
    student_header = header(_("student"), _("autograded"), _("graded by hand"), _("total"),
                            _("late"), _("autograde"), _("comment"))
    # Outside the f-string, where pybabel finds them.
    tests_title, points_title = html.escape(_("Tests")), html.escape(_("Points"))
    bars_alt = html.escape(_("pass rate per test"))
    histogram_alt = html.escape(_("histogram of the total points"))
    page = f"""<!DOCTYPE html>
<html lang="{get_language()}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style></head><body>
<h1>{title}</h1>
<p>{generated}</p>
<p>{maxima}</p>
<h2>{tests_title}</h2>
<table>{test_header}
{''.join(rows)}</table>
<p><img alt="{bars_alt}" src="data:image/png;base64,{bars}"></p>
<h2>{points_title}</h2>
<p><img alt="{histogram_alt}" src="data:image/png;base64,{histogram}"></p>
<table>{student_header}
{''.join(row(s) for s in who)}</table>
</body></html>
"""
    folder = Path(course_dir) / "reports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    return path
