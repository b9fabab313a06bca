from __future__ import annotations

import pytest

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import ALL_CODELISTS, ETHNICITY_GROUP, EthnicGroup, Ethnicity


@pytest.mark.parametrize("codelist", ALL_CODELISTS, ids=lambda c: c.codelist_name())
def test_codes_are_stable_identifiers_and_spellings_unambiguous(codelist: type[CodeList]) -> None:
    codes = codelist.codes()
    assert len(set(codes)) == len(codes)
    assert all(code == code.lower() and " " not in code for code in codes)
    spellings: dict[str, str] = {}
    for member in codelist:
        for spelling in (member.value, member.label, *member.synonyms):
            key = spelling.strip().casefold()
            assert spellings.setdefault(key, member.value) == member.value, spelling
    assert codelist.__codelist_description__


def test_ethnicity_has_the_19_ons_2021_categories_and_rolls_up_to_5_groups() -> None:
    stated = [m for m in Ethnicity if m is not Ethnicity.NOT_STATED]
    assert len(stated) == 19
    groups = {ETHNICITY_GROUP[m] for m in stated}
    assert groups == {g for g in EthnicGroup if g is not EthnicGroup.NOT_STATED}
    assert ETHNICITY_GROUP[Ethnicity.BLACK_CARIBBEAN] is EthnicGroup.BLACK
    assert ETHNICITY_GROUP[Ethnicity.NOT_STATED] is EthnicGroup.NOT_STATED


def test_lookup_maps_labels_and_synonyms_to_codes() -> None:
    lookup = Ethnicity.lookup()
    assert lookup["white british"] == "white_british"
    assert lookup["  INDIAN "[2:-1].casefold()] == "asian_indian"
