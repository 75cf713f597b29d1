"""``convlab grade`` and ``convlab demo-class``: the classroom's jobs as commands.

Each reads ``args.name`` (the assignment), ``args.course_dir`` (default
"."); grade also ``args.jobs``, ``args.timeout``, ``args.memory_mb``;
demo-class ``args.force`` and ``args.hostile``. Missing attributes take the
defaults. They print what happened and return the exit code.
"""
import sys
import time
from pathlib import Path

from convlab.classroom.demo_class import HOSTILE, MISTAKES, demo_class
from convlab.classroom.grade import grade
from convlab.errors import ClassroomError
from convlab.i18n import _


def summary(outcome):
    width = max([len("student")] + [len(s) for s in outcome])
    lines = [f"{_('student'):<{width}}  {_('score'):>11}  {_('status')}"]
    for student in sorted(outcome):
        o = outcome[student]
        status = _("ok") if o["ok"] else _("FAILED")
        if o["comment"]:
            status += f": {o['comment']}"
        lines.append(f"{student:<{width}}  {o['score']:>5g} / {o['max_score']:<3g}  {status}")
    return "\n".join(lines)


def grade_command(args):
    """``convlab grade NAME [--course-dir DIR] [--jobs N] [--timeout SECONDS]
    [--memory-mb MB]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        start = time.perf_counter()
        outcome = grade(args.name, course_dir=course_dir,
                        jobs=getattr(args, "jobs", 1) or 1,
                        timeout=getattr(args, "timeout", None),
                        memory_mb=getattr(args, "memory_mb", 4096) or 4096,
                        isolated=not getattr(args, "no_isolation", False))
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    print(summary(outcome))
    print(_("graded {count} submissions in {seconds:.0f} s; grades.csv, feedback/ and "
            "reports/{name}.html in {folder}").format(
        count=len(outcome), seconds=time.perf_counter() - start, name=args.name,
        folder=course_dir))
    return 0


def demo_class_command(args):
    """``convlab demo-class NAME [--course-dir DIR] [--force] [--hostile]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    try:
        who = demo_class(args.name, course_dir=course_dir,
                         force=bool(getattr(args, "force", False)),
                         hostile=bool(getattr(args, "hostile", False)))
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    for student in who:
        mistake = MISTAKES.get(args.name, {}).get(student)
        hostile = HOSTILE.get(args.name, {}).get(student)
        what = {"correct": _("the solution"), "blank": _("the released notebook, untouched"),
                "late": _("the solution, two days after the due date")}.get(student)
        if what is None and mistake:
            what = _("one mistake in {function}").format(function=mistake[0])
        if what is None and hostile:
            what = hostile[0]
        print(f"{student:<24} {what or ''}")
    print(_("{count} submissions in {folder}; grade them with `convlab grade {name}`").format(
        count=len(who), folder=Path(course_dir) / "submitted", name=args.name))
    return 0
