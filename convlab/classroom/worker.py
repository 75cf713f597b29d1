"""One nbgrader process that grades many students, one request at a time.

    python -m convlab.classroom.worker COURSE_DIR MEMORY_MB

Starting nbgrader costs about a second (two without
``processes.skip_iri_parsers``), a good part of autograding one submission, so
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
     "memory_mb": M, "isolated": BOOL, "call_timeouts": {F: T}, "log": FILE}
        -> {"success": true, "results": [{"check", "passed", "message"}]}

``reverify`` is convlab.classroom.reverify's re-verification of one submitted
notebook: its sandboxes are forks of one zygote per worker, started once
(or, isolated, of one zygote per submission, in a bubblewrap sandbox).

A request may carry "coursedir": {trait: value}, CourseDirectory settings
for that request only (``convlab grade`` autogrades a scratch copy of each
submission: "submitted_directory"; it releases into a scratch folder:
"release_directory"), and "config": {section: {trait: value}}, nbgrader
settings for that request only (the isolated kernel of
convlab.classroom.isolation), and "cell_limits": the time limit of each
cell (convlab.classroom.time_limits). nbgrader's
log of the request, DEBUG included (the cell being executed), is written
to FILE as it happens, so it is there even when the process is killed.
MEMORY_MB limits the address space of the process and of the kernels it
starts.
"""
import contextlib
import json
import logging
import os
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from convlab.classroom import isolation
from convlab.classroom.processes import kill_tree, nbgrader_env, skip_iri_parsers
from convlab.classroom.time_limits import limit_of

LOG_FORMAT = "[%(name)s | %(levelname)s] %(message)s"
_UNSET = object()

# --- The worker process -----------------------------------------------------------

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
    from convlab.classroom.reverify import CHECKS, reverify_notebook
    try:
        results = reverify_notebook(request["notebook"], CHECKS[request["assignment"]],
                                    timeout=request["timeout"], memory_mb=request["memory_mb"],
                                    isolated=request.get("isolated", False),
                                    call_timeouts=request.get("call_timeouts"))
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
        settings = request.get("config", {})
        if request.get("cell_limits"):
            settings.setdefault("Execute", {}).update(
                timeout=request["cell_limits"]["default"],
                timeout_func=CellLimits(request["cell_limits"]))
        saved_config = {(section, trait): app.config[section].get(trait, _UNSET)
                        for section, traits in settings.items() for trait in traits}
        try:
            for key, value in request.get("coursedir", {}).items():
                setattr(app.coursedir, key, value)
            # The converters nbgrader makes for this request read app.config.
            for section, traits in settings.items():
                for trait, value in traits.items():
                    app.config[section][trait] = value
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
            for (section, trait), value in saved_config.items():
                if value is _UNSET:
                    app.config[section].pop(trait, None)
                else:
                    app.config[section][trait] = value
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
    skip_iri_parsers()   # nbgrader is imported by serve
    course_dir, memory_mb = (argv or sys.argv[1:])[:2]
    limit = int(memory_mb) * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.chdir(course_dir)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)
    return 0


# --- The grader's side ----------------------------------------------------------

@contextlib.contextmanager
def kernel_settings(isolated, scratch):
    """nbgrader's settings for one autograde, {section: {trait: value}}: with
    ``isolated``, the sandboxed kernel, its sockets in a new folder of
    ``scratch`` (removed afterwards); else the unsealed kernel
    (convlab.classroom.isolation.kernel_spec)."""
    if not isolated:
        yield isolation.nbgrader_settings(None)
        return
    sockets = tempfile.mkdtemp(prefix=isolation.SOCKETS_PREFIX, dir=scratch)
    try:
        yield isolation.nbgrader_settings(sockets)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


class CellLimits:
    """nbclient's ``timeout_func``: the seconds a cell may run, by its
    grade_id (convlab.classroom.time_limits)."""

    def __init__(self, limits):
        self.limits = limits

    def __call__(self, cell):
        return limit_of(self.limits, cell.get("metadata", {}).get("nbgrader", {}).get(
            "grade_id"))


class Worker:
    """A ``python -m convlab.classroom.worker`` process (see there): nbgrader
    started once for many students. One per job; started on first use and
    again after it was killed or died. Not thread-safe: one thread at a time.

    ``isolated``: the students' code runs in bubblewrap sandboxes
    (convlab.classroom.isolation): the notebooks in the isolated kernel, the
    re-verification in isolated sandboxes. ``environment``: variables added
    to the process's environment (``isolation.make_font_list``'s).
    """

    def __init__(self, course_dir, memory_mb=4096, isolated=False, environment=None):
        self.course_dir, self.memory_mb = Path(course_dir), memory_mb
        self.isolated = isolated
        self.environment = dict(environment or {})
        self.process = None
        self._scratch = tempfile.TemporaryDirectory(prefix="convlab-worker-")
        self.jupyter_path = isolation.kernel_spec(Path(self._scratch.name) / "jupyter")
        self._count = 0

    def autograde(self, name, student, submitted, timeout=None, limits=None):
        """Autograde ``student`` from the submitted folder ``submitted``, each
        cell within its time limit of ``limits`` (convlab.classroom.time_limits;
        default: the course's configuration); returns (status, log): status
        "ok", "failed" (nbgrader's error is in the log), "timeout" (killed
        after ``timeout`` seconds) or "died"."""
        with kernel_settings(self.isolated, self._scratch.name) as settings:
            return self._request({"op": "autograde", "assignment": name, "student": student,
                                  "coursedir": {"submitted_directory": str(submitted)},
                                  "config": settings, "cell_limits": limits}, timeout)

    def generate_assignment(self, name, release):
        """nbgrader generate_assignment into the folder ``release``; returns
        (status, log)."""
        return self._request({"op": "generate_assignment", "assignment": name,
                              "coursedir": {"release_directory": str(release)}}, None)

    def feedback(self, name, student, timeout=None):
        """nbgrader generate_feedback for one student; returns (status, log)."""
        return self._request({"op": "feedback", "assignment": name, "student": student},
                             timeout)

    def export(self):
        """nbgrader export (grades.csv); returns (status, log)."""
        return self._request({"op": "export"}, None)

    def reverify(self, name, notebook, timeout, memory_mb, call_timeouts=None):
        """convlab.classroom.reverify's re-verification of one notebook; returns
        its [{"check", "passed", "message"}], or None when it failed (the log
        says why)."""
        # The sandbox bounds each cell and call by ``timeout``; this bounds the
        # whole (the cells, six checks, restarts) against a stuck worker.
        status, _log, reply = self._request_reply(
            {"op": "reverify", "assignment": name, "notebook": str(notebook),
             "timeout": timeout, "memory_mb": memory_mb, "isolated": self.isolated,
             "call_timeouts": call_timeouts or {}},
            timeout * 20)
        return reply["results"] if status == "ok" else None

    def let_end(self):
        """Tell the process to end once it has answered (it reads no more);
        ``close`` waits for it."""
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def close(self):
        """Let the process end (killed if it does not within 10 s)."""
        close_all([self])

    def _stop(self):
        kill_tree(self.process)
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process = None

    def start(self):
        """Start the process now rather than at the first request."""
        folder = Path(self._scratch.name)
        with open(folder / "stderr", "ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "convlab.classroom.worker", str(self.course_dir),
                 str(int(self.memory_mb))], cwd=self.course_dir,
                env={**nbgrader_env(self.jupyter_path), **self.environment},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                text=True, start_new_session=True)

    def _request(self, request, timeout):
        """Send one request; returns (status, log)."""
        return self._request_reply(request, timeout)[:2]

    def _request_reply(self, request, timeout):
        """Send one request; returns (status, log, the reply or None)."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        self._count += 1
        log_path = Path(self._scratch.name) / f"request-{self._count}.log"
        log_path.touch()
        request["log"] = str(log_path)
        reply = ""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            reply = self.process.stdout.readline() if ready else ""
        except OSError:
            pass
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if reply:
            reply = json.loads(reply)
            return ("ok" if reply["success"] else "failed"), log, reply
        timed_out = self.process.poll() is None
        self._stop()
        return ("timeout" if timed_out else "died"), log, None


def close_all(workers):
    """Let the processes of ``workers`` end, all at once (each is killed if
    it has not within 10 s), and remove their scratch folders."""
    running = [w for w in workers if w.process is not None]
    for worker in running:
        worker.let_end()
    deadline = time.monotonic() + 10
    for worker in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=max(0, deadline - time.monotonic()))
        worker._stop()
    for worker in workers:
        worker._scratch.cleanup()


if __name__ == "__main__":
    sys.exit(main())
