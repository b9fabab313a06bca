"""The copied Open Referral UK schemas, and that checking them can fail."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from peerbench.directory.export import page
from peerbench.directory.schemas import SCHEMA_FILES, check, check_page

EXAMPLE = Path(__file__).parent / "oruk" / "service_full.json"
"""The UK profile's own ``examples/service_full.json`` (commit ecdfabf), unmodified."""


def _oruk_folder() -> Any:
    return resources.files("peerbench.directory").joinpath("oruk")


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return loaded


def test_copies_are_unmodified_and_attributed() -> None:
    folder = _oruk_folder()
    source = folder.joinpath("SOURCE.md").read_text(encoding="utf-8")
    digests = dict(re.findall(r"\| (\S+\.json) \| [^|]+ \| `([0-9a-f]{64})` \|", source))
    assert set(digests) == set(SCHEMA_FILES.values())
    for name, digest in digests.items():
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest, name
    assert "CC BY-SA 4.0" in source and "Open Referral" in source
    assert "Attribution-ShareAlike 4.0" in folder.joinpath("LICENSE").read_text(encoding="utf-8")


def test_the_profiles_own_example_is_valid() -> None:
    assert check(_example(), "service") == []
    assert check(_example(), "service_list") == []
    assert check_page(page([_example()]), "service") == []


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"id": "svc-1"}, "contents[0].id", "is not a 'uuid'"),
        ({"status": "open"}, "contents[0].status", "is not one of"),
        ({"url": "not a uri"}, "contents[0].url", "is not a 'uri'"),
        ({"email": "nobody"}, "contents[0].email", "is not a 'email'"),
        ({"last_modified": "yesterday"}, "contents[0].last_modified", "is not a 'date-time'"),
        ({"minimum_age": "12"}, "contents[0].minimum_age", "is not of type 'number'"),
    ],
)
def test_each_kind_of_break_is_found(change: dict[str, Any], path: str, words: str) -> None:
    item = dict(_example(), **change)
    problems = check_page(page([item]), "service")
    assert {p.schema for p in problems} == {"service", "service_list"}
    assert all(p.path == path and words in p.message for p in problems), problems


def test_missing_required_and_nested_breaks_are_located() -> None:
    item = copy.deepcopy(_example())
    del item["name"]
    item["organization"]["id"] = "org-1"
    item["attributes"][0]["taxonomy_term"].pop("description")
    where = {(p.path, p.schema) for p in check_page(page([item]), "service")}
    assert ("contents[0]", "service") in where  # 'name' is a required property
    assert ("contents[0].organization.id", "service_list") in where
    assert ("contents[0].attributes[0].taxonomy_term", "service") in where


def test_the_envelope_is_checked() -> None:
    document = page([_example(), _example()])
    document["total_items"] = 3
    del document["empty"]
    messages = [str(p) for p in check_page(document, "service")]
    assert "(page): 'empty' is a required property (page schema)" in messages
    assert "total_items: is 3, expected 2 (page schema)" in messages
    assert any("is not unique" in m for m in messages)
