"""Instrument definitions as FHIR R4 ``Questionnaire`` resources.

Every instrument in the registry, built-in or registered from a user's file, becomes a
Questionnaire from its definition alone: one item per questionnaire item (linkId
``item_N``), answer options from the instrument's ``response_labels`` (code = the
response code, display = the published answer word) or, for instruments answered with
numbers, an integer item bounded with the ``minValue``/``maxValue`` extensions; then a
``total_score`` item, and for licensed instruments the licensor's score and level.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from peerbench.fhir import naming
from peerbench.fhir.models import validation_errors
from peerbench.schema.instruments import InstrumentDefinition, ItemDefinition, ScoringMethod


class FhirModelError(ValueError):
    """A resource peerbench built failed the FHIR model (a bug: it is never expected)."""


def answer_options(definition: InstrumentDefinition, item: ItemDefinition) -> dict[int, str]:
    """Response code → answer word for ``item``, or empty when it is answered with a number.

    The words are used only when they name every response code of the item's range
    exactly once (the first word listed wins for a code named twice).
    """
    words: dict[int, str] = {}
    for word, code in definition.response_labels.items():
        words.setdefault(code, word)
    if set(words) != set(range(item.min, item.max + 1)):
        return {}
    return dict(sorted(words.items()))


_ITEM_TABLES: dict[
    int, tuple[InstrumentDefinition, list[tuple[ItemDefinition, dict[int, str]]]]
] = {}


def item_table(definition: InstrumentDefinition) -> list[tuple[ItemDefinition, dict[int, str]]]:
    """Each item of ``definition`` with its :func:`answer_options`, built once per definition.

    Definitions are frozen, so the table is kept by identity (a definition holds dicts, so
    it cannot be hashed) and reused for every response of the instrument.
    """
    cached = _ITEM_TABLES.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    table = [(item, answer_options(definition, item)) for item in definition.items()]
    _ITEM_TABLES[id(definition)] = (definition, table)
    return table


def licensed_levels(definition: InstrumentDefinition) -> int:
    """How many levels a licensed instrument's level takes (cut points + 1, or 4)."""
    return len(definition.levels.cut_points) + 1 if definition.levels is not None else 4


def _bounds(low: float | int, high: float | int, kind: str) -> list[dict[str, Any]]:
    return [
        {"url": naming.MIN_VALUE_EXTENSION, kind: low},
        {"url": naming.MAX_VALUE_EXTENSION, kind: high},
    ]


def _question(definition: InstrumentDefinition, item: ItemDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {"linkId": naming.item_link_id(item.number), "text": item.label}
    options = answer_options(definition, item)
    if options:
        system = naming.answer_system(definition.code)
        out["type"] = "choice"
        out["answerOption"] = [
            {"valueCoding": {"system": system, "code": str(code), "display": word}}
            for code, word in options.items()
        ]
    else:
        out["type"] = "integer"
        out["extension"] = _bounds(item.min, item.max, "valueInteger")
    return out


def _score_items(definition: InstrumentDefinition) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "linkId": naming.TOTAL_SCORE,
            "text": "Total score as the organisation computed it",
            "type": "decimal",
        }
    ]
    if definition.scoring.method is ScoringMethod.LICENSED:
        low, high = definition.score_range() or (0.0, 100.0)
        items.append(
            {
                "linkId": naming.LICENSED_SCORE,
                "text": "Score from the licensor's software",
                "type": "decimal",
                "required": True,
                "extension": _bounds(low, high, "valueDecimal"),
            }
        )
        items.append(
            {
                "linkId": naming.LICENSED_LEVEL,
                "text": "Level from the licensor's software",
                "type": "integer",
                "extension": _bounds(1, licensed_levels(definition), "valueInteger"),
            }
        )
    return items


def questionnaire(definition: InstrumentDefinition) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of one instrument, checked against the FHIR model.

    Raises:
        FhirModelError: if the resource fails the model (never expected).
    """
    description = definition.description.strip()
    source = f"Source: {definition.source.strip()}"
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": naming.questionnaire_id(definition.code),
        "url": naming.questionnaire_url(definition.code),
        "version": definition.version,
        "name": definition.code,
        "title": definition.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"{description}\n\n{source}" if description else source,
        "copyright": " ".join(
            part for part in (definition.licence, definition.copyright or "") if part
        ),
    }
    if definition.code in naming.LOINC_PANELS:
        loinc, display = naming.LOINC_PANELS[definition.code]
        resource["code"] = [{"system": naming.LOINC_SYSTEM, "code": loinc, "display": display}]
    resource["item"] = [_question(definition, item) for item in definition.items()] + _score_items(
        definition
    )
    errors = validation_errors(resource)
    if errors:
        raise FhirModelError(f"Questionnaire {definition.code}: " + "; ".join(errors))
    return resource


def write_questionnaires(definitions: Iterable[InstrumentDefinition], out_dir: Path) -> list[Path]:
    """Write one ``CODE.questionnaire.json`` per instrument into ``out_dir`` (created).

    Returns:
        The files written, in the order given.
    """
    from peerbench.io.atomic import atomic_path

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for definition in definitions:
        path = out_dir / f"{definition.code}.questionnaire.json"
        text = json.dumps(questionnaire(definition), indent=2, ensure_ascii=False) + "\n"
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(path)
    return written
