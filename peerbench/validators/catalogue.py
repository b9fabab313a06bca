"""The error catalogue: every finding a validator can report, with a stable code.

Codes are part of the standard's public interface (SPEC "Error catalogue"): tools
may match on them, so a code is never renamed or reused for another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peerbench.validators.catalogue_fhir import FHIR_ENTRIES


class Severity(StrEnum):
    """Errors make a file invalid; warnings are reported but the file is accepted.

    Notes say how something was read or will be scored, when nothing needs fixing.
    """

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class CatalogueEntry:
    """One kind of finding: its code, severity, message template and fix hint.

    ``message`` may use ``{column}``, ``{value}`` and ``{detail}``.
    """

    code: str
    severity: Severity
    title: str
    message: str
    hint: str


_E, _W, _N = Severity.ERROR, Severity.WARNING, Severity.NOTE

_ENTRIES = (
    # File-level problems.
    CatalogueEntry(
        "file-unreadable",
        _E,
        "File cannot be read",
        "The file could not be read: {detail}",
        "Save the file again as CSV (UTF-8), Excel (.xlsx), JSON Lines or Parquet.",
    ),
    CatalogueEntry(
        "file-empty",
        _E,
        "File has no data",
        "The file has no data rows{detail}.",
        "Start the file with the header row (see the template), then the data; a record "
        "type you do not collect can be left out.",
    ),
    CatalogueEntry(
        "limit-exceeded",
        _E,
        "File over a size limit",
        "The file was not read to the end: {detail}.",
        "Split the data into smaller files, or ask for the limit to be raised "
        "(the message names the setting).",
    ),
    CatalogueEntry(
        "record-type-unknown",
        _E,
        "Record type not recognised",
        "Cannot tell which record type this file holds: {detail}",
        "Name the file after its record type (e.g. outcomes.csv) or use --record-type.",
    ),
    CatalogueEntry(
        "encoding-guessed",
        _W,
        "File is not UTF-8",
        "The file is not UTF-8; it was read as {detail}.",
        "Save as 'CSV UTF-8' so accented characters are kept exactly.",
    ),
    CatalogueEntry(
        "version-unsupported",
        _E,
        "Standard version not supported",
        "The file declares standard version {value}, which this tool cannot read.",
        "Upgrade peerbench, or convert the file with a version that reads it.",
    ),
    CatalogueEntry(
        "version-window-closed",
        _E,
        "Previous standard version no longer accepted",
        "The files declare standard version {value}; this server accepted it until {detail}.",
        "Upgrade them with `peerbench migrate FOLDER --out NEW_FOLDER` and submit the new folder.",
    ),
    CatalogueEntry(
        "version-migrated",
        _N,
        "Stored in the current standard version",
        "The files declare standard version {value}; they were stored as {detail}.",
        "Nothing to fix now. Upgrade your copies with `peerbench migrate` before that date.",
    ),
    CatalogueEntry(
        "formula-in-cell",
        _W,
        "Spreadsheet formula",
        "Column {column} holds a formula ({value}); its last saved value was used.",
        "Paste values instead of formulas before submitting.",
    ),
    # Columns.
    CatalogueEntry(
        "column-missing",
        _E,
        "Required column missing",
        "Required column {column} is missing{detail}.",
        "Add the column with exactly this header (see the template).",
    ),
    CatalogueEntry(
        "column-duplicate",
        _E,
        "Column appears twice",
        "Column {column} appears more than once{detail}; the file cannot be checked.",
        "Delete or rename the extra column so each header appears once.",
    ),
    CatalogueEntry(
        "column-unknown",
        _W,
        "Column not in the standard",
        "Column {column} is not part of the standard and will be ignored{detail}.",
        "Rename it to a standard header, map it in a mapping file, or delete it.",
    ),
    # Cells.
    CatalogueEntry(
        "required-missing",
        _E,
        "Required value missing",
        "{column} is required but is empty.",
        "Fill in a value; if it is not known use the code 'not_stated' where the list has one.",
    ),
    CatalogueEntry(
        "type-invalid",
        _E,
        "Wrong kind of value",
        "{column} should be {detail}, but is '{value}'.",
        "Correct the value; numbers without units, yes/no as true/false.",
    ),
    CatalogueEntry(
        "schema-invalid",
        _E,
        "Not exactly as the JSON Schema says",
        "{detail} (JSON, JSON Lines and Parquet are checked exactly against the published "
        "JSON Schema).",
        "Write the value exactly as the schema says: codes as listed (not labels, synonyms, "
        "another case or with spaces), numbers and true/false as JSON numbers and booleans, "
        "identifiers as strings, dates as YYYY-MM-DD, null only where allowed, one answer per "
        "item. To have values read leniently, submit CSV or Excel, or use a mapping.",
    ),
    CatalogueEntry(
        "date-invalid",
        _E,
        "Not a date",
        "{column} is not a valid date: '{value}'.",
        "Write dates as YYYY-MM-DD (2025-03-31) or DD/MM/YYYY (31/03/2025).",
    ),
    CatalogueEntry(
        "date-in-future",
        _E,
        "Date in the future",
        "{column} is in the future: {value}.",
        "Check the year and the day/month order.",
    ),
    CatalogueEntry(
        "code-invalid",
        _E,
        "Not an allowed value",
        "{column} must be one of the codes in its list; '{value}' is not{detail}.",
        "Use a code from the list (see the template's drop-down) or map your label to it.",
    ),
    CatalogueEntry(
        "pattern-invalid",
        _E,
        "Badly formed identifier",
        "{column} '{value}' is not in the required form{detail}.",
        "Write the value in the form the message gives (each field's form is in SPEC §3).",
    ),
    CatalogueEntry(
        "out-of-range",
        _E,
        "Value out of range",
        "{column} is {value}, outside the allowed range {detail}.",
        "Check the value was typed correctly.",
    ),
    CatalogueEntry(
        "formula-like-text",
        _W,
        "Text a spreadsheet would run as a formula",
        "{column} starts with {detail}, so a spreadsheet would run it as a formula: '{value}'.",
        "If it is meant as text, start it with a letter or digit. It is kept as sent; "
        "every CSV or Excel copy peerbench writes marks it as text.",
    ),
    CatalogueEntry(
        "identifier-detected",
        _E,
        "Looks like a personal identifier",
        "{column} appears to contain {detail}; direct identifiers must never be submitted.",
        "Delete the value: free text and extra columns must not hold email addresses, phone "
        "numbers, postcodes or NHS numbers. If the whole column holds them, leave it out; "
        "a local id is pseudonymised into participant_key (`peerbench pseudonymise`, SPEC §4).",
    ),
    # Instruments and scores.
    CatalogueEntry(
        "instrument-unknown",
        _E,
        "Unknown questionnaire",
        "Instrument '{value}' is not in the registry.",
        "Use a built-in code (see `peerbench instruments`) or register a local definition.",
    ),
    CatalogueEntry(
        "wrong-item-count",
        _E,
        "Wrong number of item responses",
        "{column}: {detail}.",
        "Give one response per question, in order, leaving missing answers empty.",
    ),
    CatalogueEntry(
        "item-out-of-range",
        _E,
        "Answer outside the questionnaire's scale",
        "{column} is {value}, outside the scale {detail}.",
        "Check the answer was copied correctly from the form.",
    ),
    CatalogueEntry(
        "too-many-missing-items",
        _W,
        "Too many unanswered questions to score",
        "{detail}; the questionnaire cannot be scored.",
        "Check the form; if questions really were left blank, keep them empty.",
    ),
    CatalogueEntry(
        "total-mismatch",
        _E,
        "Total does not match the answers",
        "total_score is {value} but {detail}.",
        "Type the score the message gives, or leave total_score empty: the standard scores "
        "each form from its answers.",
    ),
    CatalogueEntry(
        "pam-level-mismatch",
        _E,
        "PAM level does not match its score",
        "licensed_level is {value} but a score of {detail}.",
        "Copy the level and score exactly as the licensed PAM software reports them.",
    ),
    CatalogueEntry(
        "licensed-score-missing",
        _E,
        "Licensed score missing",
        "{detail} needs licensed_score from the licensor's software.",
        "Enter the score the licensed software reports; peerbench never computes it.",
    ),
    # Issue 12: identifier kinds, typed totals of answered items, record types not collected.
    CatalogueEntry(
        "identifier-column-name",
        _E,
        "Column of names",
        "{column} looks like a column of people's names; names must never be submitted.",
        "Leave names out: delete the column, or list it under a mapping's identifiers so "
        "`peerbench prepare` drops it.",
    ),
    CatalogueEntry(
        "identifier-column-date-of-birth",
        _E,
        "Column of dates of birth",
        "{column} looks like a column of dates of birth; they must never be submitted.",
        "Derive age_band at source with a mapping's date_of_birth, then leave the column out "
        "(`peerbench prepare` does both).",
    ),
    CatalogueEntry(
        "identifier-column-contact",
        _E,
        "Column of contact details",
        "{column} looks like a column of {detail}; contact details must never be submitted.",
        "Leave contact details out: delete the column, or list it under a mapping's "
        "identifiers so `peerbench prepare` drops it.",
    ),
    CatalogueEntry(
        "identifier-column-address",
        _E,
        "Column of addresses or postcodes",
        "{column} looks like a column of {detail}; addresses and postcodes must never be "
        "submitted.",
        "Leave the column out. For deprivation, look the postcode up at source and submit "
        "deprivation_decile instead.",
    ),
    CatalogueEntry(
        "identifier-column-nhs-number",
        _E,
        "Column of NHS numbers",
        "{column} looks like a column of NHS numbers; they must never be submitted.",
        "Leave the column out; if it is your local id, make it a mapping's id_column so it is "
        "pseudonymised into participant_key (`peerbench pseudonymise`, SPEC §4).",
    ),
    CatalogueEntry(
        "total-answered-sum",
        _N,
        "Total is the sum of the answered items",
        "{detail}.",
        "Nothing to fix: benchmarks use the pro-rated score. To silence this note, type the "
        "pro-rated score or leave total_score empty.",
    ),
    CatalogueEntry(
        "record-type-empty",
        _N,
        "No records of this type",
        "There are no {detail}; fine if this record type is not collected.",
        "Nothing to fix if this record type is not collected; otherwise add its rows under "
        "the header (or leave the file or sheet out).",
    ),
    # Rules inside one record (declared in peerbench.schema.rules).
    CatalogueEntry(
        "required-when",
        _E,
        "Value required here",
        "{detail}.",
        "Fill in the value the rule asks for.",
    ),
    CatalogueEntry(
        "end-date-vs-reason",
        _E,
        "End date and end reason disagree",
        "{detail}.",
        "Leave end_date empty only for ongoing support; otherwise give the end date.",
    ),
    CatalogueEntry(
        "date-order",
        _E,
        "Dates in the wrong order",
        "{detail}.",
        "Check the two dates; day and month may be swapped.",
    ),
    CatalogueEntry(
        "sessions-exceed-offered",
        _E,
        "More sessions attended than offered",
        "{detail}.",
        "Check both counts.",
    ),
    CatalogueEntry(
        "quote-without-consent",
        _E,
        "Quote without consent",
        "{detail}.",
        "Delete the free text, or record consent_to_quote = true if consent was given.",
    ),
    # Across records.
    CatalogueEntry(
        "duplicate-key",
        _E,
        "Duplicate record",
        "{detail} appears more than once (also on row {value}).",
        "Remove the duplicate row or give each record its own identifier.",
    ),
    CatalogueEntry(
        "record-conflict",
        _W,
        "Record differs from the copy sent before",
        "{column} '{value}' was sent before with different values: {detail}.",
        "A record sent again for another period must be the same record; if the earlier "
        "copy was right, correct this one and send the file again.",
    ),
    CatalogueEntry(
        "unknown-reference",
        _E,
        "Refers to something not submitted",
        "{column} '{value}' does not match any {detail}.",
        "Submit the referenced record too, or correct the identifier.",
    ),
    CatalogueEntry(
        "follow-up-before-baseline",
        _E,
        "Follow-up dated before baseline",
        "This {detail} follow-up is dated {value}, before the baseline.",
        "Check the dates and timepoints.",
    ),
    CatalogueEntry(
        "timepoint-out-of-window",
        _W,
        "Timepoint far from its expected date",
        "Marked {detail} but taken {value} days after baseline.",
        "Check the timepoint; use 'other' with days_since_start if it was off-schedule.",
    ),
    # Submission (server-side) checks.
    CatalogueEntry(
        "organisation-mismatch",
        _E,
        "Record belongs to another organisation",
        "{column} is '{value}', but this API key submits for {detail}.",
        "Submit each organisation's data with its own key, or correct the organisation_id.",
    ),
    CatalogueEntry(
        "too-many-rows",
        _E,
        "File too large",
        "The file has {value} rows, more than the {detail} allowed in one file.",
        "Split the file into smaller files and submit them together.",
    ),
    CatalogueEntry(
        "attribute-conflict",
        _E,
        "Participant details disagree",
        "{column} for this participant differs between rows ('{value}' vs {detail}).",
        "Use one value per participant.",
    ),
    # Reading an organisation's own spreadsheet through a mapping file (peerbench.intake).
    CatalogueEntry(
        "layout-title-rows",
        _N,
        "Title rows above the header",
        "Title {detail} above the header skipped.",
        "Nothing to do if they are titles. If the column names are on another row, set "
        "header_row for this sheet in the mapping file.",
    ),
    CatalogueEntry(
        "layout-blank-rows",
        _W,
        "Blank rows skipped",
        "Blank {detail} skipped.",
        "Nothing to do; blank rows are ignored. Check that no data was left out by mistake.",
    ),
    CatalogueEntry(
        "layout-summary-rows",
        _W,
        "Total or summary rows skipped",
        "Total or summary {detail} skipped (totals, not people).",
        "Nothing to do if they are totals. If one is a real participant, give it a local "
        "id that is not a word such as 'Total'.",
    ),
    CatalogueEntry(
        "layout-header-row-missing",
        _E,
        "Header row not in the sheet",
        "The mapping puts the header on row {value}, but {detail}.",
        "Set header_row to the row that holds the column names, or remove it so the "
        "header is found automatically.",
    ),
    CatalogueEntry(
        "mapping-sheet-unmapped",
        _W,
        "Sheet not in the mapping",
        "The mapping does not say what this sheet holds, so it was not read{detail}.",
        "Add the sheet under 'sheets' in the mapping file (or '*' for every other sheet), "
        "or ignore this if the sheet holds nothing to submit.",
    ),
    CatalogueEntry(
        "mapping-column-missing",
        _E,
        "Mapped column not in the sheet",
        "The mapping names column {column}, but the sheet has no such column{detail}.",
        "Write the header in the mapping file as it is in the spreadsheet (case and spaces "
        "do not matter), or remove the line.",
    ),
    CatalogueEntry(
        "mapping-columns-unmapped",
        _N,
        "Columns not used",
        "{detail} not in the mapping, so not used.",
        "Map each column to a field, list it under skip if it is not needed, or under "
        "identifiers if it names or contacts a person.",
    ),
    CatalogueEntry(
        "identifier-columns-dropped",
        _N,
        "Identifier columns dropped",
        "{detail} hold direct identifiers and were dropped; no value of them is in the output.",
        "Nothing to do: names, dates of birth and contact details never leave your computer.",
    ),
    CatalogueEntry(
        "answer-unknown",
        _E,
        "Answer not recognised",
        "{column} holds '{value}', which is not an answer of {detail}.",
        "Use the answer's number or one of the instrument's answer words, or add this word "
        "under answers in the mapping file.",
    ),
    CatalogueEntry(
        "date-of-birth-unusable",
        _E,
        "Age band not derived",
        "The date of birth in {column} cannot give an age band{detail}.",
        "Check the date of birth and the assessment date on this row (dates as the mapping's "
        "date_format says), or give the age band instead.",
    ),
)

_FHIR = tuple(CatalogueEntry(c, Severity(s), t, m, h) for c, s, t, m, h in FHIR_ENTRIES)

CATALOGUE: dict[str, CatalogueEntry] = {entry.code: entry for entry in (*_ENTRIES, *_FHIR)}
"""Every finding code, keyed by code."""


def entry(code: str) -> CatalogueEntry:
    """The catalogue entry for ``code`` (KeyError for an unknown code)."""
    return CATALOGUE[code]


NULLED_CODES = frozenset(
    {
        "type-invalid",
        "date-invalid",
        "date-in-future",
        "code-invalid",
        "pattern-invalid",
        "out-of-range",
    }
)
"""Findings about a value that was given but cannot be used: the columnar engine leaves
such cells null in the canonical rows it returns (see
:attr:`peerbench.validators.report.FileSummary.invalid_cells`)."""
