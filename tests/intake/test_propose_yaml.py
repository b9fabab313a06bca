"""The YAML writer: every header comes back exactly as written, comments never break it."""

from __future__ import annotations

import pytest
import yaml

from peerbench.intake.propose_model import Block, Said, SheetProposal
from peerbench.intake.propose_yaml import render, scalar
from peerbench.validators.mapping import _StringLoader

TRICKY = [
    "Q1: I've been feeling optimistic",
    "Score #1",
    "Yes",
    "no",
    "3m total",
    "Client's gender",
    "Gender – self described",
    '"Quoted"',
    "- dash first",
    "Q{n} start",
    "null",
    "~",
    "[brackets]",
    "a: b # c",
    "trailing colon:",
    "01",
    "Ünïcödé",
]


@pytest.mark.parametrize("text", TRICKY)
def test_scalars_read_back_as_the_same_text(text: str) -> None:
    assert yaml.load(f"key: {scalar(text)}\n", Loader=_StringLoader) == {"key": text}
    assert yaml.safe_load(f"{scalar(text)}: value\n") == {text: "value"}


def test_a_whole_sheet_of_tricky_headers_reads_back() -> None:
    block = Block("participants")
    for header in TRICKY:
        block.columns[header] = Said("sex", "unsure", f"header '{header}' # not a comment")
    sheet = SheetProposal(key="Sheet: one", file="f.csv", sheet=None, blocks=[block])
    sheet.todos.append("a TODO that is long enough to be wrapped " * 5)
    text = render([sheet], files=["f.csv"], constants={}, date_format=None, todos=[],
                  notes=[], left_out=[])  # fmt: skip
    data = yaml.load(text, Loader=_StringLoader)
    assert list(data["sheets"]["Sheet: one"]["participants"]["columns"]) == TRICKY
    assert all(len(line) <= 100 for line in text.splitlines() if line.lstrip().startswith("#"))
    assert "(1 left)" in text
