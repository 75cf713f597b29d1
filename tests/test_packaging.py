"""The repository's setup files agree with each other and with the README."""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_name(spec):
    return re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0].lower()


def requirements(specs):
    return {requirement_name(s): s.replace(" ", "") for s in specs}


# PyPI names whose conda-forge package is called otherwise: CuPy's wheels are
# named after the CUDA version (cupy-cuda12x), conda-forge's is `cupy`.
CONDA_NAMES = {"cupy-cuda12x": "cupy"}


def test_environment_yml_has_the_same_packages_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda = requirements(d for d in conda if requirement_name(d) not in ("python", "pip"))
    project = PYPROJECT["project"]
    expected = requirements(project["dependencies"] + project["optional-dependencies"]["dev"])
    for pip_name, conda_name in CONDA_NAMES.items():
        if pip_name in expected:
            expected[conda_name] = expected.pop(pip_name).replace(pip_name, conda_name)
    assert conda == expected
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."], "the package itself comes through the pip section"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace(" ", "") == "python" + project["requires-python"]


def test_the_students_environment_has_the_runtime_packages_only():
    env = yaml.safe_load((ROOT / "environment-student.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda = requirements(d for d in conda if requirement_name(d) not in ("python", "pip"))
    assert conda == requirements(PYPROJECT["project"]["dependencies"])
    assert next(d["pip"] for d in env["dependencies"] if isinstance(d, dict)) == ["-e ."]


def test_torch_is_not_a_dependency():
    project = PYPROJECT["project"]
    every = project["dependencies"] + [s for extra in project["optional-dependencies"].values()
                                       for s in extra]
    assert "torch" not in {requirement_name(s) for s in every}


def test_gpu_extra_is_cupy_for_cuda_12():
    assert [requirement_name(s) for s in PYPROJECT["project"]["optional-dependencies"]["gpu"]] \
        == ["cupy-cuda12x"]


def test_tests_install_cupy_for_real():
    """The dev extra installs the gpu extra's CuPy (it imports without a GPU):
    the tests of `import convlab` with CuPy present run against the real one."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(extras["gpu"]) <= set(extras["dev"])


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    commands = [line.split("#")[0].strip() for line in ci.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    make_calls = [c for c in commands if c.startswith("make ")]
    assert make_calls[-1] == "make test"
    for call in make_calls:
        assert f"`{call}`" in readme, f"CI runs {call!r}, which the README does not tell"


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "torch", "bench", "translations"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "127.0.0.1" in makefile and "PORT" in makefile


def test_licences():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-COURSE.md").read_text()


def test_notebooks_are_committed_clean():
    files = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        notebook = json.loads((ROOT / name).read_text())
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, name


def test_import_is_light():
    """import convlab pulls in neither PyTorch, CuPy, matplotlib, ipywidgets,
    nbgrader, nor the instructor's rooms (docs/architecture.md)."""
    heavy = ("torch", "cupy", "matplotlib", "ipywidgets", "nbgrader", "nbformat",
             "convlab.classroom", "convlab.commands", "convlab.grading")
    code = (f"import sys, convlab; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_command_line():
    out = subprocess.run([sys.executable, "-m", "convlab", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "bench" in out
