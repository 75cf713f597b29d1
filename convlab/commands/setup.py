"""``convlab setup student|instructor``: the Jupyter of this environment, for one role.

nbgrader installs its tools for everyone: the Formgrader, the "Create
Assignment" panel, the course list and the Validate button are the
instructor's; the Assignments tab is the student's. ``convlab setup``
switches them on or off in this Python environment (``--sys-prefix``, so a
virtual environment or a conda environment of its own; JupyterHub gives
each account its role with the same settings in hub/roles/):

    student      the Assignments tab only
    instructor   everything nbgrader has

It also puts the environment's own bin/ on PATH for every Python it starts
(a one-line .pth file): nbgrader runs ``alembic`` as a program, so without
it the Formgrader and ``.venv/bin/nbgrader`` fail unless the environment is
activated. The Makefile's ``make lab`` (student) and ``make instructor``
call it.
"""
import subprocess
import sys
import sysconfig
from pathlib import Path

from convlab.i18n import _

# nbgrader's parts: (server extension or None, JupyterLab plugin) per tool.
STUDENT_TOOLS = {
    "assignment list": ("nbgrader.server_extensions.assignment_list",
                        "@jupyter/nbgrader:assignment-list"),
}
INSTRUCTOR_TOOLS = {
    "formgrader": ("nbgrader.server_extensions.formgrader", "@jupyter/nbgrader:formgrader"),
    "course list": ("nbgrader.server_extensions.course_list",
                    "@jupyter/nbgrader:course-list"),
    "validate": ("nbgrader.server_extensions.validate_assignment",
                 "@jupyter/nbgrader:validate-assignment"),
    "create assignment": (None, "@jupyter/nbgrader:create-assignment"),
}
ROLES = ("student", "instructor")
PATH_FILE = "convlab-bin-on-path.pth"
# A .pth line that starts with "import" is run when Python starts.
PATH_LINE = ("import os, sys; os.environ['PATH'] = os.pathsep.join("
             "[os.path.dirname(sys.executable), os.environ.get('PATH', '')])\n")


def tools(role):
    """{tool: enabled} for ``role``."""
    if role not in ROLES:
        raise ValueError(_("role must be student or instructor, got {role!r}").format(
            role=role))
    return {**{name: True for name in STUDENT_TOOLS},
            **{name: role == "instructor" for name in INSTRUCTOR_TOOLS}}


def _jupyter(*args):
    command = [sys.executable, "-m", "jupyter", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(_("{command} failed: {error}").format(
            command=" ".join(command[2:]), error=(result.stderr or result.stdout).strip()))


def apply(role):
    """Switch nbgrader's tools on or off in this environment for ``role``."""
    parts = {**STUDENT_TOOLS, **INSTRUCTOR_TOOLS}
    for name, enabled in tools(role).items():
        server, plugin = parts[name]
        verb = "enable" if enabled else "disable"
        if server:
            _jupyter("server", "extension", verb, "--sys-prefix", server)
        _jupyter("labextension", verb, "--level=sys_prefix", plugin)
    path = Path(sysconfig.get_paths()["purelib"]) / PATH_FILE
    path.write_text(PATH_LINE, encoding="utf-8")
    return path


def command(args):
    """``convlab setup ROLE``."""
    try:
        apply(args.role)
    except (RuntimeError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    on = [name for name, enabled in tools(args.role).items() if enabled]
    print(_("JupyterLab set up for the {role}: {tools}.").format(
        role=args.role, tools=", ".join(on)))
    return 0
