"""A validation report as one self-contained HTML page a charity worker can open and print.

No scripts, no fonts or images from the network: the stylesheet is inlined, so the file
works offline and prints on A4. Every value from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from importlib import resources
from itertools import groupby
from typing import Any

from peerbench import __version__
from peerbench.schema.version import STANDARD_VERSION
from peerbench.validators.catalogue import CATALOGUE
from peerbench.validators.render_text import ACROSS_FILES, plural
from peerbench.validators.report import Finding, Report

DEFAULT_TITLE = "Data check report"
_NUM = ' class="num"'


def _css() -> str:
    return resources.files("peerbench.validators").joinpath("report.css").read_text("utf-8")


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    caption: str | None = None,
    numeric: frozenset[int] = frozenset(),
    css_class: str = "",
) -> str:
    """A table whose cells are escaped text; ``numeric`` columns are right-aligned."""
    head = "".join(
        f'<th scope="col"{_NUM if i in numeric else ""}>{_e(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{_NUM if i in numeric else ''}>{_e(cell)}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    cls = f' class="{css_class}"' if css_class else ""
    return f"<table{cls}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(report: Report) -> str:
    if report.valid:
        state, words = "valid", "<strong>Valid.</strong> No errors were found."
        if report.warnings:
            words += f" There {'is' if report.warnings == 1 else 'are'} " + _e(
                plural(report.warnings, "warning") + " worth a look; they do not stop you."
            )
        if report.notes:
            words += " " + _e(
                plural(report.notes, "note") + " on how the data was read; nothing to fix."
            )
    else:
        state = "invalid"
        words = (
            "<strong>Not valid.</strong> "
            + _e(f"{plural(report.errors, 'error')} must be fixed before this data is sent")
            + _e(f" ({plural(report.warnings, 'warning')} as well).")
        )
    files = _table(
        ("File", "Read as", "Rows", "Errors", "Warnings"),
        (
            (f.file, f.record_type or "not recognised", f.rows, f.errors, f.warnings)
            for f in report.files
        ),
        caption="Files checked",
        numeric=frozenset({2, 3, 4}),
    )
    return (
        f'<section id="summary" class="summary {state}" aria-labelledby="summary-h">'
        f'<h2 id="summary-h">Result</h2><p class="verdict">{words}</p>{files}</section>'
    )


def _finding_row(finding: Finding) -> str:
    cells = (
        f'<td class="num">{_e("-" if finding.row is None else finding.row)}</td>'
        f"<td><code>{_e(finding.column or '-')}</code></td>"
        f'<td class="value">{_e(finding.value or "")}</td>'
        f'<td class="kind">{_e(finding.severity.value.capitalize())}</td>'
        f"<td>{_e(finding.message)}</td>"
        f"<td>{_e(finding.hint)}</td>"
    )
    return (
        f'<tr class="finding {_e(finding.severity.value)}" data-code="{_e(finding.code)}">'
        f"{cells}</tr>"
    )


def _file_sections(report: Report) -> str:
    parts = []
    findings = report.sorted_findings()
    groups = groupby(findings, key=lambda f: f.file or ACROSS_FILES)
    for index, (name, group) in enumerate(groups, start=1):
        head = "".join(
            f'<th scope="col"{_NUM if h == "Row" else ""}>{h}</th>'
            for h in ("Row", "Column", "Value", "Kind", "What's wrong", "How to fix")
        )
        body = "".join(_finding_row(f) for f in group)
        parts.append(
            f'<section class="file" id="file-{index}"><h2>Problems in {_e(name)}</h2>'
            f'<table class="findings"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>"
        )
    hidden = report.errors + report.warnings + report.notes - len(report.findings)
    if hidden > 0:
        parts.append(
            f'<p class="more">… and {hidden:,} more not listed here. '
            "Check again with a higher --max-errors to see them all.</p>"
        )
    return "".join(parts)


def _counts(report: Report) -> str:
    if not report.by_code:
        return ""
    rows = [
        (CATALOGUE[code].title, code, CATALOGUE[code].severity.value, count)
        for code, count in sorted(report.by_code.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    table = _table(("Problem", "Code", "Kind", "How many"), rows, numeric=frozenset({3}))
    return f'<section id="counts"><h2>Problems by kind</h2>{table}</section>'


def _label(key: object) -> str:
    return str(key).replace("_", " ").capitalize()


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def _is_scalar(value: object) -> bool:
    return not isinstance(value, Mapping | list | tuple)


def _nested(value: Any, level: int) -> str:
    """Render JSON-like data generically, so the quality profile may grow new sections."""
    heading = min(level, 6)
    if isinstance(value, Mapping):
        if all(_is_scalar(v) for v in value.values()):
            return _table(("Measure", "Value"), ((_label(k), _scalar(v)) for k, v in value.items()))
        return "".join(
            f"<h{heading}>{_e(_label(k))}</h{heading}>{_nested(v, level + 1)}"
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            keys = list(dict.fromkeys(k for row in value for k in row))
            rows = (
                (_scalar(row.get(k)) if _is_scalar(row.get(k)) else "…" for k in keys)
                for row in value
            )
            return _table([_label(k) for k in keys], (list(r) for r in rows))
        return "<ul>" + "".join(f"<li>{_e(_scalar(v))}</li>" for v in value) + "</ul>"
    return f"<p>{_e(_scalar(value))}</p>"


_SCORE_WORDS = {
    "overall": "Overall score",
    "completeness": "Completeness: how many of the fields are filled in",
    "validity": "Validity: how many values pass the standard's checks",
    "follow_up_coverage": "Follow-up: participants with a baseline who also have a follow-up",
}


def _score(value: object) -> str:
    return "not assessed" if value is None else f"{_scalar(value)} out of 100"


def _quality_profile(quality: Mapping[str, Any]) -> str:
    """The profile of :mod:`peerbench.validators.quality` in words and tables."""
    scores = quality["score"]
    rows = [(words, _score(scores.get(key))) for key, words in _SCORE_WORDS.items()]
    missing = quality.get("item_missing_percent")
    if missing is not None:
        rows.append(
            ("Unanswered questions per completed form (on average)", f"{_scalar(missing)}%")
        )
    parts = [_table(("Measure", "Result"), rows, caption="Scores")]
    sample = quality.get("sample") or {}
    if sample.get("sampled"):
        size = _e(_scalar(sample.get("rows")))
        parts.append(
            f"<p>Large tables were checked on a sample of {size} rows each, "
            "so these scores are estimates.</p>"
        )
    by_type = quality.get("record_types") or {}
    parts.append(
        _table(
            ("Record type", "Rows", "Rows checked", "Completeness", "Validity"),
            (
                (
                    name,
                    t.get("rows"),
                    t.get("rows_profiled"),
                    _scalar(t.get("completeness")),
                    _scalar(t.get("validity")),
                )
                for name, t in by_type.items()
            ),
            caption="By record type",
            numeric=frozenset({1, 2, 3, 4}),
        )
    )
    failing = [
        (name, e.get("column") or "-", e.get("check"), e.get("failed"), e.get("checked"))
        for name, t in by_type.items()
        for e in t.get("expectations", [])
        if not e.get("success", True)
    ]
    if failing:
        parts.append(
            _table(
                ("Record type", "Column", "Check", "Values failing", "Values checked"),
                failing,
                caption="Checks that did not pass",
                numeric=frozenset({3, 4}),
            )
        )
    return "".join(parts)


def _quality(report: Report) -> str:
    quality = report.extras.get("quality")
    if quality is None:
        return ""
    try:
        body = _quality_profile(quality)
    except (KeyError, TypeError, AttributeError):
        # A profile shape this renderer does not know yet is still shown, generically.
        body = _nested(quality, 3)
    return f'<section id="quality"><h2>Data quality</h2>{body}</section>'


def render_html(report: Report, *, title: str = DEFAULT_TITLE) -> str:
    """Render ``report`` as a complete HTML document.

    Args:
        report: The validation report.
        title: Page title and main heading.
    """
    verdict = "valid" if report.valid else "not valid"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}: {verdict}</title><style>{_css()}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p class="meta">Checked against the Peer Support '
        f"Outcomes Standard version {_e(STANDARD_VERSION)} with peerbench "
        f"{_e(__version__)}.</p></header><main>"
        f"{_summary(report)}{_file_sections(report)}{_counts(report)}{_quality(report)}"
        "</main><footer><p>Rows are numbered as in a spreadsheet: the header is row 1, "
        "so the first data row is row 2.</p></footer></body></html>\n"
    )
