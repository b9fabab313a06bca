"""Read-only copies of instrument definitions that need no pydantic to load.

Validating a file reads every built-in definition; building them as pydantic models
(importing pydantic, generating their schemas, parsing the YAML) was most of a one-shot
``peerbench validate``'s start-up. ``builtin_table.py`` holds the built-in definitions
as :class:`FrozenDefinition` objects, generated from the YAML through the pydantic
models (which stay the one source of truth; a test fails when the table is stale).
A frozen definition has the model's attributes, with the same values and types, and
its derived views; it has no pydantic methods (``model_dump`` ...).
"""

from __future__ import annotations

from typing import Any, NoReturn

from peerbench.schema.instruments import views


class Frozen:
    """A read-only bag of attributes: one block of a definition (a band, the scoring ...)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not set: say so as attribute access would.
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside, as in the models

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


class FrozenDefinition(Frozen):
    """A whole instrument definition, with the derived views of ``InstrumentDefinition``."""

    def items(self) -> list[Frozen]:
        """One block per item, numbered from 1, overrides and reverse flags applied."""
        return views.items(self, Frozen)

    def answer_code(self, label: str) -> int | None:
        """The response code of an answer word, or None."""
        return views.answer_code(self, label)

    def raw_range(self) -> tuple[int, int]:
        """Lowest and highest possible sum of all items."""
        return views.raw_range(self)

    def derived_score_range(self) -> tuple[float, float] | None:
        """The score range implied by the items and method, where one is implied."""
        return views.derived_score_range(self)

    def score_range(self) -> tuple[float, float] | None:
        """The declared ``(score_min, score_max)``, or None when no total score exists."""
        return views.score_range(self)

    def subscale(self, name: str) -> Any:
        """The subscale called ``name`` (KeyError if there is none)."""
        return views.subscale(self, name)
