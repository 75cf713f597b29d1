"""Two setups: a student's light one, an instructor's complete one.

`convlab setup ROLE` switches nbgrader's tools; hub/roles/ gives the same
roles to JupyterHub's accounts; the Makefile's targets install each.
(tests/test_hub.py checks both roles in a real browser.)
"""
import json
import re
import sysconfig
from pathlib import Path

import pytest

from convlab.commands import setup

ROOT = Path(__file__).resolve().parents[1]


def test_a_student_has_the_assignment_list_only():
    assert setup.tools("student") == {"assignment list": True, "formgrader": False,
                                      "course list": False, "validate": False,
                                      "create assignment": False}
    assert all(setup.tools("instructor").values())
    with pytest.raises(ValueError, match="student or instructor"):
        setup.tools("admin")


def test_apply_switches_every_tool_and_puts_bin_on_path(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(setup, "_jupyter", lambda *args: calls.append(args))
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": str(tmp_path)})
    path = setup.apply("student")
    assert ("server", "extension", "enable", "--sys-prefix",
            "nbgrader.server_extensions.assignment_list") in calls
    assert ("server", "extension", "disable", "--sys-prefix",
            "nbgrader.server_extensions.formgrader") in calls
    assert ("labextension", "disable", "--level=sys_prefix",
            "@jupyter/nbgrader:create-assignment") in calls
    assert len(calls) == 9      # four server extensions, five JupyterLab plugins
    assert path == tmp_path / setup.PATH_FILE
    assert path.read_text().startswith("import os, sys;")   # run at start-up


def test_the_hub_roles_say_what_setup_says():
    parts = {**setup.STUDENT_TOOLS, **setup.INSTRUCTOR_TOOLS}
    for role in setup.ROLES:
        folder = ROOT / "hub" / "roles" / role
        server = json.loads((folder / "jupyter_server_config.json").read_text())
        lab = json.loads((folder / "labconfig" / "page_config.json").read_text())
        for name, enabled in setup.tools(role).items():
            extension, plugin = parts[name]
            if extension:
                assert server["ServerApp"]["jpserver_extensions"][extension] is enabled
            assert lab["disabledExtensions"].get(plugin, False) is (not enabled)


def test_the_makefile_installs_each_role_light_or_complete():
    makefile = (ROOT / "Makefile").read_text()
    student = re.search(r"^\$\(STUDENT\):.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert 'pip install -e .\n' in student and "[dev]" not in student
    assert "convlab setup student" in student
    assert re.search(r"^lab: \$\(STUDENT\)", makefile, re.M)
    assert re.search(r"^instructor: \$\(INSTRUCTOR\)", makefile, re.M)
    assert re.search(r"^test: \$\(STAMP\)", makefile, re.M)
