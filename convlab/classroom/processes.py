"""nbgrader as a program: ``python -m nbgrader ARGS`` under a memory limit.

    run(args, cwd, timeout=None, memory_mb=None) -> (returncode or None, log)
    nbgrader(args, cwd, what) -> log, or ClassroomError with nbgrader's words
    kill_tree(process)         the process, its group and its descendants
    nbgrader_env()             os.environ with this Python's bin/ on PATH
    skip_iri_parsers()         before nbformat is imported: 1.2 s less to start
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

from convlab.errors import ClassroomError


def nbgrader_env(jupyter_path=None):
    """os.environ for nbgrader: this Python's bin/ first on PATH (nbgrader runs
    `alembic` as a program), and ``jupyter_path`` (a folder with kernel
    specs, e.g. convlab.classroom.isolation's) first on JUPYTER_PATH."""
    env = dict(os.environ, PATH=os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if jupyter_path:
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(jupyter_path), os.environ.get("JUPYTER_PATH")) if p)
    return env


def skip_iri_parsers():
    """Make ``import rfc3987_syntax`` fail in this process; call it before
    anything imports nbformat.

    nbformat validates notebooks with jsonschema, which imports
    rfc3987_syntax, when it is installed (jupyter-events asks for it), to
    check the "iri" format: no notebook schema uses it, but the import builds
    about 35 Lark parsers, 1.2 s at every start of a process that reads
    notebooks (python-jsonschema/jsonschema#1428). None in sys.modules makes
    the import fail as if the package were not installed.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def kill_tree(process):
    """Kill a process started in its own session, its group and its descendants
    (Jupyter kernels run in sessions of their own)."""
    try:
        import psutil
        descendants = psutil.Process(process.pid).children(recursive=True)
    except Exception:
        descendants = []
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in descendants:
        try:
            child.kill()
        except Exception:
            pass


# Sets the memory limit, then becomes `python -m nbgrader ARGS` (the kernels
# nbgrader starts inherit the limit). A tiny program rather than preexec_fn,
# which is unsafe in a process with threads.
_LIMITED = ("import os, resource, sys\n"
            "limit = int(sys.argv[1]) * 2 ** 20\n"
            "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
            "os.execv(sys.executable, [sys.executable, '-m', 'nbgrader'] + sys.argv[2:])\n")


def run(args, cwd, timeout=None, memory_mb=None, jupyter_path=None):
    """Run `python -m nbgrader ARGS` in cwd, with at most memory_mb of memory
    (and ``jupyter_path`` for nbgrader_env); returns (returncode, or None when
    killed at the timeout, log)."""
    command = ([sys.executable, "-c", _LIMITED, str(int(memory_mb))] if memory_mb
               else [sys.executable, "-m", "nbgrader"])
    process = subprocess.Popen(command + list(args), cwd=cwd,
                               env=nbgrader_env(jupyter_path), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process)
        out, _ = process.communicate()
        return None, out
    return process.returncode, out


def nbgrader(args, cwd, what):
    code, log = run(args, cwd)
    if code != 0:
        raise ClassroomError(f"nbgrader {what} failed:\n{log[-3000:]}")
    return log
