"""How the test command shares the work among workers (``pytest -n auto --dist loadscope``, pytest-xdist).

`make test` and `make student-test` run the notebooks under nbval on several workers at once.
A notebook's cells must run in order in one kernel, so every notebook goes whole to one worker.
Notebooks 15 and 16 read the models that 07, 11 and 14 save (16's app serves all of them), so
07, 11, 14, 15 and 16 go to one worker together, in that order. Notebooks are handed out
longest first (the slow smoke notebooks start at once); unit tests go one by one, last, and
fill the gaps.

``-n auto`` means one worker per CPU core, at most four (each notebook kernel needs up to
3 GiB); ``COURSE_TEST_WORKERS`` overrides it. With several workers, each worker's notebook
kernels get an equal share of the cores for TensorFlow and NumPy (``TF_NUM_INTRAOP_THREADS``,
``OMP_NUM_THREADS``; values already set are kept): small smoke models share cores better as
one thread per worker than as every worker's threads fighting over every core.
"""

from __future__ import annotations

import os
import re

import pytest

# Notebooks that must run in one worker, in this order: 15 and 16 read the models 07, 11 and 14 save.
CHAINS = [("07_learning_rate_annealing", "11_ctc_sequences", "14_svhn_multi_digit", "15_your_own_photos",
           "16_live_camera")]
# The slowest smoke notebooks (or chains), slowest first, as measured on a 2-core machine
# (docs/performance.md, "make test"); the other notebooks follow in course order.
LONGEST_FIRST = ["07_learning_rate_annealing",  # the chain above: about 4.7 minutes of a worker
                 "12_localization", "13_svhn_cropped_digits", "04_batch_normalization", "09_pseudo_labeling",
                 "10_digit_sequences", "05_dropout", "03_convolutions", "08_ensembles_and_error_analysis"]
MAX_AUTO_WORKERS = 4
# The models folder of a test run, inside the runs folder (`pytest_configure`).
TEST_MODELS = "test-models"


def pytest_xdist_auto_num_workers(config):
    """What ``-n auto`` means here: ``COURSE_TEST_WORKERS``, else one per core, at most four."""
    chosen = os.environ.get("COURSE_TEST_WORKERS")
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise pytest.UsageError(f"COURSE_TEST_WORKERS={chosen!r}: give a whole number of workers, "
                                    f"at least 1 (1 runs the tests one after another)")
        return int(chosen)
    return max(1, min(MAX_AUTO_WORKERS, os.cpu_count() or 1))


def pytest_configure(config):
    """Before any test or kernel starts: where the tests' models go, and (in an xdist worker) each
    kernel's share of the cores, both inherited by the kernels through the environment.

    The notebooks under test train smoke models; they are saved to ``runs/test-models/``
    (``TEST_MODELS``), never over the models ``make course`` saved to ``models/``, which
    notebooks 15-16, ``python -m helpers predict`` and the app read.
    """
    from helpers.machinery import paths

    os.environ[paths.MODELS_DIR_VAR] = str(paths.runs_dir() / TEST_MODELS)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(name, share)


def notebook_group(nodeid: str) -> str | None:
    """The unit of work an nbval cell belongs to (its notebook, or the chain's first); None for other tests."""
    path = nodeid.split("::", 1)[0]
    if not path.endswith(".ipynb"):
        return None
    stem = re.sub(r"\.ipynb$", "", path.rsplit("/", 1)[-1])
    return next((chain[0] for chain in CHAINS if stem in chain), stem)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadscope``: a notebook (or chain) is one scope, every other test its own."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return notebook_group(nodeid) or nodeid

    return NotebookScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Order the run: the longest notebooks first, then the others in course order, then the unit tests.

    Cells keep their order within a notebook, and a chain's notebooks theirs. Without
    ``-n`` this only changes the order in which tests run.
    """
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def position(pair):
        index, item = pair
        group = notebook_group(item.nodeid)
        if group is None:
            return (2, 0, index)
        return (0, rank[group], index) if group in rank else (1, 0, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=position)]
