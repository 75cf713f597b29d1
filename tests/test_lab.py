"""`make lab` serves JupyterLab on 127.0.0.1 at the chosen port."""
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browsing import free_port, stop

ROOT = Path(__file__).resolve().parents[1]



def get_json(url, attempts=30):
    """GET url as JSON, retrying while the server finishes starting."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return json.load(reply)
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="make lab uses .venv; these tests run in another environment")
def test_make_lab_serves_jupyterlab_on_localhost():
    port = free_port()
    # STUDENT= the test setup's stamp: `make lab` serves from this .venv as it
    # is, instead of switching it to the student's role (tests/test_setup.py
    # checks that recipe).
    server = subprocess.Popen(["make", "lab", f"PORT={port}", "STUDENT=.venv/.installed"],
                              cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        output, token, deadline = [], None, time.monotonic() + 90
        while token is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", line)
            token = found and found.group(1)
        assert token, "no URL printed:\n" + "".join(output)
        assert any(f"http://127.0.0.1:{port}/lab/tree/course/00_welcome.ipynb" in line
                   for line in output), "make lab opens the welcome notebook"
        assert "started" in get_json(f"http://127.0.0.1:{port}/api/status?token={token}")
        # Listening on the loopback address only.
        addresses = [a for a in socket.gethostbyname_ex(socket.gethostname())[2]
                     if not a.startswith("127.")]
        for address in addresses:
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((address, port)) != 0, f"reachable on {address}"
    finally:
        stop(server)
