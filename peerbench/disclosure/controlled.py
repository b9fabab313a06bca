"""What leaves the pool: a table whose cells are published values or explicit markers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from peerbench.disclosure.policy import DisclosurePolicy
from peerbench.disclosure.reasons import Suppressed, SuppressionReason
from peerbench.disclosure.table import CellKind, Key


class ControlledCell(BaseModel):
    """One cell after disclosure control.

    Attributes:
        row: Row key.
        col: Column key.
        kind: ``count`` | ``statistic`` | ``proportion``.
        value: The published number, or a :class:`Suppressed` marker (never ``None``).
        n: The published number of people behind the figure (rounded like a count;
            ``None`` when the value is suppressed or n was not given).
        rounded: Whether ``value`` was rounded or recomputed from rounded counts.
        flag: Why the cell is (for the owner: would be) suppressed for other viewers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    row: str
    col: str
    kind: CellKind
    value: float | Suppressed
    n: int | None = None
    rounded: bool = False
    flag: Suppressed | None = None

    @property
    def key(self) -> Key:
        """``(row, col)``."""
        return (self.row, self.col)

    @property
    def suppressed(self) -> bool:
        """Whether this viewer sees a marker instead of the value."""
        return isinstance(self.value, Suppressed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: a suppressed value is its symbol, with the reason alongside."""
        value: Any = str(self.value) if isinstance(self.value, Suppressed) else self.value
        return {
            "row": self.row,
            "col": self.col,
            "kind": self.kind,
            "value": value,
            "n": self.n,
            "rounded": self.rounded,
            "suppressed": self.suppressed,
            "reason": None if self.flag is None else self.flag.reason.value,
            "message": None if self.flag is None else self.flag.message,
        }


class ControlledTable(BaseModel):
    """A table ready to leave the pool (or, for the owner, to preview before it does).

    Attributes:
        name: Table label.
        cells: Controlled cells in the source table's order.
        total_key: The margin key.
        viewer_is_owner: True when values are unaltered and only flagged.
        policy: The policy applied (shown with the output).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    cells: tuple[ControlledCell, ...]
    total_key: str
    viewer_is_owner: bool
    policy: DisclosurePolicy

    def cell(self, row: str, col: str) -> ControlledCell:
        """The controlled cell at ``(row, col)``; raises ``KeyError`` if absent."""
        for cell in self.cells:
            if cell.key == (row, col):
                return cell
        raise KeyError((row, col))

    def value(self, row: str, col: str) -> float | Suppressed:
        """The published value at ``(row, col)``."""
        return self.cell(row, col).value

    @property
    def flags(self) -> dict[Key, SuppressionReason]:
        """Every cell hidden (or, for the owner, that would be hidden) with its reason."""
        return {c.key: c.flag.reason for c in self.cells if c.flag is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form including the policy, so readers know which rules applied."""
        return {
            "name": self.name,
            "viewer_is_owner": self.viewer_is_owner,
            "policy": self.policy.model_dump(mode="json"),
            "cells": [cell.to_dict() for cell in self.cells],
        }
