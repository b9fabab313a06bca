"""A report's key figures as plain JSON, for golden tests and for reuse elsewhere.

The summary holds what a reader would check first: the report's kind and title, its
section headings, each key figure's label and value (or suppression reason), each
chart's title with its data-table shape, and each table's caption and shape. It holds
nothing volatile (no dates of generation, no software versions).
"""

from __future__ import annotations

from typing import Any

from peerbench.reports.content import Figure, KeyFigure, Report, Table


def key_figures(report: Report) -> dict[str, Any]:
    """The report's key figures and structure as JSON-ready data.

    Args:
        report: The report content.

    Returns:
        ``{"kind", "title", "sections", "key_figures", "figures", "tables"}``.
    """
    figures: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, KeyFigure):
                values.append(
                    {
                        "section": section.title,
                        "label": block.label,
                        "value": block.value_text or None,
                        "suppressed": block.suppressed_reason,
                    }
                )
            elif isinstance(block, Figure):
                figures.append(
                    {
                        "title": block.chart.title,
                        "columns": block.chart.columns,
                        "rows": len(block.chart.data),
                        "hidden": len(block.chart.suppressed),
                    }
                )
            elif isinstance(block, Table):
                tables.append(
                    {
                        "caption": block.caption,
                        "columns": list(block.columns),
                        "rows": len(block.rows),
                    }
                )
    return {
        "kind": report.kind,
        "title": report.title,
        "sections": [s.title for s in report.sections],
        "key_figures": values,
        "figures": figures,
        "tables": tables,
        "hidden_reasons": report.suppression_reasons(),
    }
