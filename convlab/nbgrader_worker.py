"""One nbgrader process that grades many students, one request at a time.

    python -m convlab.nbgrader_worker COURSE_DIR MEMORY_MB

Starting nbgrader costs about two seconds (most of it importing nbformat's
JSON-schema validator), as much as autograding one submission, so
``convlab grade`` keeps one such process per job and sends it the students
one by one instead of starting ``nbgrader autograde --student S`` for each.
The work is nbgrader's own: ``NbGraderAPI.autograde`` and
``generate_feedback``, with the course's configuration, as the formgrader
calls them.

Protocol: one JSON object per line on stdin, one reply per line on the
original stdout (the process's own stdout goes to stderr, so nothing a
kernel or nbgrader prints can break the protocol).

    {"op": "generate_assignment", "assignment": A, "log": FILE}
    {"op": "autograde", "assignment": A, "student": S, "log": FILE}
    {"op": "feedback", "assignment": A, "student": S, "log": FILE}
    {"op": "export", "log": FILE}                  (nbgrader export: grades.csv)
        -> {"success": true | false}
    {"op": "reverify", "assignment": A, "notebook": PATH, "timeout": T,
     "memory_mb": M, "log": FILE}
        -> {"success": true, "results": [{"check", "passed", "message"}]}

``reverify`` is convlab.grading.sandbox's re-verification of one submitted
notebook: its sandboxes are forks of one zygote per worker, started once.

A request may carry "coursedir": {trait: value}, CourseDirectory settings
for that request only (``convlab grade`` autogrades a scratch copy of each
submission: "submitted_directory"; it releases into a scratch folder:
"release_directory"). nbgrader's
log of the request, DEBUG included (the cell being executed), is written
to FILE as it happens, so it is there even when the process is killed.
MEMORY_MB limits the address space of the process and of the kernels it
starts.
"""
import json
import logging
import os
import resource
import sys

LOG_FORMAT = "[%(name)s | %(levelname)s] %(message)s"


def _api():
    """nbgrader's API on the course in the working directory, its config loaded
    as the nbgrader command loads it, logging at DEBUG."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp
    app = NbGraderApp()
    app.initialize(["--log-level=DEBUG"])
    for handler in list(app.log.handlers):   # the log goes to each request's file
        app.log.removeHandler(handler)
    return app, NbGraderAPI(coursedir=app.coursedir, parent=app, log=app.log)


def _export(app):
    """What ``nbgrader export`` does, with the course's export plugin."""
    import traceback
    from nbgrader.api import Gradebook
    from nbgrader.apps.exportapp import ExportApp
    try:
        export = ExportApp(coursedir=app.coursedir, parent=app)
        export.init_plugin()
        with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gradebook:
            export.plugin_inst.export(gradebook)
    except Exception:  # noqa: BLE001 (reported; the grader falls back to the command)
        return {"success": False, "error": traceback.format_exc()}
    return {"success": True}


def _reverify(request):
    import traceback
    from convlab.grading.sandbox import CHECKS, reverify
    try:
        results = reverify(request["notebook"], CHECKS[request["assignment"]],
                           timeout=request["timeout"], memory_mb=request["memory_mb"])
    except Exception:  # noqa: BLE001 (reported; the grader falls back to a process)
        return {"success": False, "error": traceback.format_exc()}
    return {"success": True, "results": [r._asdict() for r in results]}


def serve(requests, replies):
    app, api = _api()
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        handler = logging.FileHandler(request["log"], encoding="utf-8")
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        app.log.addHandler(handler)
        saved = {key: getattr(app.coursedir, key) for key in request.get("coursedir", {})}
        try:
            for key, value in request.get("coursedir", {}).items():
                setattr(app.coursedir, key, value)
            if request["op"] == "generate_assignment":
                result = api.generate_assignment(request["assignment"], force=True)
            elif request["op"] == "autograde":
                result = api.autograde(request["assignment"], request["student"], force=True)
            elif request["op"] == "feedback":
                result = api.generate_feedback(request["assignment"], request["student"],
                                               force=True)
            elif request["op"] == "export":
                result = _export(app)
            elif request["op"] == "reverify":
                result = _reverify(request)
            else:
                result = {"success": False, "error": f"unknown op {request['op']!r}"}
        finally:
            for key, value in saved.items():
                setattr(app.coursedir, key, value)
            app.log.removeHandler(handler)
            handler.close()
        if not result["success"]:
            with open(request["log"], "a", encoding="utf-8") as file:
                file.write(result.get("error") or "")
        reply = {"success": bool(result["success"])}
        if "results" in result:
            reply["results"] = result["results"]
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv=None):
    course_dir, memory_mb = (argv or sys.argv[1:])[:2]
    limit = int(memory_mb) * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.chdir(course_dir)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
