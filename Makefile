# Two commands do everything (see README):
#   make course   set up, fetch data, run every notebook (standard profile), write the report
#   make test     set up, fetch data, run the unit tests and every notebook under nbval (smoke profile)
# For workshops (docs/instructors.md): make wheelhouse, make student, make check-offline.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?= standard
NOTEBOOKS ?=
WHEELHOUSE ?= wheelhouse
# make wheelhouse TARGETS="host windows-x86_64 macos-arm64" PYTHONS="3.11 3.12"
TARGETS ?= host
PYTHONS ?= 3.11

# A wheelhouse beside the course (made by `make wheelhouse`) means: install from it, ask no index.
PIP_SOURCE := $(if $(wildcard $(WHEELHOUSE)/*.whl),--no-index --find-links $(WHEELHOUSE),)

# Kernels run inside notebooks/, so make a relative mirror path absolute.
ifdef COURSE_DATA_MIRROR
export COURSE_DATA_MIRROR := $(abspath $(COURSE_DATA_MIRROR))
endif

.PHONY: setup data course test unit notebooks report student student-test wheelhouse check-offline doctor app clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v >= (3, 11) else "$(PYTHON) is Python %d.%d; the course needs 3.11 or newer: install it (python.org), then run make again with PYTHON=python3.11" % v)'
	$(PYTHON) -m venv $(VENV)
	$(if $(PIP_SOURCE),@echo "installing from $(WHEELHOUSE)/ (no package index)",$(BIN)/python -m pip install --quiet --upgrade pip)
	$(BIN)/python -m pip install --quiet $(PIP_SOURCE) -r requirements.txt -e .
	touch $@

setup: $(VENV)/.installed

data: setup
	$(BIN)/python -m helpers data

course: data
	$(BIN)/python -m helpers run --profile $(PROFILE) $(NOTEBOOKS)
	$(BIN)/python -m helpers report --profile $(PROFILE)

# `python -m helpers test` (the same command on Windows): fetch or verify the data, then the unit
# tests and every notebook under nbval, smoke profile, offline, one notebook per worker (-n auto: a
# worker per core, at most four; COURSE_TEST_WORKERS=1 runs one at a time). Options: helpers/machinery/cli.py.
test: setup
	$(BIN)/python -m helpers test

unit: setup
	COURSE_OFFLINE=1 $(BIN)/python -m pytest tests benchmarks -q

report: setup
	$(BIN)/python -m helpers report --profile $(PROFILE)

doctor: setup
	$(BIN)/python -m helpers doctor

# The live app (notebook 16): camera, draw and upload tabs on http://127.0.0.1:8765/.
app: setup
	$(BIN)/python -m helpers app

# The student edition (no solutions, no outputs, an answer cell per exercise) in student/.
student: setup
	$(BIN)/python -m helpers student

# Removing the solutions must not break a later cell: run the student edition under nbval too.
student-test: student
	$(BIN)/python -m helpers test student -p no:cacheprovider

# Every wheel the course needs, for laptops without network (TARGETS: host or scripts/check_platforms.py's).
wheelhouse:
	$(PYTHON) scripts/wheelhouse.py --out $(WHEELHOUSE) --target $(TARGETS) --python $(PYTHONS)

# A fresh environment installed from the wheelhouse alone (--no-index), then notebook 00 in smoke.
OFFLINE_VENV ?= /tmp/course-offline-venv
check-offline:
	@test -n "$(wildcard $(WHEELHOUSE)/*.whl)" || { echo "no wheels in $(WHEELHOUSE)/: run make wheelhouse first"; exit 1; }
	rm -rf $(OFFLINE_VENV)
	$(PYTHON) -m venv $(OFFLINE_VENV)
	$(OFFLINE_VENV)/bin/python -m pip install --quiet --no-index --find-links $(WHEELHOUSE) -r requirements.txt -e .
	$(OFFLINE_VENV)/bin/python -m helpers doctor || true
	@$(OFFLINE_VENV)/bin/python -m helpers data --check >/dev/null || { echo "no verified MNIST in data/ or COURSE_DATA_MIRROR: run make data (online) or set the mirror"; exit 1; }
	COURSE_PROFILE=smoke COURSE_OFFLINE=1 $(OFFLINE_VENV)/bin/python -m pytest notebooks/00_mnist_data.ipynb \
		--nbval-lax --nbval-current-env -q -p no:cacheprovider

clean:
	rm -rf runs student .pytest_cache
