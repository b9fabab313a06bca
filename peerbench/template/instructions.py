"""The plain-English steps on the template's Instructions sheet."""

from __future__ import annotations

from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION


def instruction_lines() -> list[str]:
    """One line per row of the Instructions sheet (headings in capitals)."""
    sheets = ", ".join(model.file_stem for model in RECORD_TYPES.values())
    return [
        f"Peer Support Outcomes Standard {STANDARD_VERSION}: data template",
        "",
        "BEFORE YOU START",
        "Never put names, addresses, postcodes, dates of birth, phone numbers, email "
        "addresses or NHS numbers in this workbook. The checker rejects them.",
        "Replace your own participant ids with pseudonymous keys first: "
        "`peerbench keygen --out our-secret.key` once, then "
        "`peerbench pseudonymise contacts.csv --key-file our-secret.key --column client_id "
        "--out participants.csv`. Keep the key file secret and never send it to anyone.",
        "",
        "FILLING IN",
        f"1. There is one sheet per kind of record: {sheets}. Fill only the ones you collect; "
        "leave the others with just their header row (or delete them). The check notes "
        "each one left empty; that is not an error.",
        "2. Keep the header row exactly as it is. One row per record, no blank rows between.",
        "3. Hover over a header to read what the column means. The 'Data dictionary' sheet "
        "lists every column, whether it is required, and its rules.",
        "4. Columns with a drop-down take a code from the list. Columns marked true/false "
        "take true or false.",
        "5. Write dates as YYYY-MM-DD, for example 2025-03-31.",
        "6. In the outcomes sheet put each questionnaire answer in its own column, item_1, "
        "item_2 and so on, in the order the questions are asked. Leave unanswered ones empty.",
        "7. In the feedback sheet, themes can hold several codes separated by ';' "
        "(for example connection;hope).",
        "",
        "CHECKING",
        "8. Save the workbook, then check it: `peerbench validate this-file.xlsx`. "
        "Add `--format html --out report.html` for a printable report.",
        "9. Fix every error the report lists (each comes with how to fix it), then check again. "
        "Warnings are worth a look but do not stop you submitting; notes only say how the "
        "data was read.",
        "",
        "SENDING",
        "10. Send only data that passes the check. Never send the key file or any file that "
        "still holds original ids.",
    ]
