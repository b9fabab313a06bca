"""Cross-field rules, declared once as data.

A rule is checked on single records by the pydantic models, expressed as
``if``/``then`` in the generated JSON Schema where JSON Schema can say it, and
(in :mod:`peerbench.validators`) evaluated over whole Arrow columns. Each rule
carries the stable error code it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_NOT_EMPTY: dict[str, Any] = {"not": {"type": "null"}}


def _present(value: Any) -> bool:
    return value is not None and value != ""


@dataclass(frozen=True)
class Rule:
    """A rule over two fields of one record."""

    field: str
    other: str
    code: str

    def violated(self, record: Any) -> bool:
        """True when ``record`` (any object with the two attributes) breaks the rule."""
        raise NotImplementedError

    def message(self) -> str:
        """Plain-English statement of what is wrong when the rule is broken."""
        raise NotImplementedError

    def describe(self) -> str:
        """Plain-English statement of the rule itself, for SPEC.md."""
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any] | None:
        """An ``if``/``then`` fragment, or None where JSON Schema cannot compare values."""
        return None


@dataclass(frozen=True)
class RequiredWhen(Rule):
    """``field`` must be filled in when ``other`` equals ``value``."""

    value: str = ""

    def violated(self, record: Any) -> bool:
        return getattr(record, self.other) == self.value and not _present(
            getattr(record, self.field)
        )

    def message(self) -> str:
        return f"{self.field} is required when {self.other} is '{self.value}'"

    def describe(self) -> str:
        return f"`{self.field}` is required when `{self.other}` is `{self.value}`."

    def json_schema(self) -> dict[str, Any]:
        return {
            "if": {"properties": {self.other: {"const": self.value}}, "required": [self.other]},
            "then": {"properties": {self.field: _NOT_EMPTY}, "required": [self.field]},
        }


@dataclass(frozen=True)
class EmptyExactlyWhen(Rule):
    """``field`` is empty exactly when ``other`` equals ``value``."""

    value: str = ""

    def violated(self, record: Any) -> bool:
        matches: bool = getattr(record, self.other) == self.value
        return matches == _present(getattr(record, self.field))

    def message(self) -> str:
        return f"{self.field} must be empty exactly when {self.other} is '{self.value}'"

    def describe(self) -> str:
        return f"`{self.field}` is empty exactly when `{self.other}` is `{self.value}`."

    def json_schema(self) -> dict[str, Any]:
        return {
            "if": {"properties": {self.other: {"const": self.value}}, "required": [self.other]},
            "then": {"properties": {self.field: {"type": "null"}}},
            "else": {"properties": {self.field: _NOT_EMPTY}, "required": [self.field]},
        }


@dataclass(frozen=True)
class NotBefore(Rule):
    """The date ``field`` is not before the date ``other`` (when both are given)."""

    def violated(self, record: Any) -> bool:
        a, b = getattr(record, self.field), getattr(record, self.other)
        return a is not None and b is not None and a < b

    def message(self) -> str:
        return f"{self.field} is before {self.other}"

    def describe(self) -> str:
        return f"`{self.field}` is on or after `{self.other}`."


@dataclass(frozen=True)
class NotGreater(Rule):
    """The number ``field`` is not greater than ``other`` (when both are given)."""

    def violated(self, record: Any) -> bool:
        a, b = getattr(record, self.field), getattr(record, self.other)
        return a is not None and b is not None and a > b

    def message(self) -> str:
        return f"{self.field} is greater than {self.other}"

    def describe(self) -> str:
        return f"`{self.field}` is not greater than `{self.other}`."


@dataclass(frozen=True)
class OnlyWithTrue(Rule):
    """``field`` may be filled in only when the flag ``other`` is true."""

    def violated(self, record: Any) -> bool:
        return _present(getattr(record, self.field)) and getattr(record, self.other) is not True

    def message(self) -> str:
        return f"{self.field} is given but {self.other} is not true"

    def describe(self) -> str:
        return f"`{self.field}` is given only when `{self.other}` is true."

    def json_schema(self) -> dict[str, Any]:
        return {
            "if": {
                "properties": {self.field: {"type": "string", "minLength": 1}},
                "required": [self.field],
            },
            "then": {"properties": {self.other: {"const": True}}, "required": [self.other]},
        }
