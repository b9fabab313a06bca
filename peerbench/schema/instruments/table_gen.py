"""Write ``builtin_table.py``: the built-in definitions as frozen copies (see ``frozen.py``).

Run ``python -m peerbench.schema.instruments.table_gen`` after changing a built-in
definition or the models; ``tests/schema/instruments/test_builtin_table.py`` fails
until the table matches what this writes.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.registry import builtin_definitions

TABLE = Path(__file__).with_name("builtin_table.py")
_KINDS = ("CasenessRule", "Direction", "ScoringMethod")
"""The enums a definition holds (see ``kinds.py``)."""

_HEADER = '''"""The built-in instrument definitions as frozen copies: GENERATED, do not edit.

Written by ``python -m peerbench.schema.instruments.table_gen`` from ``definitions/*.yaml``
through the pydantic models; a test fails when it is stale.
"""

# fmt: off
# ruff: noqa: E501

from peerbench.schema.instruments.frozen import Frozen as F
from peerbench.schema.instruments.frozen import FrozenDefinition as D
{kinds}
DEFINITIONS: tuple[D, ...] = (
'''


def literal(value: Any) -> str:
    """Python source that rebuilds ``value`` (models as frozen copies, field by field)."""
    if isinstance(value, BaseModel):
        maker = "D" if isinstance(value, InstrumentDefinition) else "F"
        fields = ", ".join(
            f"{name}={literal(getattr(value, name))}" for name in type(value).model_fields
        )
        return f"{maker}({fields})"
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__} in an instrument definition")


def table_source() -> str:
    """The text of ``builtin_table.py`` for the current definitions and models."""
    lines = [f"    {literal(d)}," for d in builtin_definitions()]
    body = "\n".join(lines)
    used = sorted(name for name in _KINDS if f"{name}." in body)
    kinds = f"from peerbench.schema.instruments.kinds import {', '.join(used)}\n" if used else ""
    return _HEADER.format(kinds=kinds) + body + "\n)\n"


def main() -> None:
    """Rewrite the table next to this module."""
    TABLE.write_text(table_source(), encoding="utf-8")


if __name__ == "__main__":
    main()
