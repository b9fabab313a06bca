"""The frozen built-in definitions (builtin_table.py) match the YAML read through the models."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

from peerbench.schema.instruments.frozen import Frozen, FrozenDefinition
from peerbench.schema.instruments.registry import (
    InstrumentRegistry,
    builtin_definitions,
    builtin_registry,
    default_registry,
    reading_registry,
)
from peerbench.schema.instruments.table_gen import TABLE, table_source


def test_table_is_not_stale() -> None:
    """Regenerate after changing a definition or model: python -m ...table_gen."""
    assert TABLE.read_text(encoding="utf-8") == table_source()


def _same(model: Any, frozen: Any, where: str) -> None:
    """Equal values of the same types, all the way down."""
    if isinstance(model, BaseModel):
        assert isinstance(frozen, Frozen), where
        assert list(vars(frozen)) == list(type(model).model_fields), where
        for name in type(model).model_fields:
            _same(getattr(model, name), getattr(frozen, name), f"{where}.{name}")
    elif isinstance(model, list):
        assert type(frozen) is list and len(frozen) == len(model), where
        for i, (a, b) in enumerate(zip(model, frozen, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(model, dict):
        assert type(frozen) is dict and list(frozen) == list(model), where
        for key in model:
            _same(model[key], frozen[key], f"{where}[{key!r}]")
    else:
        assert type(frozen) is type(model), where
        assert frozen == model, where
        if isinstance(model, Enum):
            assert frozen is model, where


@pytest.mark.parametrize("model", builtin_definitions(), ids=lambda d: d.code)
def test_frozen_copy_equals_model(model: Any) -> None:
    frozen = builtin_registry().get(model.code)
    assert isinstance(frozen, FrozenDefinition)
    _same(model, frozen, model.code)
    assert [vars(i) for i in frozen.items()] == [i.model_dump() for i in model.items()]
    assert frozen.raw_range() == model.raw_range()
    assert frozen.derived_score_range() == model.derived_score_range()
    assert frozen.score_range() == model.score_range()
    for word, code in model.response_labels.items():
        assert frozen.answer_code(f" {word.upper()} ") == code
    for sub in model.subscales:
        _same(sub, frozen.subscale(sub.name), sub.name)
    with pytest.raises(KeyError):
        frozen.subscale("no_such_subscale")


def test_reading_registry_is_the_default_one_once_made() -> None:
    """Instruments registered on the process-wide registry stay visible to validation."""
    made = default_registry()
    assert reading_registry() is made


def test_builtin_registry_lists_the_built_ins() -> None:
    registry = builtin_registry()
    assert registry.codes() == sorted(d.code for d in builtin_definitions())
    assert all(registry.is_builtin(code) for code in registry.codes())


def test_frozen_blocks_are_read_only() -> None:
    definition = builtin_registry().get("PHQ9")
    with pytest.raises(AttributeError):
        definition.code = "X"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        _ = definition.no_such_field  # type: ignore[attr-defined]
    assert definition != InstrumentRegistry(builtin_definitions()).get("PHQ9")
