"""What the browser tests share: Debian's Chromium through Playwright, and
servers on 127.0.0.1 (JupyterLab, JupyterHub) started and stopped cleanly.

    CHROMIUM, CHROMIUM_FLAGS     the browser and the flags every test uses
    free_port()                  a port free on 127.0.0.1
    chromium()                   a context manager: the launched browser
    served(command, url, log)    a context manager: the server process, once
                                 ``url`` answers; killed with its group after
    stop(process)                end a process started in a session of its own
    jupyterlab(root, token, ...) a context manager: JupyterLab serving ``root``,
                                 yields its URL

The ``browser`` fixture (tests/conftest.py) is ``chromium()`` for a module.
"""
import contextlib
import os
import sys
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def served(command, url, log_path, attempts=240):
    """Start ``command`` in a session of its own, its output to ``log_path``;
    yield the process once ``url`` answers (fail with the log if it ends
    first); stop it and everything it started afterwards."""
    log = open(log_path, "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        for _ in range(attempts):
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(Path(log_path).read_text())
                time.sleep(0.5)
        yield server
    finally:
        stop(server)
        log.close()


def stop(process, timeout=30):
    """End a process started in a session of its own, and its group."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def jupyterlab(root, token, *options):
    """JupyterLab on 127.0.0.1 serving the folder ``root`` with ``token``
    (and ``options``), its log in root/jupyter.log; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--allow-root", *options]
    url = f"http://127.0.0.1:{port}"
    with served(command, f"{url}/api/status?token={token}", Path(root) / "jupyter.log"):
        yield url
