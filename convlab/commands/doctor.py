"""``convlab doctor``: is this machine ready for the course?

Checks Python and the packages the course needs, the JupyterLab extensions
(widgets, nbgrader), the GPU, whether grading can isolate students' code
(bubblewrap) and the datasets, prints one line per check,
and exits non-zero when something required is missing.
"""
import logging
import platform
import sys
from importlib import metadata

from convlab.i18n import _

REQUIRED_PACKAGES = ["numpy", "matplotlib", "ipywidgets", "jupyterlab", "nbgrader",
                     "tqdm", "scikit-learn"]
OPTIONAL_PACKAGES = {"torch": "make torch", "cupy-cuda12x": "pip install convlab[gpu]"}
# The front-end extensions the course's widgets and assignments need.
LAB_EXTENSIONS = {"@jupyter-widgets/jupyterlab-manager": "ipywidgets",
                  "@jupyter/nbgrader": "nbgrader"}
SERVER_EXTENSIONS = ["nbgrader.server_extensions.assignment_list"]
# The instructor's (convlab setup instructor): a student's setup has them off.
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader"]

OK, MISSING, OPTIONAL = "ok", "missing", "optional"


def check_python():
    version = platform.python_version()
    ok = sys.version_info >= (3, 10)
    return ("Python", OK if ok else MISSING,
            version if ok else _("{version}: convlab needs 3.10 or newer").format(version=version))


def check_package(name, required=True, hint=""):
    try:
        return (name, OK, metadata.version(name))
    except metadata.PackageNotFoundError:
        if required:
            return (name, MISSING, _("not installed: run `make install` (or pip install "
                                     "-e .)"))
        return (name, OPTIONAL, _("not installed (optional: {hint})").format(hint=hint))


def check_lab_extensions():
    """One row per JupyterLab front-end extension the course needs."""
    try:
        from jupyter_core.paths import jupyter_path
        from jupyterlab_server.config import get_federated_extensions, get_page_config
        paths = jupyter_path("labextensions")
        installed = get_federated_extensions(paths)
        disabled = get_page_config(paths, logger=logging.getLogger("convlab.commands.doctor")).get(
            "disabledExtensions", {})
    except Exception as error:  # a broken Jupyter install: report, don't crash
        return [(name, MISSING, str(error)) for name in LAB_EXTENSIONS]
    if isinstance(disabled, list):
        disabled = {name: True for name in disabled}
    rows = []
    for name, package in LAB_EXTENSIONS.items():
        if name not in installed:
            rows.append((name, MISSING, _("not installed: it comes with the {package} "
                                          "package").format(package=package)))
        elif disabled.get(name):
            rows.append((name, MISSING, _("disabled: jupyter labextension enable "
                                          "{name}").format(name=name)))
        else:
            rows.append((name, OK, _("enabled, {version}").format(
                version=installed[name]["version"])))
    return rows


def check_server_extensions():
    """The server extensions: the Assignments tab's is needed; the
    Formgrader is the instructor's (``convlab setup instructor``)."""
    try:
        from jupyter_core.paths import jupyter_config_path
        from jupyter_server.extension.serverextension import ExtensionConfigManager
        enabled = ExtensionConfigManager(
            read_config_path=jupyter_config_path()).get_jpserver_extensions()
    except Exception as error:
        return [(name, MISSING, str(error)) for name in SERVER_EXTENSIONS]
    rows = [(name, OK, _("enabled")) if enabled.get(name) else
            (name, MISSING, _("not enabled: jupyter server extension enable {name}").format(
                name=name))
            for name in SERVER_EXTENSIONS]
    rows += [(name, OK, _("enabled")) if enabled.get(name) else
             (name, OPTIONAL, _("off (a student's setup): `convlab setup instructor` "
                                "switches it on"))
             for name in INSTRUCTOR_SERVER_EXTENSIONS]
    return rows


def check_gpu():
    """Whether CuPy can run on a GPU here, and which CuPy. Never raises."""
    from convlab.gpu.backend import gpu_status

    usable, detail = gpu_status()
    cupy = cupy_version()
    if usable:
        return ("GPU", OK, _("{device}, CuPy {version}: device=\"gpu\" trains "
                             "there").format(device=detail, version=cupy))
    if cupy:
        detail = _("CuPy {version} is installed but cannot use a GPU ({reason})").format(
            version=cupy, reason=detail)
    return ("GPU", OPTIONAL, _("{reason}: layers run on the CPU with NumPy").format(
        reason=detail))


def cupy_version():
    """The version of the installed CuPy package (any of its names), or None."""
    for name in ("cupy-cuda12x", "cupy-cuda13x", "cupy-cuda11x", "cupy"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def check_isolation():
    """Whether ``convlab grade`` can seal students' code off (bubblewrap).
    Optional: only an instructor grading a class needs it."""
    from convlab.classroom import isolation

    usable, detail = isolation.available()
    if usable:
        return (_("isolation"), OK, _("{how}: convlab grade runs students' code sealed "
                                      "off from the course").format(how=detail))
    return (_("isolation"), OPTIONAL, _("{reason}: convlab grade refuses to grade "
                                        "without it unless told --no-isolation (only "
                                        "instructors need it)").format(reason=detail))


def check_datasets():
    from convlab import data
    rows = []
    for name, found in data.available_datasets().items():
        if found is True:
            rows.append((name, OK, _("available")))
        elif found:
            rows.append((name, OK, str(found)))
        else:
            rows.append((name, OPTIONAL, _("not found (optional; see the course's "
                                           "CIFAR-10 notes)")))
    return rows


def collect():
    """All checks, as (name, status, detail) rows grouped by section."""
    return {
        _("Python and packages"): [check_python()]
        + [check_package(p) for p in REQUIRED_PACKAGES]
        + [check_package(p, required=False, hint=h) for p, h in OPTIONAL_PACKAGES.items()],
        _("JupyterLab"): check_lab_extensions() + check_server_extensions(),
        _("GPU"): [check_gpu()],
        _("Grading"): [check_isolation()],
        _("Datasets"): check_datasets(),
    }


def command(args):
    """Print the report; exit status 1 when something required is missing."""
    marks = {OK: "[ok]", MISSING: "[!!]", OPTIONAL: "[--]"}
    sections = collect()
    width = max(len(name) for rows in sections.values() for name, _s, _d in rows)
    for title, rows in sections.items():
        print(title)
        for name, status, detail in rows:
            print(f"  {marks[status]} {name.ljust(width)}  {detail}")
    missing = [name for rows in sections.values() for name, s, _d in rows if s == MISSING]
    if missing:
        print(_("Missing: {names}. The course needs them.").format(names=", ".join(missing)))
        return 1
    print(_("Everything the course needs is here."))
    return 0
