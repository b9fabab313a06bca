"""Errors raised when an instrument definition is invalid or an instrument is unknown.

Pydantic's messages name Python types; people writing a YAML file need the field path
and the problem in plain English, so ``InstrumentDefinitionError`` rewrites them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotations: reading the registry must not load pydantic
    from pydantic import ValidationError

PathPart = str | int


@dataclass(frozen=True)
class Problem:
    """One problem in a definition: where (a field path) and what."""

    path: tuple[PathPart, ...]
    message: str

    @property
    def field(self) -> str:
        """The path written the way a YAML author reads it, e.g. ``bands[1].min``."""
        return format_path(self.path)


class DefinitionProblems(ValueError):
    """Raised inside model validators so that every problem, with its path, survives.

    Pydantic keeps the exception object in the error's ``ctx``; ``problems_from_validation``
    unpacks it, joining the validator's location with each problem's own path.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = list(problems)


def format_path(path: Iterable[PathPart]) -> str:
    """Render a location tuple as ``scoring.lookup[12]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(definition)"


def _english(error: Any) -> str:
    """Translate one pydantic error into a short plain-English problem."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    given = error.get("input")
    shown = f" (got {given!r})" if isinstance(given, str | int | float | bool) else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a recognised field (check the spelling)"
    if kind in {"enum", "literal_error"}:
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"must be one of {', '.join(allowed)}{shown}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')}{shown}"
    message: str = error["msg"]
    message = re.sub(r"^Input should be", "must be", message)
    message = re.sub(r"^Value error, ", "", message)
    return message[:1].lower() + message[1:] + shown


def problems_from_validation(exc: ValidationError) -> list[Problem]:
    """Flatten a pydantic ``ValidationError`` into problems with full field paths."""
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, DefinitionProblems):
            problems.extend(Problem(loc + p.path, p.message) for p in inner.problems)
        else:
            problems.append(Problem(loc, _english(error)))
    return problems


class InstrumentDefinitionError(ValueError):
    """A definition file or object is invalid; the message names the file and each field.

    Attributes:
        source: The file name (or other label) the definition came from.
        problems: Every problem found, not just the first.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [
            f"{source}: {p.field}: {p.message}" if p.path else f"{source}: {p.message}"
            for p in self.problems
        ]
        super().__init__("\n".join(lines))

    @classmethod
    def from_validation(cls, source: str, exc: ValidationError) -> InstrumentDefinitionError:
        """Build the error from a pydantic ``ValidationError``."""
        return cls(source, problems_from_validation(exc))


class UnknownInstrumentError(KeyError):
    """No instrument with this code is registered."""

    def __init__(self, code: str, known: Sequence[str]) -> None:
        self.code = code
        self.known = list(known)
        listed = ", ".join(self.known) or "none"
        # args[0] carries the whole message so callers that print exc.args[0] get it.
        super().__init__(f"unknown instrument {code!r}; known instruments: {listed}")

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0])


class InstrumentConflictError(ValueError):
    """An instrument with this code is already registered with a different definition."""
