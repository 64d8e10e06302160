"""The course machinery: what runs, checks and reports the lessons. A learner never needs to open it.

* :mod:`~helpers.machinery.paths` - where things live, and every ``COURSE_*`` environment variable;
* :mod:`~helpers.machinery.profiles` - the ``smoke`` / ``standard`` / ``full`` settings of each lesson;
* :mod:`~helpers.machinery.ledger` - the results file each notebook's Results cell writes to
  (the one piece of machinery a notebook calls);
* :mod:`~helpers.machinery.report` - the ledger as a table and charts (``python -m helpers report``);
* :mod:`~helpers.machinery.runner` - executes notebooks in course order (``python -m helpers run``);
* :mod:`~helpers.machinery.cli` - the command line, ``python -m helpers``.

Importing the learner's library loads ``paths`` and ``profiles`` (and a notebook's Results cell
``ledger``), never the runner, the report or the command line.
"""
