"""From an organisation's own spreadsheet to tables in the standard's shape.

The layer above the validators (``schema -> io -> validators -> intake -> cli/api``):

- :mod:`~peerbench.intake.grid`: every sheet or CSV file as a grid of cell text, with
  the original row numbers;
- :mod:`~peerbench.intake.layout`: the header row, title rows, blank rows and
  total/summary rows of a grid;
- :mod:`~peerbench.intake.mapping`: the mapping language (version 2) and its loader;
- :mod:`~peerbench.intake.transform`: a mapping applied to grids, giving standard-shaped
  tables whose records remember the row they came from.

Nothing in ``validators`` or ``io`` imports this package.
"""
