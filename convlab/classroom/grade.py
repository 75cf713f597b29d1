"""Grading a whole class: ``convlab grade NAME``.

    grade(name, course_dir=".", jobs=1)             autograde, re-verify, feedback,
                                                     grades.csv, the report

``grade`` runs nbgrader as programs, like ``convlab assignments build``:

1. nbgrader's ``generate_assignment <name> --force`` registers the assignment,
   its notebooks and its test cells in gradebook.db; the released notebooks
   are written into a scratch folder, so the committed assignments/ is left
   alone;
2. for each student, ``jobs`` at a time (threads that wait on processes):
   ``autograde``: nbgrader's autograde of a scratch copy of the submission,
   with a wall-clock timeout and a memory limit, in one of ``jobs``
   long-lived nbgrader processes (``convlab.classroom.worker.Worker``;
   starting nbgrader costs as much as grading a submission). A submission that fails there is graded again
   by one ``nbgrader autograde <name> --student <id> --force`` process of its
   own: a cell that kills the kernel or runs past the timeout is skipped in
   the copy and the copy graded again, so the rest keeps its points. The
   processes share the SQLite gradebook; nbgrader's writes are short
   transactions, and a run that still reports "database is locked" is
   retried, so the scores are those of a sequential run.
   ``reverify``: the submission's functions run again in a sandbox
   (convlab.classroom.sandbox: a fresh, limited process that cannot see the
   tests) and convlab's checks compare them in the grader's process
   (convlab.classroom.reverify);
3. ``lower_inflated``: a test cell that passed in the notebook but whose
   check fails in the sandbox gets 0 points (nbgrader's manual score), with
   a note; the notes go to autograded/<student>/<name>/.convlab_grading.json
   for the feedback (convlab.classroom.feedback hides the hidden tests);
4. nbgrader's generate_feedback (in the workers) and ``nbgrader export``
   (grades.csv);
5. the class report, reports/<name>.html (convlab.classroom.report).

Nothing in submitted/ is written by ``grade``.
"""
import queue
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from convlab.classroom import isolation, time_limits
from convlab.classroom.autograde import autograde
from convlab.classroom.course_dir import notebook_paths, students
from convlab.classroom.feedback import read_notes, write_notes
from convlab.classroom.processes import nbgrader
from convlab.classroom.report import gradebook_table, write_report
from convlab.classroom.reverify import lower_inflated, reverify
from convlab.classroom.worker import Worker, close_all
from convlab.errors import ClassroomError
from convlab.i18n import _


def _grade_one(name, student, course_dir, limits, memory_mb, workers):
    """Autograde, then re-verify: the work for one student (runs in a thread,
    with a Worker taken from the queue ``workers`` for the time). ``limits``:
    the cells' time limits (convlab.classroom.time_limits), with "notebook",
    the seconds for the whole notebook."""
    # Read before autograde replaces the folder: which points we took last time.
    previously = read_notes(Path(course_dir) / "autograded" / student / name)["lowered"]
    worker = workers.get()
    try:
        ok, seconds, comments, graded = autograde(
            name, student, course_dir, limits["notebook"], memory_mb, worker=worker,
            limits=limits, isolated=worker.isolated)
        verdicts = (reverify(name, student, course_dir, limits, memory_mb=memory_mb,
                             worker=worker, isolated=worker.isolated, notebook=graded)
                    if ok and graded else [])
    finally:
        workers.put(worker)
    return {"ok": ok, "seconds": seconds, "comments": comments, "verdicts": verdicts,
            "previously": previously}


def _grade_all(name, who, course_dir, team, limits, memory_mb, release, progress):
    """Register the assignment (released into the folder ``release``), then
    autograde and re-verify the students ``who``, as many at a time as the
    ``team`` has Workers; lower, note, feedback, grades.csv. Returns
    {student: _grade_one's result, with "lowered"}."""
    workers = queue.Queue()   # the ones free now, for the threads
    for worker in team:
        workers.put(worker)
    if team[0].generate_assignment(name, release)[0] != "ok":
        # Again by the command, whose error says what is wrong.
        nbgrader(["generate_assignment", name, "--force",
                  f"--CourseDirectory.release_directory={release}"],
                 course_dir, "generate_assignment")

    outcome = {}
    with ThreadPoolExecutor(max_workers=len(team)) as pool:
        futures = {pool.submit(_grade_one, name, s, course_dir, limits, memory_mb, workers): s
                   for s in who}
        for future in as_completed(futures):   # reported as they finish
            student = futures[future]
            outcome[student] = future.result()
            if progress:
                progress(student, outcome[student])
    outcome = {student: outcome[student] for student in who}

    def finish(student):
        """Lower, note, then the feedback (in a thread, with a Worker)."""
        o = outcome[student]
        cells, o["lowered"] = (lower_inflated(name, student, course_dir, o["verdicts"],
                                              o["previously"]) if o["ok"] else ({}, []))
        folder = course_dir / "autograded" / student / name
        if folder.is_dir():
            write_notes(folder, o["comments"], cells, o["lowered"])
        if not o["ok"]:
            return
        worker = workers.get()
        try:
            status, _log = worker.feedback(name, student, timeout=limits["notebook"])
        finally:
            workers.put(worker)
        if status != "ok":   # again in a process of its own, which says why
            nbgrader(["generate_feedback", name, "--student", student, "--force"],
                     course_dir, "generate_feedback")

    # After all the autogrades: done beside other students' notebooks (each
    # student's right after their own), this work slowed them down (a class
    # of 30 took 61 s instead of 56-58 s).
    with ThreadPoolExecutor(max_workers=len(team)) as pool:
        list(pool.map(finish, who))
    if team[0].export()[0] != "ok":   # again by the command, which says why
        nbgrader(["export"], course_dir, "export")
    return outcome


def _summarize(name, course_dir, who, outcome):
    """Add the gradebook's points to each student's ``outcome``, and a
    comment; write the report."""
    table = gradebook_table(name, course_dir)
    nothing = {"autograded": 0.0, "manual": 0.0, "total": 0.0, "score": 0.0, "grades": {},
               "to_grade": [], "late": False}
    for student in who:
        o = outcome[student]
        o.update(table["students"].get(student, nothing))
        for key in ("max_autograded", "max_manual", "max_total", "max_score"):
            o[key] = table[key]
        if not o["ok"]:
            # No autograded points; the grades given by hand stay.
            o["autograded"] = o["score"] = 0.0
            o["total"] = o["manual"]
        o["comment"] = " ".join(o["comments"] + [
            _("re-verification set {test} to 0").format(test=g) for g in o["lowered"]])
    write_report(name, course_dir, table, outcome)


def grade(name, course_dir=".", jobs=1, timeout=None, memory_mb=4096, progress=None,
          isolated=True):
    """Autograde and re-verify every submission of `name`, then feedback,
    grades.csv and the report.

    ``timeout``: seconds allowed for one cell of a notebook, and for one call
    of a student's function in the re-verification; by default each cell's
    limit is calibrated from the solution (convlab.classroom.time_limits).
    ``isolated``: students' code runs in bubblewrap sandboxes
    (convlab.classroom.isolation); when they cannot run here, ClassroomError
    says why, unless isolated is False.

    ``progress``, when given, is called as ``progress(student, result)`` each
    time a student's autograde and re-verification are done, in the order
    they finish; result has "ok", "seconds" and "comments" (see below).

    Returns {student: {"autograded", "manual", "total", "max_autograded",
    "max_manual", "max_total", "to_grade", "ok", "comment", "comments",
    "seconds", "late", "grades", "lowered"}}: the points of the autograded
    test cells, of the cells graded by hand (written answers: 0 until graded
    in the Formgrader; "to_grade" lists those not graded yet) and their sum,
    with the maximum of each; "score" and "max_score" are the autograded
    ones. A student whose autograde failed has ok False, a comment and no
    autograded points; "lowered" lists the tests whose points the
    re-verification took back.
    """
    course_dir = Path(course_dir).resolve()
    source, _released = notebook_paths(name, course_dir)
    who = students(name, course_dir)
    if not who:
        raise ClassroomError(
            f"no submissions of {name}: expected "
            f"{course_dir / 'submitted'}/<student>/{name}/{name}.ipynb "
            f"(`convlab demo-class {name}` makes a sample class)")

    if timeout is not None and timeout < 1:
        raise ClassroomError(_("--timeout must be at least 1 second, got {timeout}.").format(
            timeout=timeout))
    if isolated:
        usable, reason = isolation.available()
        if not usable:
            raise ClassroomError(_(
                "convlab grade runs the students' code sealed off from the course, but "
                "that does not work here: {reason}. Install bubblewrap (Debian, Ubuntu: "
                "sudo apt-get install bubblewrap) on Linux, or, if you accept that the "
                "students' code runs with your rights and can read and change the course "
                "(solutions, gradebook, other students' work), add --no-isolation.").format(
                reason=reason))
    limits = dict(time_limits.uniform(timeout) if timeout else
                  time_limits.load(name, course_dir))
    # The whole notebook: every cell's limit, and a minute to start and save.
    limits["notebook"] = 60 + sum(
        time_limits.limit_of(limits, cell.get("metadata", {}).get("nbgrader", {}).get(
            "grade_id"))
        for cell in nbformat.read(source, as_version=4).cells if cell.cell_type == "code")

    jobs = max(1, int(jobs))
    with tempfile.TemporaryDirectory(prefix="convlab-grade-") as scratch:
        # matplotlib's font list, made once for all the sandboxes while the
        # workers load nbgrader (all at once); no sandbox starts before it.
        fonts = Path(scratch) / "fonts"
        team = [Worker(course_dir, memory_mb, isolated=isolated,
                       environment={isolation.FONTS: str(fonts)} if isolated else {})
                for _job in range(jobs)]
        try:
            for worker in team:
                worker.start()
            if isolated:
                isolation.make_font_list(fonts)
            outcome = _grade_all(name, who, course_dir, team, limits, memory_mb,
                                 Path(scratch) / "release", progress)
            for worker in team:
                worker.let_end()   # the processes end while the report is made
            _summarize(name, course_dir, who, outcome)
        finally:
            close_all(team)
    return outcome
