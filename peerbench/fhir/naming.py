"""The names peerbench gives things in FHIR: canonical URLs, identifier systems, linkIds.

peerbench owns no web domain, so every name it defines is a URN in its own namespace
(``urn:peerbench:…``): a valid FHIR ``uri``/``canonical`` that never pretends to be an
address one could fetch. SPEC "FHIR R4" lists them.
"""

from __future__ import annotations

import re
import uuid

QUESTIONNAIRE_BASE = "urn:peerbench:questionnaire:"
"""``Questionnaire.url`` is this plus the instrument code (``urn:peerbench:questionnaire:PHQ9``)."""

ANSWER_SYSTEM_BASE = "urn:peerbench:answers:"
"""Code system of an instrument's answer options: this plus the code; the codes are the
response codes (``"0"`` … ``"3"`` for PHQ-9), the displays the published answer words."""

PARTICIPANT_KEY_SYSTEM = "urn:peerbench:participant-key"
"""Identifier system of the pseudonymous participant key (``subject.identifier``)."""

RECORD_ID_SYSTEM = "urn:peerbench:record-id"
"""Identifier system of an outcome's ``record_id`` (``QuestionnaireResponse.identifier``)."""

EXTENSION_BASE = "urn:peerbench:fhir:extension:"
SERVICE_EXTENSION = EXTENSION_BASE + "service-id"
TIMEPOINT_EXTENSION = EXTENSION_BASE + "timepoint"
DAYS_EXTENSION = EXTENSION_BASE + "days-since-start"
MODE_EXTENSION = EXTENSION_BASE + "mode"
"""Outcome fields FHIR has no element for travel as extensions with these URLs."""

MIN_VALUE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/maxValue"
"""FHIR core extensions giving a numeric item's lowest and highest allowed answer."""

LOINC_SYSTEM = "http://loinc.org"

LOINC_PANELS: dict[str, tuple[str, str]] = {
    "PHQ9": ("44249-1", "PHQ-9 quick depression assessment panel"),
    "GAD7": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
}
"""Instrument code → (LOINC code, display) of its LOINC panel. Only codes known for
certain are listed: an instrument without one exports with no code, never a guessed one."""

ITEM_PREFIX = "item_"
TOTAL_SCORE = "total_score"
LICENSED_SCORE = "licensed_score"
LICENSED_LEVEL = "licensed_level"
"""linkIds: ``item_1`` … ``item_N`` (as the CSV columns), then the score items."""

_NOT_ID = re.compile(r"[^A-Za-z0-9\-.]")


def questionnaire_url(code: str) -> str:
    """The canonical URL of instrument ``code``'s Questionnaire."""
    return QUESTIONNAIRE_BASE + code


def questionnaire_id(code: str) -> str:
    """A FHIR ``id`` for instrument ``code`` (FHIR ids allow no ``_``: it becomes ``-``)."""
    return _NOT_ID.sub("-", code)


def answer_system(code: str) -> str:
    """The code system of instrument ``code``'s answer options."""
    return ANSWER_SYSTEM_BASE + code


def item_link_id(number: int) -> str:
    """The linkId of item ``number`` (1-based)."""
    return f"{ITEM_PREFIX}{number}"


def entry_full_url(record_id: str) -> str:
    """A Bundle ``fullUrl`` for a record: a UUID derived from its ``record_id``, so the
    same outcomes always give the same Bundle."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, RECORD_ID_SYSTEM + ':' + record_id)}"
