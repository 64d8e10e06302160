"""``python -m helpers data | run | report | predict``: the command line lives in :mod:`helpers.machinery.cli`."""

import sys

from .machinery.cli import main

if __name__ == "__main__":
    sys.exit(main())
