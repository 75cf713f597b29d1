"""``convlab grade`` and ``convlab demo-class``: the classroom's jobs as commands.

Each reads ``args.name`` (the assignment), ``args.course_dir`` (default
"."); grade also ``args.jobs``, ``args.timeout``, ``args.memory_mb``;
demo-class ``args.force`` and ``args.hostile``. Missing attributes take the
defaults. They print what happened and return the exit code.

While it grades, ``convlab grade`` shows its progress on stderr (``Progress``:
a tqdm bar on a terminal, plain lines otherwise) and keeps a log, one line
per student, in reports/<name>.log; then it prints the points of every
student (``summary``).
"""
import datetime
import sys
import time
from pathlib import Path

from convlab.classroom.course_dir import students
from convlab.classroom.demo_class import HOSTILE, MISTAKES, demo_class
from convlab.classroom.grade import grade
from convlab.classroom.report import out_of
from convlab.errors import ClassroomError
from convlab.i18n import _


def summary(outcome):
    """The table ``convlab grade`` prints: one line per student of ``outcome``
    (``grade``'s), with the autograded points, the points graded by hand and
    the total, each out of its maximum, and whether grading went well."""
    header = [_("student"), _("autograded"), _("graded by hand"), _("total"), _("status")]
    rows = []
    for student in sorted(outcome):
        o = outcome[student]
        status = _("ok") if o["ok"] else _("FAILED")
        if o["comment"]:
            status += f": {o['comment']}"
        if o.get("to_grade"):
            status += "; " + _("to grade by hand: {cells}").format(
                cells=", ".join(o["to_grade"]))
        rows.append([student, out_of(o["autograded"], o["max_autograded"]),
                     out_of(o["manual"], o["max_manual"]),
                     out_of(o["total"], o["max_total"]), status])
    widths = [max(len(row[k]) for row in [header] + rows) for k in range(4)]
    lines = []
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])] + [row[k].rjust(widths[k]) for k in (1, 2, 3)]
        lines.append("  ".join(cells + [row[4]]))
    return "\n".join(lines)


def student_line(student, result):
    """One line about one student, as ``grade`` reports them while it grades:
    autograded (or FAILED) in how many seconds, with the grader's comments."""
    if result["ok"]:
        line = _("{student}: graded in {seconds:.1f} s")
    else:
        line = _("{student}: FAILED in {seconds:.1f} s")
    line = line.format(student=student, seconds=result["seconds"])
    return line + "".join(f" ({comment})" for comment in result["comments"])


class Progress:
    """What ``convlab grade`` shows while it grades, and its log.

    ``grade`` calls it with (student, result) when a student is done. It
    appends ``student_line`` with the time of day to the log file
    ``log_path``, and shows it on ``stream`` (default stderr): above a tqdm
    progress bar (students done / ``total``, elapsed time, time left) when
    ``tty`` is true, as a plain line "[done/total] ..." otherwise. ``tty``
    None: whether ``stream`` is a terminal. ``close(text)`` ends the bar and
    adds ``text`` (the summary) to the log.
    """

    def __init__(self, total, log_path, stream=None, tty=None):
        self.total, self.done = total, 0
        self.log_path = Path(log_path)
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None
        if tty:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit=_("student"), file=self.stream,
                            dynamic_ncols=True)
        self._log(_("convlab grade started: {count} submissions").format(count=total))

    def _log(self, text):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{datetime.datetime.now():%Y-%m-%d %H:%M:%S} {text}\n")

    def __call__(self, student, result):
        self.done += 1
        line = student_line(student, result)
        self._log(line)
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {line}", file=self.stream, flush=True)

    def close(self, text=None):
        if self.bar is not None:
            self.bar.close()
        if text:
            self._log("\n" + text)


def grade_command(args):
    """``convlab grade NAME [--course-dir DIR] [--jobs N] [--timeout SECONDS]
    [--memory-mb MB]``."""
    course_dir = getattr(args, "course_dir", ".") or "."
    log_path = Path(course_dir) / "reports" / f"{args.name}.log"
    progress = None
    try:
        start = time.perf_counter()
        who = students(args.name, course_dir)
        if who:
            progress = Progress(len(who), log_path)
        outcome = grade(args.name, course_dir=course_dir,
                        jobs=getattr(args, "jobs", 1) or 1,
                        timeout=getattr(args, "timeout", None),
                        memory_mb=getattr(args, "memory_mb", 4096) or 4096,
                        isolated=not getattr(args, "no_isolation", False),
                        progress=progress)
    except ClassroomError as error:
        if progress is not None:
            progress.close(str(error))
        print(error, file=sys.stderr)
        return 1
    table = summary(outcome)
    last = _("graded {count} submissions in {seconds:.0f} s; grades.csv, feedback/, "
             "reports/{name}.html and the log reports/{name}.log in {folder}").format(
        count=len(outcome), seconds=time.perf_counter() - start, name=args.name,
        folder=course_dir)
    if progress is not None:
        progress.close(table + "\n" + last)
    print(table)
    print(last)
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
