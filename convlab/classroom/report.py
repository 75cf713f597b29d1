"""The gradebook of one assignment as a table, and the class report.

    gradebook_table(name, course_dir)        tests, points and every student's grades
    write_report(name, course_dir, table, outcome)
                                             reports/<name>.html: pass rate per test
                                             (table and bar chart), score histogram,
                                             one row per student with the grader's notes

``convlab grade`` calls both after grading; the plots are PNG images inside
the page, so the report is one file an instructor can mail or archive.
"""
import base64
import datetime
import html
import io
from pathlib import Path


def gradebook_table(name, course_dir="."):
    """Read the autograded tests and every student's grades from gradebook.db.

    Returns {"tests": [(grade_id, points)] of the autograded test cells,
    "max_score" (their points), "max_with_manual" (with the manually graded
    cells), "students": {student: {"score", "grades": {grade_id: score}, "late"}}}.
    """
    from nbgrader.api import Gradebook

    db = Path(course_dir).resolve() / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        assignment = gb.find_assignment(name)
        tests = []
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            tests += [(cell.name, float(cell.max_score)) for cell in notebook.grade_cells
                      if cell.cell_type == "code" and cell.name not in answers]
        result = {"tests": tests, "max_score": sum(points for _, points in tests),
                  "max_with_manual": float(assignment.max_score), "students": {}}
        for submission in assignment.submissions:
            grades = {}
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    grades[g.name] = float(g.score or 0.0)
            result["students"][submission.student.id] = {
                "score": float(submission.score or 0.0),
                "grades": grades, "late": bool(submission.total_seconds_late > 0)}
    return result


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(name, course_dir, table, outcome):
    """reports/<name>.html: per-test pass rates (table, bar chart), score histogram."""
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
    axis.set_xlabel("students with full points (%)")
    axis.set_title(f"{name}: pass rate per test")
    bars = _png(figure)
    plt.close(figure)

    scores = [outcome[s]["score"] for s in who]
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.hist(scores, bins=min(20, max(5, n)), range=(0, table["max_score"] or 1),
              color="#55a868", edgecolor="black")
    axis.set_xlabel(f"score (out of {table['max_score']:g})")
    axis.set_ylabel("students")
    axis.set_title(f"{name}: scores")
    histogram = _png(figure)
    plt.close(figure)

    student_rows = "".join(
        f"<tr><td>{html.escape(s)}</td><td>{outcome[s]['score']:g}</td>"
        f"<td>{table['max_score']:g}</td><td>{'yes' if outcome[s].get('late') else ''}</td>"
        f"<td>{'ok' if outcome[s]['ok'] else 'FAILED'}</td>"
        f"<td>{html.escape(outcome[s]['comment'])}</td></tr>" for s in who)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)}: class report</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style></head><body>
<h1>{html.escape(name)}: class report</h1>
<p>{n} submissions, generated {datetime.datetime.now():%Y-%m-%d %H:%M}.</p>
<h2>Tests</h2>
<table><tr><th>test</th><th>points</th><th>full points</th><th>pass rate</th></tr>
{''.join(rows)}</table>
<p><img alt="pass rate per test" src="data:image/png;base64,{bars}"></p>
<h2>Scores</h2>
<p><img alt="score histogram" src="data:image/png;base64,{histogram}"></p>
<table><tr><th>student</th><th>score</th><th>max</th><th>late</th><th>autograde</th>
<th>comment</th></tr>
{student_rows}</table>
</body></html>
"""
    folder = Path(course_dir) / "reports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    return path
