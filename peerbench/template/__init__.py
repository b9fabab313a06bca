"""Blank templates generated from the record models: an Excel workbook and header-only CSVs.

Example:
    >>> from pathlib import Path
    >>> from peerbench.template import write_workbook
    >>> write_workbook(Path("peerbench-template.xlsx"))  # doctest: +SKIP
"""

from peerbench.template.columns import TemplateColumn, max_item_count, template_columns
from peerbench.template.csv_files import write_csv_templates
from peerbench.template.dictionary import DICTIONARY_HEADERS, dictionary_rows
from peerbench.template.workbook import build_workbook, write_workbook

__all__ = [
    "DICTIONARY_HEADERS",
    "TemplateColumn",
    "build_workbook",
    "dictionary_rows",
    "max_item_count",
    "template_columns",
    "write_csv_templates",
    "write_workbook",
]
