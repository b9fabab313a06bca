"""The Open Referral UK compiled schemas, and checking a document against them.

The UK profile's compiled schemas (``peerbench/directory/oruk/``, copied unmodified with
their licence and attribution) describe one service or organisation. A list endpoint
answers with a ``Page`` (the UK profile's ``schema/openapi.json``,
``components.schemas.Page``) whose ``contents`` are such objects. A document is checked
here with :mod:`jsonschema` as JSON Schema 2020-12 (the profile's OpenAPI
``jsonSchemaDialect``), formats included (``uuid``, ``uri``, ``email``, ``date-time``).

Example:
    >>> problems = check_page({"total_items": 0, "contents": []}, "service")
    >>> [p.path for p in problems][:1]
    ['(page)']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeAlias

from jsonschema import Draft202012Validator

Kind: TypeAlias = Literal["service", "organization"]
"""What a page lists."""

SCHEMA_FILES: dict[str, str] = {
    "service": "service.json",
    "service_list": "service_list.json",
    "organization": "organization.json",
    "organization_list": "organization_list.json",
}
"""Name → file in ``peerbench/directory/oruk/``."""

PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array"},
    },
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
}
"""The UK profile's ``Page`` (its OpenAPI ``components.schemas.Page``) plus ``contents``.

The profile lists the page fields without ``required``; an export written here always
has all of them, so they are required when checking one."""


@dataclass(frozen=True)
class SchemaProblem:
    """One way a document breaks an Open Referral UK schema.

    Attributes:
        path: Where, e.g. ``contents[3].organization.id`` (``(page)`` for the envelope).
        schema: Which schema said so (``page``, ``service``, ``service_list`` …).
        message: The validator's message.
    """

    path: str
    schema: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.schema} schema)"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One compiled schema by name (a key of :data:`SCHEMA_FILES`)."""
    text = resources.files("peerbench.directory").joinpath("oruk", SCHEMA_FILES[name])
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


@cache
def validator(name: str) -> Draft202012Validator:
    """A 2020-12 validator with format checking for ``page`` or a compiled schema."""
    schema = PAGE_SCHEMA if name == "page" else load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _where(prefix: str, path: Any) -> str:
    out = prefix
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(page)"


def check(document: Any, name: str, prefix: str = "") -> list[SchemaProblem]:
    """Every problem of ``document`` against one schema, in document order."""
    errors = validator(name).iter_errors(document)
    problems = [SchemaProblem(_where(prefix, e.absolute_path), name, e.message) for e in errors]
    return sorted(problems, key=lambda p: (p.path, p.message))


def schemas_for(kind: Kind) -> tuple[str, str]:
    """The full and the list schema an item of a ``kind`` page must satisfy."""
    return (kind, f"{kind}_list")


def check_page(page: Mapping[str, Any], kind: Kind) -> list[SchemaProblem]:
    """Every problem of a page of services or organisations.

    The envelope is checked against :data:`PAGE_SCHEMA`; each item of ``contents``
    against both the full compiled schema and the list schema of ``kind``; the page's
    counts against its contents (one page holds everything).
    """
    problems = check(page, "page")
    contents = page.get("contents")
    if not isinstance(contents, list):
        return problems
    for index, item in enumerate(contents):
        for name in schemas_for(kind):
            problems += check(item, name, f"contents[{index}]")
    expected = {
        "total_items": len(contents),
        "size": len(contents),
        "empty": not contents,
    }
    for key, value in expected.items():
        if key in page and page[key] != value:
            problems.append(SchemaProblem(key, "page", f"is {page[key]!r}, expected {value!r}"))
    ids = [item.get("id") for item in contents if isinstance(item, Mapping)]
    duplicates = sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1})
    for duplicate in duplicates:
        problems.append(SchemaProblem("contents", kind, f"id {duplicate} is not unique"))
    return problems
