"""``convlab assignments build``: generate the student versions of the assignments.

The instructor edits nbgrader's source notebooks,
solutions/<assignment>/<assignment>.ipynb; this generates the released
versions into assignments/<assignment>/ with ``nbgrader generate_assignment``
and checks them:

1. the source is a valid notebook with nbgrader metadata;
2. generation runs in a temporary copy of the course, so the class's
   gradebook.db and every other file are left alone; only
   assignments/<assignment>/ is replaced (it is generated, never edited);
3. the student version must not pass its own tests: run it, and every
   autograded test cell has to fail.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from convlab.i18n import _


class BuildError(Exception):
    """An assignment that cannot be built, with the reason."""


def sources(course_dir):
    """The assignments of a course: {name: source notebook path}."""
    folder = Path(course_dir) / "solutions"
    return {p.parent.name: p for p in sorted(folder.glob("*/*.ipynb"))
            if p.stem == p.parent.name}


def graded_cells(notebook):
    """The autograded test cells (grade, not solution) of a notebook."""
    return [cell for cell in notebook.cells
            if cell.cell_type == "code"
            and cell.metadata.get("nbgrader", {}).get("grade")
            and not cell.metadata["nbgrader"].get("solution")]


def validate_source(path):
    """Check that a source notebook is valid and has autograded tests."""
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:
        raise BuildError(_("{path} is not a valid notebook: {error}").format(
            path=path, error=error)) from None
    if not graded_cells(notebook):
        raise BuildError(_("{path} has no autograded test cells (nbgrader metadata "
                           "grade: true).").format(path=path))
    return notebook


def generate(name, course_dir, release_dir):
    """Run nbgrader generate_assignment for one assignment in a scratch course.

    Writes the released notebooks into release_dir/<name>/ and returns that folder.
    """
    course_dir = Path(course_dir)
    with tempfile.TemporaryDirectory(prefix="convlab-build-") as scratch:
        scratch = Path(scratch)
        shutil.copy(course_dir / "nbgrader_config.py", scratch)
        shutil.copytree(course_dir / "solutions" / name, scratch / "solutions" / name)
        # nbgrader runs `alembic` as a program: it must be found next to Python.
        env = dict(os.environ, PATH=os.pathsep.join(
            [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force"],
            cwd=scratch, env=env, capture_output=True, text=True)
        released = scratch / "assignments" / name
        if result.returncode != 0 or not released.exists():
            raise BuildError(_("nbgrader generate_assignment {name} failed:\n{log}").format(
                name=name, log=result.stdout[-3000:] + result.stderr[-3000:]))
        target = Path(release_dir) / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(released, target)
    return target


def failing_tests(path, timeout=300):
    """Run a released notebook; returns (tests that failed, all tests)."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    tests = graded_cells(notebook)
    failed = [c for c in tests if any(o.output_type == "error" for o in c.outputs)]
    return failed, tests


def build(names=None, course_dir=".", check=True, progress=print):
    """Validate, generate and check the named assignments (all by default)."""
    available = sources(course_dir)
    names = list(names or available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise BuildError(_("no source notebook for {names}: expected "
                           "solutions/<name>/<name>.ipynb; found {found}.").format(
            names=", ".join(unknown), found=", ".join(available) or "-"))
    for name in names:
        validate_source(available[name])
        target = generate(name, course_dir, Path(course_dir) / "assignments")
        progress(_("{name}: generated {path}").format(name=name, path=target))
        if check:
            for notebook in sorted(target.glob("*.ipynb")):
                failed, tests = failing_tests(notebook)
                if len(failed) != len(tests):
                    raise BuildError(_("{path}: {passed} of {total} tests pass in the "
                                       "student version: they must need the student's "
                                       "code.").format(path=notebook,
                                                       passed=len(tests) - len(failed),
                                                       total=len(tests)))
                progress(_("{name}: all {total} tests fail before the student's work, "
                           "as they should").format(name=name, total=len(tests)))
    return names


def command(args):
    """``convlab assignments build [NAME...] [--course-dir DIR]``."""
    try:
        build(args.names, course_dir=args.course_dir, check=not args.no_check)
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
