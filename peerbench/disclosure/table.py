"""The aggregate table that disclosure control works on.

A table is a set of cells addressed by a row key and a column key. A row or column
whose key is the table's ``total_key`` (``"Total"`` by default) holds margins: the cell
``(r, "Total")`` is the sum of the count cells in row ``r``, the cell ``("Total", c)``
the sum of column ``c``, and ``("Total", "Total")`` the grand total. Only ``count``
cells add up; ``statistic`` and ``proportion`` cells never take part in margin sums.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from peerbench.disclosure.secondary import Equations

CellKind = Literal["count", "statistic", "proportion"]
Key = tuple[str, str]
TOTAL = "Total"


class Cell(BaseModel):
    """One figure in an aggregate table.

    Attributes:
        row: Row key (a category, or the table's total key for the margin row).
        col: Column key.
        value: The true value: a whole number of people for ``count``; any number for
            ``statistic`` (mean, median, change); a fraction 0–1 for ``proportion``.
        kind: ``count`` | ``statistic`` | ``proportion``.
        n: The number of people the figure rests on. Optional for counts (the count
            itself); required for statistics and proportions (the denominator).
        numerator: For a proportion, the count of people with the attribute. When
            given, the published proportion is recomputed from rounded counts.
        national: A national total; not rounded unless the policy says so.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    row: str
    col: str
    value: float
    kind: CellKind = "count"
    n: int | None = Field(None, ge=0)
    numerator: int | None = Field(None, ge=0)
    national: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        where = f"cell ({self.row!r}, {self.col!r})"
        if not math.isfinite(self.value):
            raise ValueError(f"{where}: value must be a finite number")
        if self.kind == "count":
            if self.value < 0 or self.value != int(self.value):
                raise ValueError(f"{where}: a count must be a whole number ≥ 0")
            if self.numerator is not None:
                raise ValueError(f"{where}: only proportions have a numerator")
            return self
        if self.n is None:
            raise ValueError(f"{where}: a {self.kind} needs n (the people it rests on)")
        if self.kind == "proportion":
            if not 0.0 <= self.value <= 1.0:
                raise ValueError(f"{where}: a proportion must be a fraction between 0 and 1")
            if self.numerator is not None:
                if self.numerator > self.n:
                    raise ValueError(f"{where}: numerator exceeds n")
                if self.n and abs(self.numerator / self.n - self.value) > 1e-9:
                    raise ValueError(f"{where}: value is not numerator / n")
        elif self.numerator is not None:
            raise ValueError(f"{where}: only proportions have a numerator")
        return self

    @property
    def key(self) -> Key:
        """``(row, col)``."""
        return (self.row, self.col)

    @property
    def rests_on(self) -> int:
        """The people behind the figure: ``n``, or the count itself for a count."""
        return self.n if self.n is not None else int(self.value)


class Table(BaseModel):
    """A named set of cells with unique ``(row, col)`` keys.

    Attributes:
        name: Label carried into the controlled output.
        cells: The cells, in display order.
        total_key: The row/column key that marks margins.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    cells: tuple[Cell, ...]
    total_key: str = TOTAL

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        seen: set[Key] = set()
        for cell in self.cells:
            if cell.key in seen:
                raise ValueError(f"table {self.name!r}: duplicate cell {cell.key!r}")
            seen.add(cell.key)
        return self

    # A table is immutable, so what is derived from its cells is computed once: the
    # consistent suppression of a group plans each table several times (until its
    # patterns agree), and a national group has a thousand rows of cells.
    @cached_property
    def by_key(self) -> dict[Key, Cell]:
        """Cells keyed by ``(row, col)`` (computed once; do not modify)."""
        return {cell.key: cell for cell in self.cells}

    @cached_property
    def count_keys(self) -> frozenset[Key]:
        """Keys of the ``count`` cells (the ones that take part in margin equations)."""
        return frozenset(cell.key for cell in self.cells if cell.kind == "count")

    @cached_property
    def equations(self) -> Equations:
        """The margin equations and the order secondary suppression picks cells in."""
        from peerbench.disclosure.secondary import equations

        return equations(self)

    @property
    def rows(self) -> list[str]:
        """Row keys in order of first appearance."""
        return list(dict.fromkeys(cell.row for cell in self.cells))

    @property
    def cols(self) -> list[str]:
        """Column keys in order of first appearance."""
        return list(dict.fromkeys(cell.col for cell in self.cells))

    def cell(self, row: str, col: str) -> Cell:
        """The cell at ``(row, col)``; raises ``KeyError`` if absent."""
        return self.by_key[(row, col)]

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, Mapping[str, int]],
        *,
        name: str = "",
        margins: bool = False,
        total_key: str = TOTAL,
    ) -> Table:
        """Build a count table from ``{row: {col: count}}``.

        Args:
            counts: Interior counts by row then column.
            name: Table label.
            margins: Add row totals, column totals and the grand total.
            total_key: Key used for the margins.
        """
        cells: list[Cell] = []
        cols = list(dict.fromkeys(c for row in counts.values() for c in row))
        for r, row in counts.items():
            cells.extend(Cell(row=r, col=c, value=v) for c, v in row.items())
            if margins:
                cells.append(Cell(row=r, col=total_key, value=sum(row.values())))
        if margins:
            for c in cols:
                col_sum = sum(row.get(c, 0) for row in counts.values())
                cells.append(Cell(row=total_key, col=c, value=col_sum))
            grand = sum(sum(row.values()) for row in counts.values())
            cells.append(Cell(row=total_key, col=total_key, value=grand))
        return cls(name=name, cells=tuple(cells), total_key=total_key)
