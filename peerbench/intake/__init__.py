"""From an organisation's own spreadsheet to tables in the standard's shape.

The layer above the validators (``schema -> io -> validators -> intake -> cli/api``):

- :mod:`~peerbench.intake.grid`: every sheet or CSV file as a grid of cell text, with
  the original row numbers;
- :mod:`~peerbench.intake.layout`: the header row, title rows, blank rows and
  total/summary rows of a grid;
- :mod:`~peerbench.intake.mapping` (with :mod:`~peerbench.intake.blocks`): the mapping
  language (version 2, and version 1 files) and its loader;
- :mod:`~peerbench.intake.transform`: a mapping applied to grids, giving standard-shaped
  tables whose records remember the row they came from; per block and row in
  :mod:`~peerbench.intake.rows`, cell translations in :mod:`~peerbench.intake.cells`,
  wide layouts and derived record ids in :mod:`~peerbench.intake.wide`, date of birth to
  age band in :mod:`~peerbench.intake.dob`.

Nothing in ``validators`` or ``io`` imports this package. SPEC §7.2 documents the
mapping language.
"""
