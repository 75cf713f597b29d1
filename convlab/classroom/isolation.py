"""Student code sealed off from the course, in bubblewrap sandboxes.

``convlab grade`` runs a student's code in two places: the Jupyter kernel
that nbgrader's autograde executes the notebook in, and the process that
re-verification calls the student's functions in (convlab.classroom.sandbox).
Both run inside bubblewrap (``bwrap``, Debian's ``bubblewrap``, the sandbox
of Flatpak), in new user, mount, PID, network, IPC and UTS namespaces:

- the filesystem is a fresh one that holds only what Python needs, read
  only (/usr, a few files of /etc, the Python installation, the convlab
  package, matplotlib's font list made once for all sandboxes:
  ``make_font_list``), an empty /tmp, and one writable folder: the
  student's own scratch copy. The course folder, gradebook.db, solutions/, the release
  folders, other students' files and the grader's home are not there;
- the network namespace has only its own loopback: no connection reaches
  the machine's 127.0.0.1 (the kernel talks to nbgrader over Unix sockets
  in its scratch folder: ``KernelManager.transport = "ipc"``);
- every capability is dropped, user namespaces cannot be nested, and the
  process tree dies with the grader.

``sandbox_argv(writable)`` is the ``bwrap`` command line, ``available()``
says whether it works on this machine (``convlab doctor`` shows it), and
``kernel_spec(folder)`` writes the kernel specs that nbgrader uses
(``nbgrader_settings``): ``convlab-isolated``, whose argv is this file run
as a program, ``python isolation.py kernel CONNECTION_FILE``, which wraps
the IPython kernel in ``bwrap`` with the notebook's folder (the kernel's
working directory) and its sockets' folder writable, and, for
``--no-isolation``, ``convlab-unsealed``, the same kernel without the
sandbox. Both load convlab.classroom.inline_figures, which spares a draw
of every figure.

What it does not do: limit memory and CPU time (the resource limits that
convlab grade sets do), or stop a student from reading public files that
Python itself needs. When the grader runs as root, the sandbox's user is
root's mapping in a user namespace without capabilities: it can write
nowhere but its scratch folder and sees nothing but the files above.

This module imports only the standard library: the kernel wrapper runs it
as a script, before any student code.
"""
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

KERNEL_NAME = "convlab-isolated"
UNSEALED_KERNEL_NAME = "convlab-unsealed"   # --no-isolation
# What both grading kernels add to IPython's: figures drawn once less.
KERNEL_OPTIONS = ("--IPKernelApp.extensions=convlab.classroom.inline_figures",)
# The convlab package: the student's code imports it (NumPy layers, data).
CONVLAB_DIR = Path(__file__).resolve().parents[1]
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Only these of /etc: the dynamic linker's cache, fonts, names of users.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/fonts", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
             "/etc/hosts", "/etc/mime.types", "/etc/alternatives", "/etc/ssl/certs")
# No MPLBACKEND: the kernel then chooses IPython's inline backend, so the
# figures of the notebook are in the feedback, as with plain nbgrader.
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
               "MPLCONFIGDIR": "/tmp/matplotlib", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONNOUSERSITE": "1"}


def bwrap():
    """The path of the bwrap program, or None."""
    return shutil.which("bwrap")


def python_dirs():
    """The folders of the Python installation running convlab, and convlab's."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
             str(CONVLAB_DIR), os.path.dirname(os.path.realpath(sys.executable))}
    folders = sorted({os.path.realpath(p) for p in paths if p and os.path.isdir(p)} |
                     {p for p in paths if p and os.path.isdir(p)})
    # A folder inside another that is bound already needs no bind of its own.
    return [f for f in folders if not any(f != g and f.startswith(g + os.sep)
                                          for g in folders)]


def sandbox_argv(writable, chdir=None, environment=None):
    """The ``bwrap`` command line (to be followed by the command) for a
    sandbox whose only writable folders are ``writable``; ``chdir``: the
    working directory inside (default: the first writable folder)."""
    argv = [bwrap() or "bwrap", "--unshare-all", "--unshare-user", "--disable-userns",
            "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL",
            "--die-with-parent", "--clearenv",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in ETC_FILES:
        if os.path.exists(path):
            argv += ["--ro-bind", path, path]
    for path in python_dirs():
        argv += ["--ro-bind", path, path]
    for path in writable:
        path = os.path.abspath(path)
        argv += ["--bind", path, path]
    for font_list in font_lists():
        argv += ["--ro-bind", font_list,
                 f"{ENVIRONMENT['MPLCONFIGDIR']}/{os.path.basename(font_list)}"]
    for key, value in {**ENVIRONMENT, **(environment or {})}.items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", os.path.abspath(chdir or writable[0])]
    return argv


# matplotlib's list of the machine's fonts, made once for the sandboxes
# (``make_font_list``): without it each sandbox that imports matplotlib makes
# its own (a quarter of a second), as its /tmp starts empty.
FONTS = "CONVLAB_SANDBOX_FONTS"


def make_font_list(folder):
    """Make matplotlib's font list in ``folder``, in a sandbox (so that it
    names only fonts a sandbox sees); returns {FONTS: folder}, the
    environment under which ``sandbox_argv`` gives it to every sandbox
    (read only), or {} when it could not be made."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(sandbox_argv([folder], environment={"MPLCONFIGDIR": str(folder)}) +
                       [sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                       capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return {FONTS: str(folder)} if any(folder.glob("fontlist-*.json")) else {}


def font_lists():
    """The font list files of the folder named by the environment's FONTS."""
    folder = os.environ.get(FONTS)
    if not folder or not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.startswith("fontlist-") and name.endswith(".json"))


@functools.lru_cache(maxsize=None)
def available():
    """(usable, reason): whether a sandbox starts here and hides what it must.

    Tried once: bwrap runs Python in a sandbox of an empty scratch folder,
    which must not see a file outside it nor reach the network.
    """
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    if bwrap() is None:
        return False, ("bwrap is not installed (Debian/Ubuntu: "
                       "sudo apt-get install bubblewrap)")
    import tempfile
    probe = ("import os, socket, sys\n"
             "assert not os.path.exists(sys.argv[1])\n"
             "s = socket.socket()\n"
             "s.settimeout(2)\n"
             "try:\n"
             "    s.connect(('127.0.0.1', 9))\n"
             "except OSError:\n"
             "    print('sealed')\n")
    with tempfile.TemporaryDirectory(prefix="convlab-isolation-") as folder:
        scratch, secret = Path(folder, "scratch"), Path(folder, "secret")
        scratch.mkdir()
        secret.write_text("the course")
        try:
            result = subprocess.run(sandbox_argv([scratch]) +
                                    [sys.executable, "-c", probe, str(secret)],
                                    capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return False, f"bwrap could not run: {error}"
    if result.stdout.strip() != "sealed":
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return False, f"bwrap could not start a sandbox here: {reason}"
    return True, f"bubblewrap ({bwrap()})"


def kernel_spec(folder):
    """Write the kernel specs ``convlab-isolated`` and ``convlab-unsealed``
    into ``folder``/kernels/ and return ``folder`` (put it on JUPYTER_PATH)."""
    import json
    specs = {
        KERNEL_NAME: {
            "argv": [sys.executable, "-I", str(Path(__file__).resolve()), "kernel",
                     "{connection_file}"],
            "display_name": "Python 3 (convlab grade, isolated)",
            # Interrupts travel as messages: the kernel runs behind bwrap.
            "interrupt_mode": "message"},
        UNSEALED_KERNEL_NAME: {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     *KERNEL_OPTIONS],
            "display_name": "Python 3 (convlab grade, not isolated)"},
    }
    for name, spec in specs.items():
        (Path(folder) / "kernels" / name).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "kernels" / name / "kernel.json").write_text(
            json.dumps({**spec, "language": "python"}, indent=1))
    return Path(folder)


SOCKETS_PREFIX = "convlab-kernel-"


def nbgrader_settings(sockets):
    """nbgrader's settings that execute notebooks in the isolated kernel,
    which talks to nbgrader over Unix sockets in the folder ``sockets`` (made
    with ``tempfile.mkdtemp(prefix=SOCKETS_PREFIX)``, one per kernel), or,
    when ``sockets`` is None, in the unsealed kernel: {section: {trait:
    value}}. The kernel specs' folder must be on JUPYTER_PATH."""
    if sockets is None:
        return {"Execute": {"kernel_name": UNSEALED_KERNEL_NAME}}
    return {"Execute": {"kernel_name": KERNEL_NAME},
            "KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}}


def nbgrader_arguments(settings):
    """``settings`` as nbgrader command-line options."""
    return [f"--{section}.{trait}={value}" for section, traits in settings.items()
            for trait, value in traits.items()]


def _kernel(connection_file):
    """Replace this process by the IPython kernel in a sandbox whose writable
    folders are the working directory (the notebook's folder: nbgrader's
    autograded copy of this student's submission) and the kernel's sockets
    folder; the connection file (its key) is there read only."""
    import json
    with open(connection_file, encoding="utf-8") as file:
        connection = json.load(file)
    sockets = os.path.dirname(connection.get("ip", ""))
    if connection.get("transport") != "ipc" or not os.path.basename(sockets).startswith(
            SOCKETS_PREFIX):
        sys.exit(f"convlab's isolated kernel needs Unix sockets in a folder of their own "
                 f"({SOCKETS_PREFIX}*), not {connection.get('transport')}:"
                 f"{connection.get('ip')}: see convlab.classroom.isolation")
    work = os.getcwd()
    argv = sandbox_argv([work, sockets], chdir=work)
    argv += ["--ro-bind", connection_file, connection_file,
             sys.executable, "-m", "ipykernel_launcher", "-f", connection_file,
             *KERNEL_OPTIONS]
    os.execv(argv[0], argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["kernel"] and len(sys.argv) == 3:
        _kernel(sys.argv[2])
    sys.exit("usage: python isolation.py kernel CONNECTION_FILE")
