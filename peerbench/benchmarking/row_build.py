"""Many result rows at once, without a dataclass ``__init__`` per row.

A national benchmark builds ~100,000 rows (outcomes, workforce, case-mix). A frozen
dataclass ``__init__`` sets each of its ~40 fields through ``object.__setattr__``
(~10 µs a row, a third of the outcome rows' cost). Row types are plain frozen
dataclasses (every field in ``__init__``, no ``__post_init__``, no slots), so an object
whose ``__dict__`` holds every field is the very object ``__init__`` makes.
:func:`build_rows` (records) and :func:`build_columns` (columns) make them so, and fall
back to the constructor for anything else (a type with ``__post_init__``, a missing or
unknown field: the constructor then raises exactly as it would have).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_Spec = tuple[frozenset[str], dict[str, Any]]
_SPECS: dict[type, _Spec | None] = {}


def _spec(row_type: type) -> _Spec | None:
    """Field names and plain defaults of a type whose rows may be filled directly."""
    if row_type in _SPECS:
        return _SPECS[row_type]
    spec: _Spec | None = None
    plain = (
        dataclasses.is_dataclass(row_type)
        and not hasattr(row_type, "__post_init__")
        and "__slots__" not in row_type.__dict__
    )
    if plain:
        fields = dataclasses.fields(row_type)
        if all(f.init for f in fields):
            defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
            spec = frozenset(f.name for f in fields), defaults
    _SPECS[row_type] = spec
    return spec


def build_rows(row_type: type[T], records: Iterable[Mapping[str, Any]]) -> list[T]:
    """``[row_type(**record) for record in records]``, the same rows, built faster.

    A record may leave out fields with a plain default (as for the constructor); a field
    with a default factory (``suppressed``) must be given, else the constructor builds it.
    """
    spec = _spec(row_type)
    if spec is None:
        return [row_type(**record) for record in records]
    names, defaults = spec
    count = len(names)
    new = object.__new__
    rows: list[T] = []
    for record in records:
        if len(record) != count:
            record = {**defaults, **record}
        if len(record) != count or record.keys() != names:
            rows.append(row_type(**record))  # the same row, or the constructor's error
            continue
        row = new(row_type)
        row.__dict__.update(record)
        rows.append(row)
    return rows


def build_columns(row_type: type[T], columns: Mapping[str, Sequence[Any]]) -> list[T]:
    """Rows of ``row_type`` from equal-length columns (field name → values), in order.

    The same rows as ``row_type(**record)`` for each record the columns hold; fields
    with a plain default may be left out. A column of mutable values (``suppressed``)
    must hold one object per row, as each row keeps its own.
    """
    spec = _spec(row_type)
    names = list(columns)
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise ValueError("columns of different lengths")
    size = lengths.pop() if lengths else 0
    if spec is not None:
        missing = {k: [v] * size for k, v in spec[1].items() if k not in columns}
        if missing:
            return build_columns(row_type, {**columns, **missing})
    if spec is None or set(names) != spec[0]:
        return [
            row_type(**dict(zip(names, values, strict=True)))
            for values in zip(*columns.values(), strict=True)
        ]
    new = object.__new__
    rows: list[T] = []
    for values in zip(*columns.values(), strict=True):
        row = new(row_type)
        row.__dict__.update(zip(names, values, strict=True))
        rows.append(row)
    return rows
