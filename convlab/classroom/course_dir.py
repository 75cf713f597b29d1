"""Where things are in a course directory, as nbgrader lays it out.

    solutions/<name>/<name>.ipynb      the instructor's source (solutions, hidden tests)
    assignments/<name>/<name>.ipynb    the released student version
    submitted/<student>/<name>/        what each student handed in
    autograded/, feedback/             nbgrader's output
    gradebook.db                       nbgrader's gradebook

``notebook_paths`` (the source and the released notebook, or a
ClassroomError that says what is missing), ``students`` (who handed in),
``due_date`` (the gradebook's).
"""
from pathlib import Path

from convlab.errors import ClassroomError


def notebook_paths(name, course_dir):
    """(source, released): the paths of the assignment's two notebooks, which
    must exist."""
    course_dir = Path(course_dir)
    source = course_dir / "solutions" / name / f"{name}.ipynb"
    released = course_dir / "assignments" / name / f"{name}.ipynb"
    if not source.exists():
        raise ClassroomError(f"no source notebook {source}: expected "
                             f"solutions/{name}/{name}.ipynb in the course directory")
    if not released.exists():
        raise ClassroomError(f"no released notebook {released}: run "
                             f"`convlab assignments build {name}` first")
    return source, released


def students(name, course_dir="."):
    """The students with a submission of `name` in submitted/."""
    folder = Path(course_dir) / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / name).is_dir())


def due_date(name, course_dir):
    """The assignment's due date in the gradebook (naive UTC), or None."""
    db = Path(course_dir) / "gradebook.db"
    if not db.exists():
        return None
    try:
        from nbgrader.api import Gradebook, MissingEntry
        with Gradebook(f"sqlite:///{db.resolve()}") as gb:
            try:
                return gb.find_assignment(name).duedate
            except MissingEntry:
                return None
    except Exception:
        return None
