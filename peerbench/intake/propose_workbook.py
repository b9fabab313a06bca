"""Rules across the sheets of a workbook (or the files of one proposal)."""

from __future__ import annotations

from collections.abc import Sequence

from peerbench.intake.propose_model import Said, SheetProposal


def one_home_per_record_type(sheets: Sequence[SheetProposal]) -> None:
    """A record type a sheet is named for comes from that sheet only.

    A *Members* sheet's "Date joined" would otherwise make a second, incomplete set of
    engagements beside the *Attendance* sheet's. Blocks with questionnaire columns, or
    with more than two columns, are kept: that is a sheet of one row per person. A date
    column set aside this way becomes the date the age is taken at.
    """
    homes = {sheet.hint for sheet in sheets if sheet.hint and sheet.block(sheet.hint)}
    for sheet in sheets:
        for block in list(sheet.blocks):
            if block.stem == sheet.hint or block.stem not in homes:
                continue
            if block.instrument or block.timepoints or len(block.columns) > 2:
                continue
            sheet.blocks.remove(block)
            home = next(s.key for s in sheets if s.hint == block.stem)
            listed = ", ".join(f"'{h}'" for h in block.columns)
            sheet.notes.append(f"{block.stem} come from sheet '{home}'; {listed} not used here")
            dates = [h for h, said in block.columns.items() if said.value.endswith("date")]
            if sheet.date_of_birth is not None and dates and sheet.date_of_birth_at is None:
                sheet.date_of_birth_at = Said(dates[0], "likely", "the age is taken at this date")
                sheet.skip.update(
                    {h: Said(h, "likely", "not used here") for h in block.columns if h != dates[0]}
                )
            else:
                sheet.skip.update({h: Said(h, "likely", "not used here") for h in block.columns})
    for sheet in sheets:
        if sheet.date_of_birth is not None and sheet.date_of_birth_at is None:
            used = {s.value for b in sheet.blocks for s in b.columns.values()}
            wide = any(tp.date for b in sheet.blocks for tp in b.timepoints.values())
            if not wide and not used & {"start_date", "date_administered"}:
                sheet.todos.append(
                    "date_of_birth: no start or questionnaire date on this sheet to take the "
                    "age at: add at: with a date column, or a fixed date (2026-03-31)"
                )
