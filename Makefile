# One command for each job; each target creates .venv when it is missing.
# The targets only install and call tools: the logic lives in convlab.
#
# Three setups of one .venv, each installed once (a stamp file in .venv):
#   student     the runtime packages, JupyterLab with the Assignments tab only
#   instructor  the same packages, and nbgrader's instructor tools switched on
#   dev         everything the tests need (the dev extra), as the instructor's

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
BIN    := $(VENV)/bin
STUDENT    := $(VENV)/.student
INSTRUCTOR := $(VENV)/.instructor
STAMP      := $(VENV)/.installed
# JupyterLab opens the course's welcome notebook.
LAB_OPEN := $(if $(wildcard course/00_welcome.ipynb),course/00_welcome.ipynb,README.md)
# Jupyter refuses to run as root unless told (containers, CI machines).
AS_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root,)
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)
LAB_ARGS := --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	--ServerApp.port_retries=0 --ServerApp.root_dir=. $(AS_ROOT)

.PHONY: help install lab instructor test torch browser sandbox bench bench-grading bench-semester demo doctor assignments translations clean

help:
	@echo "make lab           students: install (first time) and start JupyterLab on 127.0.0.1:$(PORT)"
	@echo "make instructor    instructors: the same with nbgrader's Formgrader and Create Assignment"
	@echo "make test          install the test tools (first time) and run the whole test suite"
	@echo "make torch         add PyTorch 2.13.0 CPU to .venv (test oracle, benchmark peer)"
	@echo "make browser       install Debian's Chromium for the browser tests (apt, when missing)"
	@echo "make sandbox       install bubblewrap, which convlab grade seals students' code in (apt)"
	@echo "make bench         benchmarks; writes docs/benchmarks.md"
	@echo "make bench-grading grade a class of 30 with --jobs 2 vs plain nbgrader (docs/benchmarks.md)"
	@echo "make bench-semester a class of 120 through collect, convlab grade, release_feedback"
	@echo "make demo          train the default ConvNet on the digits (convlab demo)"
	@echo "make doctor        check packages, JupyterLab extensions, GPU, datasets"
	@echo "make assignments   generate the student versions (assignments/) from solutions/"
	@echo "make translations  re-extract messages, update and compile the catalogs"
	@echo "make clean         remove .venv and caches"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# One role at a time: a setup removes the stamps of the others.
$(STUDENT): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -e .
	$(BIN)/convlab setup student
	rm -f $(INSTRUCTOR) $(STAMP) && touch $@

$(INSTRUCTOR): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -e .
	$(BIN)/convlab setup instructor
	rm -f $(STUDENT) && touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -e ".[dev]"
	$(BIN)/convlab setup instructor
	rm -f $(STUDENT) && touch $@ $(INSTRUCTOR)

install: $(STAMP)

lab: $(STUDENT)
	@echo "JupyterLab: http://127.0.0.1:$(PORT)/lab/tree/$(LAB_OPEN)  (the login token is in the URL printed below)"
	$(BIN)/jupyter lab $(LAB_ARGS) $(LAB_OPEN)

instructor: $(INSTRUCTOR)
	@echo "JupyterLab with nbgrader's instructor tools: http://127.0.0.1:$(PORT)/lab  (token below)"
	$(BIN)/jupyter lab $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

torch: $(STAMP)
	$(BIN)/python -m pip install torch==2.13.0

browser:
	test -x /usr/bin/chromium || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

sandbox:
	command -v bwrap >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y bubblewrap)

bench: $(STAMP)
	$(BIN)/convlab bench --output docs/benchmarks.md

bench-grading: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/grading.py --output docs/benchmarks.md

bench-semester: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python benchmarks/semester.py --output docs/benchmarks.md

# Any of the setups has the convlab command.
$(BIN)/convlab: | $(VENV)/bin/python
	$(BIN)/python -m pip install -e .

demo: $(BIN)/convlab
	$(BIN)/convlab demo

doctor: $(BIN)/convlab
	$(BIN)/convlab doctor

assignments: $(INSTRUCTOR)
	$(BIN)/convlab assignments build

translations: $(STAMP)
	$(BIN)/pybabel extract --no-location --omit-header --sort-output \
		-o convlab/locale/convlab.pot convlab
	$(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching -w 76 \
		-i convlab/locale/convlab.pot -d convlab/locale -D convlab
	$(BIN)/pybabel compile -d convlab/locale -D convlab

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
