"""JupyterHub for one course on one machine: local accounts, one role each.

`sudo convlab hub start` runs `jupyterhub -f hub/jupyterhub_config.py` with
CONVLAB_HUB_STATE pointing at the hub's folder (default /srv/convlab-hub,
made by `sudo convlab hub setup`), which holds:

    venv/            Python with convlab, nbgrader, JupyterLab and JupyterHub,
                     readable by every account (the students' servers run it)
    node/            configurable-http-proxy (npm)
    exchange/        nbgrader's exchange: release, submit, feedback
    roles/student/, roles/instructor/
                     Jupyter configuration of each role (from hub/roles/):
                     which nbgrader tools JupyterLab shows, nbgrader's settings
    roster.json      {"course": ..., "instructor": ..., "students": [...]}
    jupyterhub.sqlite, jupyterhub_cookie_secret

Adapt it freely: it is a plain JupyterHub configuration. Accounts log in
with their system password (PAM); each single-user server runs as its
account (the hub runs as root) with JUPYTER_CONFIG_PATH set to its role's
folder, so a student sees the Assignments tab only and the instructor the
Formgrader and Create Assignment too.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it reads this file)

STATE = Path(os.environ.get("CONVLAB_HUB_STATE", "/srv/convlab-hub"))
ROSTER = json.loads((STATE / "roster.json").read_text(encoding="utf-8"))

# Only on this machine: put a reverse proxy with TLS in front to open it up.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ.get("CONVLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [str(STATE / "node" / "node_modules" / ".bin" /
                                       "configurable-http-proxy")]

# Local accounts, with their system passwords; only the course's, read from
# roster.json at each login (so `convlab hub add-student` needs no restart).
from jupyterhub.auth import PAMAuthenticator  # noqa: E402


def roster():
    return json.loads((STATE / "roster.json").read_text(encoding="utf-8"))


class RosterAuthenticator(PAMAuthenticator):
    def check_allowed(self, username, authentication=None):
        course = roster()
        return username == course["instructor"] or username in course["students"]


c.JupyterHub.authenticator_class = RosterAuthenticator
c.Authenticator.admin_users = {ROSTER["instructor"]}

# Each account's own server, as that account, in its home, in JupyterLab.
c.Spawner.cmd = [str(STATE / "venv" / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def role_of(name):
    return "instructor" if name == roster()["instructor"] else "student"


def pre_spawn_hook(spawner):
    """The role's Jupyter configuration, and the venv's bin/ first on PATH
    (nbgrader runs `alembic` as a program)."""
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": str(STATE / "roles" / role_of(spawner.user.name)),
        "PATH": f"{STATE / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    })


c.Spawner.pre_spawn_hook = pre_spawn_hook
