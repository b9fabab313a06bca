"""Read a record model's field declarations as plain data for the generators."""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.record_base import Record
from peerbench.schema.record_info import FieldSpec  # re-exported: its historical home

__all__ = ["FieldSpec", "field_specs"]


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _constraint(metadata: list[Any], name: str) -> Any:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def _base_type(annotation: Any) -> tuple[Any, list[Any]]:
    """Unwrap ``Annotated[...]`` and return the base type with its metadata."""
    metadata: list[Any] = []
    while hasattr(annotation, "__metadata__"):
        metadata.extend(annotation.__metadata__)
        annotation = annotation.__origin__
    for item in metadata:
        # StringConstraints / FieldInfo inside Annotated carry the constraints.
        if isinstance(item, FieldInfo):
            metadata.extend(item.metadata)
    return annotation, metadata


def _kind(base: Any) -> tuple[str, type[CodeList] | None]:
    if isinstance(base, type) and issubclass(base, CodeList):
        return "code", base
    if get_origin(base) is list:
        (inner,) = get_args(base)
        inner, _ = _strip_optional(inner)
        inner, _ = _base_type(inner)
        if isinstance(inner, type) and issubclass(inner, CodeList):
            return "codes", inner
        if inner is int:
            return "integers", None
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", dt.date: "date"}
    if base in simple:
        return simple[base], None
    raise TypeError(f"no standard type for annotation {base!r}")


def field_specs(model: type[Record]) -> list[FieldSpec]:
    """The fields of ``model`` in declaration order, with everything SPEC.md states."""
    specs = []
    for name, info in model.model_fields.items():
        annotation, _optional = _strip_optional(info.annotation)
        base, metadata = _base_type(annotation)
        metadata = [*info.metadata, *metadata]
        kind, codelist = _kind(base)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        specs.append(
            FieldSpec(
                name=name,
                kind=kind,
                required=info.is_required(),
                tier=str(extra.get("x-tier", "core")),
                meaning=info.description or "",
                rule=extra.get("x-rule"),  # type: ignore[arg-type]
                codelist=codelist,
                minimum=_constraint(metadata, "ge"),
                maximum=_constraint(metadata, "le"),
                pattern=_constraint(metadata, "pattern"),
                max_length=_constraint(metadata, "max_length"),
                example=(info.examples or [None])[0],
            )
        )
    return specs
