"""``convlab hub``: a course on one machine, with JupyterHub and local accounts.

    sudo convlab hub setup --instructor NAME [--students A,B,...]
    sudo convlab hub add-student NAME
    sudo convlab hub start
    sudo convlab hub teardown

The accounts are the machine's own (``adduser``, or the department's
directory): the hub lets in the instructor and the students of its roster,
each with their system password, and runs each one's JupyterLab as that
account. ``setup`` makes the hub's folder (``--state``, default
/srv/convlab-hub; the files are described in hub/jupyterhub_config.py):
a Python environment every account can run, with this convlab, nbgrader and
JupyterHub; configurable-http-proxy from npm; nbgrader's exchange; the
Jupyter configuration of each role (hub/roles/); and the instructor's course
folder, ~NAME/<course>/, with solutions/, assignments/ and
nbgrader_config.py (never overwritten). ``teardown`` removes the hub's
folder, the exchange with it; it keeps the accounts and the course folder.
"""
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from convlab.errors import ClassroomError
from convlab.i18n import _

REPOSITORY = Path(__file__).resolve().parents[2]
HUB_FILES = REPOSITORY / "hub"
STATE = Path("/srv/convlab-hub")
COURSE = "convlab"
PROXY = "configurable-http-proxy@5"
JUPYTERHUB = "jupyterhub>=5"


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise ClassroomError(_("{command} failed:\n{log}").format(
            command=" ".join(map(str, command)),
            log=(result.stdout + result.stderr)[-3000:]))
    return result.stdout


def _account(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ClassroomError(_("there is no account {name} on this machine: create it "
                               "first (sudo adduser {name})").format(name=name)) from None


def _as(account, command, cwd, state):
    """Run ``command`` as ``account`` (its own rights, none of root's), in
    ``cwd``, with the hub's Python first on PATH."""
    return _run(command, cwd=cwd, user=account.pw_uid, group=account.pw_gid,
                extra_groups=[], env={"HOME": account.pw_dir, "LANG": "C.UTF-8",
                                      "PATH": f"{Path(state) / 'venv' / 'bin'}:/usr/bin:/bin"})


def _python_for_everyone():
    """A Python that every account can run (the grader's may live in root's
    home): the system's python3, else this one."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable):
        if os.path.exists(candidate) and os.stat(candidate).st_mode & 0o001:
            return candidate
    return sys.executable


def read_roster(state):
    path = Path(state) / "roster.json"
    if not path.exists():
        raise ClassroomError(_("no hub in {state}: run `sudo convlab hub setup` "
                               "first").format(state=state))
    return json.loads(path.read_text(encoding="utf-8"))


def write_roster(state, roster):
    path = Path(state) / "roster.json"
    path.write_text(json.dumps(roster, indent=1), encoding="utf-8")
    path.chmod(0o644)


def course_folder(roster):
    return Path(pwd.getpwnam(roster["instructor"]).pw_dir) / roster["course"]


def write_roles(state, roster):
    """The roles' Jupyter configuration: hub/roles/, and nbgrader's settings."""
    roles = Path(state) / "roles"
    if roles.exists():
        shutil.rmtree(roles)
    shutil.copytree(HUB_FILES / "roles", roles)
    exchange = Path(state) / "exchange"
    common = (f"c = get_config()  # noqa: F821\n"
              f"c.CourseDirectory.course_id = {roster['course']!r}\n"
              f"c.Exchange.root = {str(exchange)!r}\n")
    (roles / "student" / "nbgrader_config.py").write_text(
        "# Written by `convlab hub setup`: the students' nbgrader settings.\n" + common)
    course = course_folder(roster)
    (roles / "instructor" / "nbgrader_config.py").write_text(
        "# Written by `convlab hub setup`: the course's settings (its own\n"
        "# nbgrader_config.py), wherever the instructor's server runs.\n" + common +
        f"load_subconfig({str(course / 'nbgrader_config.py')!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.course_id = {roster['course']!r}\n")
    for path in roles.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def setup(state, instructor, students, course=COURSE, python=None, progress=print):
    """Make the hub's folder ``state`` for ``instructor`` and ``students``
    (existing accounts); see the module's doc."""
    if os.geteuid() != 0:
        raise ClassroomError(_("convlab hub setup makes accounts' folders and a hub "
                               "that runs each account's server as that account: run it "
                               "as root (sudo)."))
    teacher = _account(instructor)
    for name in students:
        _account(name)
    state = Path(state)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)

    progress(_("Python environment for every account in {path} ...").format(
        path=state / "venv"))
    if not (state / "venv" / "bin" / "python").exists():
        _run([python or _python_for_everyone(), "-m", "venv", str(state / "venv")])
    _run([str(state / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
          str(REPOSITORY), JUPYTERHUB])
    # Every tool on in the environment (the roles switch them per account),
    # and its bin/ on PATH for nbgrader's `alembic`.
    _run([str(state / "venv" / "bin" / "convlab"), "setup", "instructor"])
    progress(_("configurable-http-proxy (npm) ..."))
    _run(["npm", "install", "--silent", "--prefix", str(state / "node"), PROXY])

    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)   # everyone writes, nobody removes another's files
    roster = {"course": course, "instructor": instructor, "students": sorted(set(students))}
    write_roster(state, roster)
    write_roles(state, roster)
    shutil.copy(HUB_FILES / "jupyterhub_config.py", state / "jupyterhub_config.py")

    folder = course_folder(roster)
    if not folder.exists():
        folder.mkdir()
        for part in ("solutions", "assignments"):
            shutil.copytree(REPOSITORY / part, folder / part)
        shutil.copy(REPOSITORY / "nbgrader_config.py", folder)
        with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\n# Added by `convlab hub setup`: this machine's exchange.\n"
                         f"c.CourseDirectory.course_id = {course!r}\n"
                         f"c.Exchange.root = {str(exchange)!r}\n")
        _run(["chown", "-R", f"{teacher.pw_uid}:{teacher.pw_gid}", str(folder)])
    for name in roster["students"]:
        add_to_gradebook(state, roster, name)
    return roster


def add_to_gradebook(state, roster, student):
    """nbgrader db student add, as the instructor, in the course folder."""
    teacher = pwd.getpwnam(roster["instructor"])
    _as(teacher, [str(Path(state) / "venv" / "bin" / "nbgrader"), "db", "student", "add",
                  student], cwd=course_folder(roster), state=state)


def add_student(state, name):
    _account(name)
    roster = read_roster(state)
    if name not in roster["students"]:
        roster["students"] = sorted(roster["students"] + [name])
        write_roster(state, roster)
    add_to_gradebook(state, roster, name)
    return roster


def start(state, port=8000):
    """Run JupyterHub in the foreground (Ctrl-C stops it)."""
    read_roster(state)
    env = dict(os.environ, CONVLAB_HUB_STATE=str(state), CONVLAB_HUB_PORT=str(port),
               PATH=f"{Path(state) / 'venv' / 'bin'}:{os.environ.get('PATH', '')}")
    command = [str(Path(state) / "venv" / "bin" / "jupyterhub"), "-f",
               str(Path(state) / "jupyterhub_config.py")]
    process = subprocess.Popen(command, cwd=state, env=env)
    (Path(state) / "hub.pid").write_text(str(process.pid))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        return process.wait()


def teardown(state):
    """Stop the hub and remove its folder (the exchange with it). Keeps the
    accounts and the instructor's course folder. Returns what it kept."""
    state = Path(state)
    if not (state / "roster.json").exists():
        raise ClassroomError(_("{state} is not a convlab hub (no roster.json): nothing "
                               "removed").format(state=state))
    roster = read_roster(state)
    pid = state / "hub.pid"
    if pid.exists():
        try:
            number = int(pid.read_text())
            os.kill(number, signal.SIGTERM)
            for _ in range(300):            # JupyterHub closes its database first
                os.kill(number, 0)
                time.sleep(0.1)
        except (ProcessLookupError, ValueError):
            pass
    shutil.rmtree(state)
    return roster


def add_arguments(parser):
    jobs = parser.add_subparsers(dest="job", metavar="JOB")
    jobs.required = True
    state = dict(type=Path, default=STATE,
                 help=_("the hub's folder (default {path})").format(path=STATE))
    p = jobs.add_parser("setup", help=_("set up the hub for a course (as root)"))
    p.add_argument("--instructor", required=True, help=_("the instructor's account"))
    p.add_argument("--students", default="",
                   help=_("the students' accounts, separated by commas"))
    p.add_argument("--course", default=COURSE, help=_("the course id (default convlab)"))
    p.add_argument("--state", **state)
    p = jobs.add_parser("add-student", help=_("let one more account in, as a student"))
    p.add_argument("name", help=_("the student's account"))
    p.add_argument("--state", **state)
    p = jobs.add_parser("start", help=_("run JupyterHub on 127.0.0.1 (Ctrl-C stops it)"))
    p.add_argument("--port", type=int, default=8000, help=_("its port (default 8000)"))
    p.add_argument("--state", **state)
    p = jobs.add_parser("teardown", help=_("stop the hub and remove its folder and the "
                                           "exchange (accounts and course are kept)"))
    p.add_argument("--state", **state)


def command(args):
    """``convlab hub JOB ...``."""
    try:
        if args.job == "setup":
            students = [s.strip() for s in args.students.split(",") if s.strip()]
            roster = setup(args.state, args.instructor, students, course=args.course)
            print(_("The hub is ready in {state}. Start it with `sudo convlab hub start` "
                    "and open http://127.0.0.1:8000; {instructor} finds the course in "
                    "{folder}. Add a student with `sudo convlab hub add-student NAME` "
                    "(an existing account).").format(
                state=args.state, instructor=roster["instructor"],
                folder=course_folder(roster)))
        elif args.job == "add-student":
            roster = add_student(args.state, args.name)
            print(_("{name} is a student of {course}: they log in with their own "
                    "password.").format(name=args.name, course=roster["course"]))
        elif args.job == "start":
            return start(args.state, args.port)
        elif args.job == "teardown":
            roster = teardown(args.state)
            print(_("Removed {state}. Kept: the accounts and {folder}.").format(
                state=args.state, folder=course_folder(roster)))
    except ClassroomError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
