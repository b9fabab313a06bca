"""Catalogue entries for reading FHIR ``QuestionnaireResponse``s (``peerbench fhir import``).

Plain data, joined into :data:`peerbench.validators.catalogue.CATALOGUE`: code, severity,
title, message (may use ``{column}``, ``{value}``, ``{detail}``) and fix hint.
"""

from __future__ import annotations

FHIR_ENTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "fhir-input-invalid",
        "error",
        "Not a FHIR Bundle or NDJSON file",
        "The file cannot be read as FHIR resources: {detail}",
        "Give a FHIR R4 JSON Bundle (resourceType 'Bundle') or an NDJSON file with one "
        "resource per line.",
    ),
    (
        "fhir-resource-invalid",
        "error",
        "Resource is not valid FHIR R4",
        "The resource fails the FHIR R4 model: {detail}",
        "Fix the element named in the message; the FHIR specification of "
        "QuestionnaireResponse lists each element's type and cardinality.",
    ),
    (
        "fhir-response-skipped",
        "warning",
        "Response not completed",
        "The response has status '{value}', so it was not imported.",
        "Only completed (or amended) responses are outcomes; finish or remove the others.",
    ),
    (
        "fhir-questionnaire-unknown",
        "error",
        "Questionnaire not known",
        "The response answers questionnaire '{value}', which is not an instrument in the "
        "registry{detail}.",
        "Answer a questionnaire from 'peerbench fhir questionnaire' (its url is "
        "urn:peerbench:questionnaire:CODE), or register the instrument with --register.",
    ),
    (
        "fhir-linkid-unknown",
        "error",
        "Item not in the questionnaire",
        "linkId '{value}' is not an item of {detail}.",
        "Use the linkIds of the instrument's Questionnaire: item_1 … item_N, total_score "
        "(and licensed_score, licensed_level for licensed instruments).",
    ),
    (
        "fhir-answer-invalid",
        "error",
        "Answer not allowed",
        "The answer to {column} ({value}) is not allowed: {detail}.",
        "Answer with one of the item's answer options (valueCoding with its code), or a "
        "number in the item's range, once per item.",
    ),
    (
        "fhir-subject-missing",
        "error",
        "No pseudonymous subject",
        "The response has no subject identifier with system {detail}.",
        "Give subject.identifier (or a Patient in the Bundle with an identifier) in that "
        "system holding the participant's pseudonymous key; names are never read.",
    ),
    (
        "fhir-subject-invalid",
        "error",
        "Subject is not a pseudonymous key",
        "The subject identifier '{value}' is not a pseudonymous key (32 lower-case "
        "hexadecimal characters).",
        "Pseudonymise participant ids first (peerbench pseudonymise), then put the key in "
        "the subject identifier; never send a local or NHS number.",
    ),
    (
        "fhir-date-missing",
        "error",
        "No completion date",
        "The response has no full date in 'authored'{detail}.",
        "Set authored to the date the questionnaire was completed (YYYY-MM-DD or a full dateTime).",
    ),
    (
        "fhir-field-missing",
        "error",
        "Outcome field not given",
        "The response gives no {column}{detail}.",
        "Add the peerbench extension named in the message to the response, or give a "
        "default for every response on the command line (--service-id, --timepoint).",
    ),
)
