"""Re-verification: a submission's functions run in a separate, limited process.

nbgrader runs the student's code and the test cells in one kernel, so the
student's code can change what the tests see (monkeypatch NumPy's
comparisons or ``convlab.grading``, import convlab's reference, shadow
modules with files next to the notebook) or take the kernel down. Here:

- ``Sandbox`` runs the student's cells (``student_cells``: every code cell
  but the autograded tests) in a process of their own, in an empty
  temporary folder, under memory and CPU limits, with convlab's reference
  modules replaced by stubs that refuse to be called and its drawing
  modules (convlab.viz, convlab.widgets) by stubs that draw nothing. The
  process is a fork of a zygote (``_zygote_main``: a ``python -I`` process
  with a minimal environment that has imported NumPy and convlab once and
  never runs a student's code), so it starts in milliseconds;
- the checks of ``convlab.grading`` run in the grader's own process, on
  proxies (``Sandbox.function``) that send each call to that process and
  bring the result back;
- results come back in a restricted format (convlab.classroom.protocol:
  JSON and NumPy arrays, never pickles).

convlab.classroom.reverify runs the checks on a Sandbox's functions.

With ``isolated`` (what ``convlab grade`` does unless told
--no-isolation), each submission's zygote runs in a bubblewrap sandbox of
its own (convlab.classroom.isolation), where the course, the gradebook and
the network cannot be reached. Without it, the process runs as the grader's
user and can read what that user can read.

This module imports only the standard library, NumPy and
convlab.classroom.protocol at import time (convlab.classroom itself imports
nothing): the sandboxed process imports it without convlab.grading.
"""
import builtins
import collections
import contextlib
import json
import os
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

from convlab.classroom import isolation
from convlab.classroom.protocol import ProtocolError, SerialisationError, decode, encode

NOT_ALLOWED = "calling convlab's reference implementation is not allowed in a submission"
# Modules whose functions are answers to the assignments (or the checks).
FORBIDDEN_MODULES = (
    "convlab.layers", "convlab.fast_layers", "convlab.models", "convlab.demo",
    "convlab.grading", "convlab.grading.checks", "convlab.grading.references",
    "convlab.grading.runner", "convlab.grading.hints",
)
# Modules that draw: the checks need no drawing, and a figure costs more than
# the checks. Their functions do nothing here and return None.
DRAWING_MODULES = ("convlab.viz", "convlab.widgets")
_GRACE = 3.0   # seconds the grader waits beyond the timeout before killing
_CELL_TIMEOUT = "the cell took longer than"


class StudentError(Exception):
    """What went wrong in the student's code or process, in words."""


# --- The notebook ------------------------------------------------------------------

def student_cells(notebook):
    """The code cells run in the sandbox: all but the autograded test cells
    (nbgrader grade=True, solution=False). ``notebook``: a dict of nbformat 4
    (a NotebookNode or ``read_notebook``'s plain JSON)."""
    def is_test(cell):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        return meta.get("grade") and not meta.get("solution")
    return [cell for cell in notebook["cells"]
            if cell["cell_type"] == "code" and not is_test(cell)]


def read_notebook(path):
    """A notebook file as plain JSON, with each cell's source as one string.
    (Not nbformat: importing its validator costs more than a second, once
    per submission.)"""
    with open(path, encoding="utf-8") as file:
        notebook = json.load(file)
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        raise ValueError(f"{path} is not an nbformat 4 notebook (nbformat "
                         f"{notebook.get('nbformat') if isinstance(notebook, dict) else '?'})")
    for cell in notebook.get("cells", []):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return notebook


def _without_magics(source):
    """IPython's %magics and !shell lines become ``pass`` (same indentation)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[:len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


# --- The sandboxed process -----------------------------------------------------------

class _Timeout(BaseException):
    """Raised in the sandboxed process by SIGALRM (BaseException: a student's
    ``except Exception`` does not swallow it)."""


def _install_stubs():
    """Replace convlab's reference modules with stubs that refuse to run, and
    its drawing modules with stubs that do nothing."""
    import importlib.abc
    import types

    import convlab

    def refuse(name):
        def stub(*args, **kwargs):
            raise RuntimeError(NOT_ALLOWED)
        stub.__name__ = stub.__qualname__ = name
        return stub

    def harmless(name):
        def stub(*args, **kwargs):
            return None
        stub.__name__ = stub.__qualname__ = name
        return stub

    class Stub(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            grading = self.__name__ == "convlab.grading"
            if self.__name__ in DRAWING_MODULES or grading and name.startswith("check_"):
                return harmless(name)
            return refuse(name)

    for name in FORBIDDEN_MODULES + DRAWING_MODULES:
        stub = Stub(name)
        stub.__path__ = []
        sys.modules[name] = stub
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, stub)

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname in FORBIDDEN_MODULES:
                raise ImportError(NOT_ALLOWED)
            return None

    sys.meta_path.insert(0, Blocker())
    return convlab


def _child_main():
    """The sandboxed process: run the cells, then serve calls (see Sandbox)."""
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)            # print() of the student goes to the log, not the protocol
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr

    def read_exact(n):
        data = b""
        while len(data) < n:
            chunk = proto_in.read(n - len(data))
            if not chunk:
                os._exit(0)
            data += chunk
        return data

    def receive():
        (size,) = struct.unpack(">Q", read_exact(8))
        return decode(read_exact(size))

    def send(header, value=None):
        try:
            message = encode(header, value)
        except SerialisationError as error:
            message = encode({"kind": "error", "type": "TypeError", "builtin": "TypeError",
                              "message": str(error)})
        proto_out.write(message)

    def on_alarm(signum, frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    _install_stubs()
    header, _ = receive()
    timeout = max(1, int(round(header["timeout"])))
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    for index, source in enumerate(header["cells"]):
        error = None
        try:
            signal.alarm(timeout)
            try:
                exec(compile(_without_magics(source), f"<cell {index}>", "exec"), namespace)
            finally:
                signal.alarm(0)
        except _Timeout:
            error = f"{_CELL_TIMEOUT} {timeout} s"
        except BaseException as exc:  # noqa: BLE001 (the student's code)
            error = f"{type(exc).__name__}: {exc}"
        send({"kind": "cell", "index": index, "error": error})
    send({"kind": "ready"})

    while True:
        header, value = receive()
        name = header.get("name")
        function = namespace.get(name)
        if not callable(function):
            send({"kind": "error", "type": "NameError", "builtin": "NameError",
                  "message": f"the submission does not define a function {name}"})
            continue
        args, kwargs = value
        try:
            signal.alarm(max(1, int(round(header.get("timeout", timeout)))))
            try:
                result = function(*args, **kwargs)
            finally:
                signal.alarm(0)
        except _Timeout:
            send({"kind": "timeout"})
            continue
        except BaseException as exc:  # noqa: BLE001 (the student's code)
            base = next((k.__name__ for k in type(exc).__mro__
                         if getattr(builtins, k.__name__, None) is k), "Exception")
            try:
                message = str(exc)[:2000]
            except BaseException:  # noqa: BLE001
                message = "(no message)"
            send({"kind": "error", "type": type(exc).__name__[:100], "builtin": base,
                  "message": message})
            continue
        send({"kind": "result"}, result)


def _zygote_main():
    """The zygote: imports PRELOAD once, then for each request on its stdin (a
    Unix socket: the limits and four file descriptors) forks a monitor in a
    session of its own, which forks the sandboxed process, waits for it and
    writes its exit code (negative: the signal) to the status pipe. A fork
    starts in milliseconds where a fresh interpreter with NumPy and convlab
    takes a fifth of a second."""
    import importlib
    import socket
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    control = socket.socket(fileno=0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)    # monitors are reaped for us
    while True:
        message, fds, _, _ = socket.recv_fds(control, 65536, 4)
        if not message:
            os._exit(0)
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            control.close()
            _monitor(fds, request["limits"], request["work"])
        for fd in fds:
            os.close(fd)
        control.sendall(struct.pack(">q", pid))


def _monitor(fds, limits, work):
    stdin, stdout, stderr, status = fds
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(status)
        for which, values in limits:
            resource.setrlimit(which, tuple(values))
        for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(work)
        _child_main()
        os._exit(0)
    for fd in (stdin, stdout, stderr):
        os.close(fd)
    _, code = os.waitpid(pid, 0)
    os.write(status, struct.pack(">i", os.waitstatus_to_exitcode(code)))
    os._exit(0)


_BOOTSTRAP = "from convlab.classroom import sandbox; sandbox._zygote_main()"
# What every notebook of the course imports, imported once by the zygote
# (matplotlib is not: the sandboxes draw nothing, see DRAWING_MODULES).
PRELOAD = ("numpy", "convlab")
# The environment of a zygote that is not isolated (bwrap sets its own).
_ENVIRONMENT = {"PATH": os.defpath, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Zygote:
    """A ``python -I`` process that has imported PRELOAD and forks sandboxed
    processes on request (``_zygote_main``). Started on first use, again
    after it ended.

    ``isolated``: a folder; the zygote then runs in a bubblewrap sandbox
    (convlab.classroom.isolation) where that folder is the only writable
    place and nothing of the course is visible. One such zygote serves one
    submission; killing it kills everything it started.
    """

    def __init__(self, isolated=None):
        self.isolated = isolated
        self.process = self.control = None
        self.lock = threading.Lock()

    def _launch(self):
        import socket
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-I", "-c", _BOOTSTRAP]
        if self.isolated:
            command = isolation.sandbox_argv(
                [self.isolated], chdir="/",
                environment={"MPLBACKEND": _ENVIRONMENT["MPLBACKEND"]}) + command
        self.process = subprocess.Popen(
            command, cwd="/", env=dict(_ENVIRONMENT, HOME=os.environ.get("HOME", "/")),
            stdin=theirs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        theirs.close()
        self.control = ours

    def fork(self, fds, limits, work):
        """Start a sandboxed process on ``fds`` (its stdin, stdout, stderr and
        the status pipe) with ``limits``, in the folder ``work``; returns the
        pid of its monitor, whose session and process group it is in (for an
        isolated zygote, a pid in the sandbox's own PID namespace)."""
        import socket
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.close()
                self._launch()
            socket.send_fds(self.control,
                            [json.dumps({"limits": limits, "work": work}).encode()], fds)
            reply = self.control.recv(8)
        if len(reply) != 8:
            raise StudentError("the sandbox could not be started (its zygote ended)")
        return struct.unpack(">q", reply)[0]

    def close(self):
        """Kill the zygote and, for an isolated one, all it started."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.control.close()
            self.process = self.control = None


# The zygote of the sandboxes that are not isolated, shared by all of them.
_SHARED = Zygote()


_ERROR_CLASSES = {}


def _student_error(type_name, builtin_name, message):
    """A StudentError that is also the student's builtin exception class (a
    ValueError stays a ValueError for the checks that expect one)."""
    base = getattr(builtins, builtin_name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)) or base is Exception:
        base = None
    if base not in _ERROR_CLASSES:
        _ERROR_CLASSES[base] = StudentError if base is None else type(
            base.__name__, (StudentError, base), {"__module__": __name__})
    cls = _ERROR_CLASSES[base]
    return cls(message if type_name == cls.__name__ else f"{type_name}: {message}")


class Sandbox:
    """A submission's student cells, run in a limited process; see the module doc.

    ``timeout``: seconds per cell and per call (``call_timeouts``: {function
    name: seconds} for some functions); ``memory_mb``: the address
    space limit; ``cpu_seconds``: the process's total CPU time (default:
    10 x timeout); ``isolated``: run it in a bubblewrap sandbox of its own
    (convlab.classroom.isolation), where only its scratch folder is
    writable and neither the course nor the network can be reached.
    ``cell_errors``: [(cell number, error)] of the last start.
    """

    def __init__(self, notebook_path, timeout=60, memory_mb=2048, cpu_seconds=None,
                 max_message_mb=512, isolated=False, call_timeouts=None):
        notebook = read_notebook(notebook_path)
        self.cells = [cell["source"] for cell in student_cells(notebook)]
        self.timeout = timeout
        self.call_timeouts = dict(call_timeouts or {})
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds or int(10 * timeout + 10)
        self.max_message = max_message_mb * 2 ** 20
        self.pid = None
        self.dead = "the submission's process was not started"
        self.cell_errors = []
        self.isolated = isolated
        # What ran out of time is not run again: cells (by number), functions.
        self.slow_cells, self.slow_functions = set(), set()
        self.calls = collections.Counter()   # calls sent to the process, by function
        self._folder = None
        self._zygote = _SHARED

    # -- lifecycle --
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def _limits(self):
        memory = self.memory_mb * 2 ** 20
        return [(resource.RLIMIT_AS, (memory, memory)),
                (resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 5)),
                (resource.RLIMIT_CORE, (0, 0)),
                (resource.RLIMIT_FSIZE, (256 * 2 ** 20, 256 * 2 ** 20))]

    def start(self):
        """Start (or restart) the process and run the cells. Never raises for
        the student's sake: a failure is kept in ``self.dead``."""
        self.close()
        self._folder = tempfile.mkdtemp(prefix="convlab-sandbox-")
        work = os.path.join(self._folder, "work")
        os.mkdir(work)
        self._log = open(os.path.join(self._folder, "log"), "w+b")
        to_child, self._to_child = os.pipe()
        self._from_child, from_child = os.pipe()
        self._status, status = os.pipe()
        theirs = [to_child, from_child, self._log.fileno(), status]
        if self.isolated:   # a sandbox of its own, killed whole when done
            self._zygote = Zygote(isolated=self._folder)
        try:
            self.pid = self._zygote.fork(theirs, self._limits(), work)
            self._killed = False
        finally:
            for fd in (to_child, from_child, status):
                os.close(fd)
        os.set_blocking(self._to_child, False)
        self.dead = None
        self.cell_errors = []
        try:
            cells = ["" if k in self.slow_cells else cell for k, cell in enumerate(self.cells)]
            self._send(encode({"op": "cells", "cells": cells,
                               "timeout": self.timeout}), self._deadline())
            while True:
                header, _ = self._receive(self._deadline())
                if header.get("kind") == "ready":
                    break
                if header.get("error"):
                    self.cell_errors.append((header.get("index"), header["error"]))
                    if header["error"].startswith(_CELL_TIMEOUT):
                        self.slow_cells.add(header.get("index"))
        except StudentError as error:
            self._stop(f"{error} (while running the notebook's cells)")

    def restart(self):
        self.start()

    def close(self):
        if self.pid is not None:
            self._kill()
            for fd in (self._to_child, self._from_child, self._status):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self.pid = None
            self._log.close()
        if self.isolated:
            self._zygote.close()
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self.dead = self.dead or "the submission's process was closed"

    # -- calls --
    def function(self, name):
        """A callable for the grader: runs the student's ``name`` in the sandbox."""
        def proxy(*args, **kwargs):
            return self.call(name, args, kwargs)
        proxy.__name__ = proxy.__qualname__ = name
        return proxy

    def call(self, name, args=(), kwargs=None):
        seconds = self.call_timeouts.get(name, self.timeout)
        if name in self.slow_functions:
            raise StudentError(f"{name} took longer than {seconds:g} s on an earlier "
                               "call: it is not called again")
        if self.dead:
            raise StudentError(self.dead)
        message = encode({"op": "call", "name": name, "timeout": seconds},
                         [list(args), dict(kwargs or {})])
        self.calls[name] += 1
        deadline = self._deadline(seconds)
        self._send(message, deadline, name)
        header, value = self._receive(deadline, name)
        kind = header.get("kind")
        if kind == "result":
            return value
        if kind == "timeout":
            self.slow_functions.add(name)
            raise StudentError(f"{name} took longer than {seconds:g} s")
        if kind == "error":
            raise _student_error(str(header.get("type")), str(header.get("builtin")),
                                 str(header.get("message")))
        self._stop(f"the submission's process sent an unexpected message ({kind!r})")
        raise StudentError(self.dead)

    # -- plumbing --
    def _deadline(self, seconds=None):
        return time.monotonic() + (seconds or self.timeout) + _GRACE

    def _kill(self):
        # The monitor's session holds the process (and what it started), unless
        # the monitor is so young that it has no session yet. Once only: the
        # zygote reaps the monitor, and its pid may be reused.
        if self._killed:
            return
        self._killed = True
        if self.isolated:   # its pid is the sandbox's: kill the whole sandbox
            self._zygote.close()
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)

    def _stop(self, reason):
        self.dead = reason
        if self.pid is not None:
            self._kill()

    def _ended(self):
        """Why the process ended, in words, and the end of its log."""
        ready, _, _ = select.select([self._status], [], [], 3)
        status = os.read(self._status, 4) if ready else b""
        code = struct.unpack(">i", status)[0] if len(status) == 4 else None
        if code is None:
            self._kill()
            why = "killed"
        elif code < 0:
            signame = signal.Signals(-code).name
            why = {"SIGKILL": f"killed ({signame}; over the {self.memory_mb} MB memory "
                              "limit?)",
                   "SIGXCPU": f"stopped after {self.cpu_seconds} s of CPU time (SIGXCPU)",
                   "SIGSEGV": "crashed (SIGSEGV)"}.get(signame, f"killed by {signame}")
        else:
            why = f"exited with code {code}"
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - 400))
        tail = self._log.read().decode(errors="replace").strip()
        return f"the submission's process ended: {why}" + (
            f"\nlast output:\n{tail}" if tail else "")

    def _timed_out(self, name):
        seconds = self.call_timeouts.get(name, self.timeout)
        if name:
            self.slow_functions.add(name)
        what = name or "running the notebook's cells"
        self._stop(f"the submission's process was stopped: {what} took longer than "
                   f"{seconds:g} s")
        return StudentError(f"{what} took longer than {seconds:g} s")

    def _send(self, data, deadline, name=None):
        fd = self._to_child
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(name)
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                continue
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                self._stop(self._ended())
                raise StudentError(self.dead) from None
            view = view[written:]

    def _read_exact(self, n, deadline, name):
        fd = self._from_child
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(name)
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(n - got, 2 ** 20))
            if not chunk:
                self._stop(self._ended())
                raise StudentError(self.dead)
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline, name=None):
        (size,) = struct.unpack(">Q", self._read_exact(8, deadline, name))
        if size > self.max_message:
            self._stop(f"the submission's process sent {size} bytes, more than the "
                       f"{self.max_message // 2 ** 20} MB allowed")
            raise StudentError(self.dead)
        try:
            return decode(self._read_exact(size, deadline, name))
        except ProtocolError as error:
            self._stop(f"the submission's process sent a malformed message: {error}")
            raise StudentError(self.dead) from None
