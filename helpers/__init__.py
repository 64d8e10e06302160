"""The learner's library of the digit-recognition course: what the notebooks import.

The lessons live in ``notebooks/``; this package carries what every notebook needs and
nobody wants to read twice. Each public function's docstring names the notebook that
teaches or uses it.

* :mod:`helpers.session` - the Setup cell: versions, seed, plot defaults, banner (every notebook);
* :mod:`helpers.data` - finding, fetching and verifying datasets; MNIST (00 on);
* :mod:`helpers.plots` - image grids, training curves, confusion matrices (01 on);
* :mod:`helpers.training` - parameter counts, a stopwatch, peak memory (02 on);
* :mod:`helpers.augment` - rotation, zoom and shear in one warp: ``RandomAffine`` (06-09);
* :mod:`helpers.sequences` - numbers made of MNIST digits, generated on the fly (10-12);
* :mod:`helpers.metrics` - sequence, character and box metrics, pure NumPy (10-14);
* :mod:`helpers.svhn` - the SVHN files: download, extraction, ``digitStruct.mat``; real SVHN or the stand-in (13-14);
* :mod:`helpers.boxes` - box geometry: union boxes, crops and their inverse (14-15);
* :mod:`helpers.standin` - the offline stand-in for SVHN: synthetic street numbers (13-15);
* :mod:`helpers.models` - trained models handed from one notebook to the next (13-15);
* :mod:`helpers.photos` - your own photos: robust loading and the two-stage reader (15);
* :mod:`helpers.files` - atomic writes, checksums, downloads (under all of the above).

The machinery that runs, checks and reports the course (runner, ledger, report, profiles,
paths, the command line) is :mod:`helpers.machinery`. Command line: ``python -m helpers --help``.
"""

import os as _os
import platform as _platform

# The one place the course sets TensorFlow's environment, before anything imports it (notebook
# kernels started by the runner inherit it): quiet C++ start-up chatter, and oneDNN kernels on
# every x86 CPU. TensorFlow turns oneDNN on by itself only on some (AVX-512 ones among them); on
# the others, AVX2 CPUs from AMD and Intel, the course trains about twice as fast with it
# (docs/performance.md, "oneDNN"). A value already set is kept: TF_ENABLE_ONEDNN_OPTS=0 turns it off.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if _platform.machine().lower() in ("x86_64", "amd64"):
    _os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"
