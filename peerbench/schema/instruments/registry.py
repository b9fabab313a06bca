"""The instrument registry: built-in definitions plus any a user registers.

Built-in instruments are YAML files shipped inside the package (``definitions/``), read
with the same loader a user's own file goes through, so the format is proven by use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from peerbench.schema.instruments.errors import (
    InstrumentConflictError,
    InstrumentDefinitionError,
    Problem,
    UnknownInstrumentError,
)

if TYPE_CHECKING:  # PyYAML and pydantic load when a definition is parsed, not before
    from peerbench.schema.instruments.definition import InstrumentDefinition

_YAML_SUFFIXES = {".yaml", ".yml"}


def parse_definition(
    text: str, source: str, *, fmt: str = "yaml", trusted: bool = False
) -> InstrumentDefinition:
    """Parse and validate one definition from YAML or JSON text.

    Args:
        text: The file's contents.
        source: Name used in error messages, usually the file name.
        fmt: ``"yaml"`` or ``"json"``.
        trusted: A definition shipped with peerbench, parsed with libyaml where available.

    Returns:
        The validated definition.

    Raises:
        InstrumentDefinitionError: if the text is not valid YAML/JSON or the definition
            is invalid; the message names ``source`` and each field with a problem.
    """
    import yaml
    from pydantic import ValidationError

    from peerbench.schema.instruments.definition import InstrumentDefinition

    # libyaml's safe loader, where PyYAML was built with it, reads the built-in files 20
    # times faster; a user's own file keeps the pure-Python loader's error messages.
    fast: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: Any
    try:
        if fmt == "json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=fast if trusted else yaml.SafeLoader)
    except json.JSONDecodeError as exc:
        problem = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise InstrumentDefinitionError(source, [Problem((), problem)]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problem = f"invalid YAML{where}: {reason}"
        raise InstrumentDefinitionError(source, [Problem((), problem)]) from exc
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        problem = f"must contain a mapping of definition fields, got {kind}"
        raise InstrumentDefinitionError(source, [Problem((), problem)])
    try:
        return InstrumentDefinition.model_validate(data)
    except ValidationError as exc:
        raise InstrumentDefinitionError.from_validation(source, exc) from exc


def load_definition(path: str | Path) -> InstrumentDefinition:
    """Read one definition file (``.yaml``, ``.yml`` or ``.json``).

    Raises:
        InstrumentDefinitionError: if the file type is unsupported or its content invalid.
        OSError: if the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES | {".json"}:
        problem = f"unsupported file type {suffix or '(none)'!r}: use .yaml, .yml or .json"
        raise InstrumentDefinitionError(path.name, [Problem((), problem)])
    fmt = "json" if suffix == ".json" else "yaml"
    return parse_definition(path.read_text(encoding="utf-8"), path.name, fmt=fmt)


def builtin_definitions() -> list[InstrumentDefinition]:
    """Load every built-in definition shipped in ``peerbench/schema/instruments/definitions``."""
    from importlib import resources  # with tempfile, shutil ...: not for builtin_registry

    folder = resources.files("peerbench.schema.instruments") / "definitions"
    out: list[InstrumentDefinition] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if Path(entry.name).suffix in _YAML_SUFFIXES:
            text = entry.read_text(encoding="utf-8")
            out.append(parse_definition(text, entry.name, trusted=True))
    return out


class InstrumentRegistry:
    """Instrument definitions by code.

    Registering a code that is already present with a *different* definition raises
    ``InstrumentConflictError`` unless ``replace=True``, so a local file can never
    silently change how a built-in instrument is scored. Re-registering an identical
    definition is a no-op.
    """

    def __init__(self, definitions: Iterable[InstrumentDefinition] = ()) -> None:
        self._definitions: dict[str, InstrumentDefinition] = {}
        self._builtin: set[str] = set()
        for definition in definitions:
            self.register(definition)

    def register(self, definition: InstrumentDefinition, *, replace: bool = False) -> None:
        """Add a definition.

        Args:
            definition: A validated definition.
            replace: Allow replacing an existing, different definition with the same code.

        Raises:
            InstrumentConflictError: if the code exists with a different definition and
                ``replace`` is false.
        """
        existing = self._definitions.get(definition.code)
        if existing is not None and existing != definition and not replace:
            kind = "a built-in instrument" if definition.code in self._builtin else "registered"
            raise InstrumentConflictError(
                f"{definition.code} is already {kind} with a different definition; "
                "use another code for a local variant, or pass replace=True"
            )
        self._definitions[definition.code] = definition
        if existing is not None and existing != definition:
            self._builtin.discard(definition.code)

    def register_file(self, path: str | Path, *, replace: bool = False) -> InstrumentDefinition:
        """Load a YAML or JSON definition file and register it.

        Returns:
            The registered definition.

        Raises:
            InstrumentDefinitionError: if the file is malformed or the definition invalid.
            InstrumentConflictError: see ``register``.
        """
        definition = load_definition(path)
        self.register(definition, replace=replace)
        return definition

    def load_builtin(self) -> None:
        """Register every built-in instrument."""
        for definition in builtin_definitions():
            self.register(definition)
            self._builtin.add(definition.code)

    def is_builtin(self, code: str) -> bool:
        """Whether ``code`` currently holds the built-in definition."""
        return code in self._builtin

    def get(self, code: str) -> InstrumentDefinition:
        """Return the definition for ``code`` (case-insensitive).

        Raises:
            UnknownInstrumentError: a ``KeyError`` whose message lists the known codes.
        """
        definition = self._definitions.get(code.strip().upper())
        if definition is None:
            raise UnknownInstrumentError(code, self.codes())
        return definition

    def answer_code(self, code: str, label: str) -> int | None:
        """The response code of answer word ``label`` for instrument ``code``, or None.

        Uses the instrument's ``response_labels`` (case- and space-insensitive), so an
        instrument registered from a user's file gets answers as words too.

        Raises:
            UnknownInstrumentError: ``code`` is not registered.
        """
        return self.get(code).answer_code(label)

    def codes(self) -> list[str]:
        """Registered codes in alphabetical order."""
        return sorted(self._definitions)

    def __iter__(self) -> Iterator[InstrumentDefinition]:
        return (self._definitions[code] for code in self.codes())

    def __len__(self) -> int:
        return len(self._definitions)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.strip().upper() in self._definitions


@cache
def default_registry() -> InstrumentRegistry:
    """The process-wide registry holding the built-in instruments.

    It is created once and shared; instruments registered on it are seen by every
    caller. Build a fresh ``InstrumentRegistry`` for isolated use (e.g. in tests).
    """
    registry = InstrumentRegistry()
    registry.load_builtin()
    return registry


@cache
def builtin_registry() -> InstrumentRegistry:
    """A registry of the built-in instruments as frozen copies, loaded without pydantic.

    For code that only reads definitions (validation, scoring): the copies have the
    models' attributes and derived views but no pydantic methods, and registering a
    model beside them never finds it equal to a copy. Use :func:`default_registry`
    for anything else.
    """
    from peerbench.schema.instruments.builtin_table import DEFINITIONS

    # Frozen copies stand in for the models wherever a definition is only read.
    definitions = cast("tuple[InstrumentDefinition, ...]", DEFINITIONS)
    registry = InstrumentRegistry(definitions)
    registry._builtin.update(d.code for d in definitions)
    return registry


def reading_registry() -> InstrumentRegistry:
    """The registry for code that only reads definitions and was given none.

    :func:`default_registry` once this process has made it (instruments registered on
    it must be seen), else :func:`builtin_registry`, which loads without pydantic.
    """
    if default_registry.cache_info().currsize:
        return default_registry()
    return builtin_registry()
