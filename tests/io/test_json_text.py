"""Fast JSON text: the same value as the standard library, and its fallbacks."""

from __future__ import annotations

import json
import math

import pytest

from peerbench.io.json_text import dumps_indented, loads

VALUE = {
    "name": "Café Ålesund",
    "rows": [{"n": 12, "mean": 2.85, "tiny": 1e-05, "none": None, "ok": True}],
    "empty": {"list": [], "dict": {}},
}


def test_indented_text_reads_back_as_the_same_value() -> None:
    text = dumps_indented(VALUE)
    assert json.loads(text) == VALUE
    assert text.splitlines()[1] == '  "name": "Café Ålesund",'  # two spaces, UTF-8 kept


def test_integers_beyond_64_bits_fall_back_to_the_standard_library() -> None:
    big = {"n": 2**70}
    assert json.loads(dumps_indented(big)) == big


def test_loads_reads_what_the_standard_library_writes_including_nan() -> None:
    assert loads(json.dumps(VALUE)) == VALUE
    assert math.isnan(loads(json.dumps({"x": float("nan")}))["x"])
    with pytest.raises(ValueError):
        loads(b"{not json")
