"""Plumbing for the digit-recognition course.

The lessons themselves live in ``notebooks/``; this package only carries what
every notebook needs and nobody wants to read twice: finding and verifying the
data (:mod:`helpers.data`), synthetic numbers made of digits
(:mod:`helpers.sequences`), sequence and box metrics (:mod:`helpers.metrics`),
run profiles (:mod:`helpers.profiles`), the notebook set-up banner
(:mod:`helpers.session`), plots (:mod:`helpers.plots`), training conveniences
(:mod:`helpers.training`), the results ledger and its report
(:mod:`helpers.ledger`, :mod:`helpers.report`) and the notebook runner
(:mod:`helpers.runner`).

Command line: ``python -m helpers {data,run,report} --help``.
"""

import os as _os

# Quiet TensorFlow's C++ start-up chatter before anything imports it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
