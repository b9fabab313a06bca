"""The report content model: what a report says, independent of how it looks.

Content builders (service, network, commissioner and data-quality reports) fill these
dataclasses with finished words and charts; :func:`peerbench.reports.render.render_html`
turns them into one self-contained HTML page. Every number a reader sees comes with a
"what this means" sentence, because figures without a plain reading are not believed.

Example::

    report = Report(
        kind="service",
        title="Hillside Peer Support: outcomes 2024–25",
        subtitle="Compared with 14 peer-support services",
        generated_for="Hillside Peer Support",
        sections=[
            Section(
                title="In brief",
                blocks=[KeyFigure("People supported", "1,234 people", "More than last year.")],
            )
        ],
    )
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from peerbench.disclosure import Suppressed
from peerbench.reports.suppression import SuppressedValue, SuppressionWording, as_suppressed

if TYPE_CHECKING:  # charts load Altair; a report's content model does not need it
    from peerbench.reports.chart import Chart

ReportKind = Literal["service", "network", "commissioner", "quality"]
Tone = Literal["info", "good", "caution"]
#: A table cell: text, a number, nothing, or a suppressed marker in any accepted shape.
TableCell = str | int | float | None | SuppressedValue | Suppressed | Mapping[str, object]


@dataclasses.dataclass(frozen=True)
class KeyFigure:
    """A headline number with its plain reading.

    Attributes:
        label: What is counted, e.g. "People who felt better".
        value_text: The formatted value (see :mod:`peerbench.reports.formatting`).
        what_it_means: One sentence saying why it matters.
        suppressed_reason: Set (e.g. ``small-count``) when the value is hidden; the page
            then shows the suppression wording instead of ``value_text``.
    """

    label: str
    value_text: str
    what_it_means: str
    suppressed_reason: str | None = None
    block_type: ClassVar[str] = "key_figure"


@dataclasses.dataclass(frozen=True)
class Figure:
    """A chart with its plain reading."""

    chart: Chart
    what_it_means: str
    block_type: ClassVar[str] = "figure"


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of figures.

    Attributes:
        columns: Column headings.
        rows: Rows of cells, one per column; a cell may be a suppressed marker.
        caption: The table's title.
        what_it_means: One sentence saying what to take from it.
        numeric: Indexes of right-aligned numeric columns (default: all but the first).
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[TableCell]]
    caption: str
    what_it_means: str
    numeric: frozenset[int] | None = None
    block_type: ClassVar[str] = "table"

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.caption!r} row {i} has {len(row)} cells")

    def is_numeric(self, index: int) -> bool:
        """Whether column ``index`` holds numbers (right-aligned)."""
        return index in self.numeric if self.numeric is not None else index > 0


@dataclasses.dataclass(frozen=True)
class Quote:
    """Something a person who used the service said, with the themes it illustrates."""

    text: str
    themes: Sequence[str] = ()
    block_type: ClassVar[str] = "quote"


@dataclasses.dataclass(frozen=True)
class Callout:
    """A short highlighted message: ``info``, ``good`` news, or ``caution``."""

    text: str
    tone: Tone = "info"
    block_type: ClassVar[str] = "callout"


Block = KeyFigure | Figure | Table | Quote | Callout


@dataclasses.dataclass(frozen=True)
class Section:
    """A titled part of a report: an optional introduction, then blocks in order."""

    title: str
    intro: str = ""
    blocks: Sequence[Block] = ()


@dataclasses.dataclass(frozen=True)
class Report:
    """A whole report.

    Attributes:
        kind: Which template frames it: ``service``, ``network``, ``commissioner``,
            ``quality``.
        title: Main heading.
        subtitle: Line under the heading (period, comparison group).
        generated_for: Who the report is for (a service, a commissioner, the network).
        sections: The body, in order.
        assumptions: Plain statements of how figures were worked out.
        notes: Closing notes (data sources, contacts).
        generated_on: The day the report was produced, as text ("Produced on");
            omitted when ``None``.
        data_up_to: The last date the data cover, as text ("Data up to"); omitted when
            ``None``.
        wording: How hidden values are worded (match the disclosure policy used).
    """

    kind: ReportKind
    title: str
    subtitle: str = ""
    generated_for: str = ""
    sections: Sequence[Section] = ()
    assumptions: Sequence[str] = ()
    notes: Sequence[str] = ()
    generated_on: str | None = None
    data_up_to: str | None = None
    wording: SuppressionWording = dataclasses.field(default_factory=SuppressionWording)

    def blocks(self) -> Iterator[Block]:
        """Every block in every section, in order."""
        for section in self.sections:
            yield from section.blocks

    def suppression_reasons(self) -> list[str]:
        """Reason codes of every hidden value in the report, in first-seen order."""
        seen: dict[str, None] = {}
        for block in self.blocks():
            if isinstance(block, KeyFigure) and block.suppressed_reason:
                seen[block.suppressed_reason] = None
            elif isinstance(block, Figure):
                seen |= dict.fromkeys(m.reason for m in block.chart.suppressed)
            elif isinstance(block, Table):
                markers = (as_suppressed(c) for row in block.rows for c in row)
                seen |= dict.fromkeys(m.reason for m in markers if m is not None)
        return list(seen)
