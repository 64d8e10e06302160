# Two commands do everything (see README):
#   make course   set up, fetch data, run every notebook (standard profile), write the report
#   make test     set up, fetch data, run the unit tests and every notebook under nbval (smoke profile)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?= standard
NOTEBOOKS ?=

# Kernels run inside notebooks/, so make a relative mirror path absolute.
ifdef COURSE_DATA_MIRROR
export COURSE_DATA_MIRROR := $(abspath $(COURSE_DATA_MIRROR))
endif

.PHONY: setup data course test unit notebooks report clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

setup: $(VENV)/.installed

data: setup
	$(BIN)/python -m helpers data

course: data
	$(BIN)/python -m helpers run --profile $(PROFILE) $(NOTEBOOKS)
	$(BIN)/python -m helpers report --profile $(PROFILE)

# Tests never touch the network: data comes from data/ or the mirror, fetched above.
test: data
	COURSE_PROFILE=smoke COURSE_OFFLINE=1 $(BIN)/python -m pytest tests benchmarks notebooks \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=900 -q

unit: setup
	COURSE_OFFLINE=1 $(BIN)/python -m pytest tests benchmarks -q

report: setup
	$(BIN)/python -m helpers report --profile $(PROFILE)

clean:
	rm -rf runs .pytest_cache
