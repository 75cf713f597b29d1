"""The convlab command: demo, doctor, and argument errors."""
import json
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest

from convlab.commands import cli, doctor
from convlab.demo import train_digits


def run(*args):
    return subprocess.run([sys.executable, "-m", "convlab", *args], capture_output=True,
                          text=True, timeout=300)


def test_help_lists_the_commands():
    out = run("--help").stdout
    for command in ("demo", "doctor", "bench"):
        assert command in out


def test_demo_json_is_the_last_line():
    result = run("demo", "--epochs", "2", "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["epochs"] == 2 and 0 < report["test_accuracy"] <= 1
    assert report["train_seconds"] > 0 and report["n_test"] > 0


def test_demo_shows_progress_and_summary():
    result = run("demo", "--epochs", "1")
    assert result.returncode == 0
    assert "it/s" in result.stderr or "it]" in result.stderr   # tqdm's bar
    assert "CONV1" in result.stdout and "test accuracy" in result.stdout


def test_demo_reaches_98_percent_and_is_reproducible():
    first, model_a, _ = train_digits(epochs=15, seed=0, verbose=False)
    assert first["test_accuracy"] >= 0.98
    second, model_b, _ = train_digits(epochs=15, seed=0, verbose=False)
    assert second["test_accuracy"] == first["test_accuracy"]
    for name in model_a.params:
        np.testing.assert_array_equal(model_a.params[name], model_b.params[name])


def test_bad_arguments_are_refused():
    result = run("demo", "--epochs", "0")
    assert result.returncode == 2 and "--epochs must be at least 1" in result.stderr
    assert run("train").returncode == 2


def test_doctor_passes_here():
    result = run("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    for words in ("Python", "numpy", "@jupyter-widgets/jupyterlab-manager", "@jupyter/nbgrader",
                  "nbgrader.server_extensions.formgrader", "GPU", "digits"):
        assert words in result.stdout


def test_doctor_fails_when_a_required_package_is_missing(monkeypatch, capsys):
    real = metadata.version

    def version(name):
        if name == "nbgrader":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(doctor.metadata, "version", version)
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[!!] nbgrader" in out and "Missing: nbgrader" in out


def test_doctor_reports_gpu_without_crashing():
    name, status, detail = doctor.check_gpu()
    assert name == "GPU" and status in (doctor.OK, doctor.OPTIONAL) and detail


def test_demo_class_fills_submitted_and_never_overwrites(tmp_path, capsys):
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "nbgrader_config.py", tmp_path)
    for folder in ("solutions", "assignments"):
        shutil.copytree(root / folder / "a2_convolution", tmp_path / folder / "a2_convolution")
    args = ["demo-class", "a2_convolution", "--course-dir", str(tmp_path)]
    assert cli.main(args) == 0
    submitted = sorted(p.name for p in (tmp_path / "submitted").iterdir())
    assert {"correct", "blank", "late"} <= set(submitted) and len(submitted) >= 6
    before = (tmp_path / "submitted" / "correct" / "a2_convolution" /
              "a2_convolution.ipynb").read_bytes()
    assert cli.main(args) == 1                       # refuses: the class is there
    assert "not overwriting" in capsys.readouterr().err
    assert (tmp_path / "submitted" / "correct" / "a2_convolution" /
            "a2_convolution.ipynb").read_bytes() == before
