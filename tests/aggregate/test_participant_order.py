"""Participant keys attached and rows ordered in Arrow (aggregate/participant_order.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerbench.aggregate import BenchmarkSource, compute_tables, participant_order
from peerbench.aggregate.participant_order import People

KEYS = ("participant_key", "service_id", "instrument", "timepoint")
SCHEMA = pa.schema(
    [
        ("participant_key", pa.string()),
        ("organisation_id", pa.string()),
        ("person", pa.int64()),
        ("service_id", pa.string()),
        ("instrument", pa.string()),
        ("timepoint", pa.string()),
        ("value", pa.float64()),
    ]
)

_text = st.one_of(st.none(), st.sampled_from(["a", "B", "b", "ab", "é", "", "z9"]))


@settings(max_examples=50, derandomize=True, deadline=None)
@given(
    st.lists(st.tuples(_text, _text), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), _text, _text, _text), max_size=40),
)
def test_the_order_is_pyarrows_sort_of_the_joined_table(
    people_rows: list[tuple[str | None, str | None]],
    rows: list[tuple[int, str | None, str | None, str | None]],
) -> None:
    """Byte-wise strings, nulls last: what the engine's ORDER BY gives after its join."""
    people = pa.table(
        {
            "person": pa.array(range(len(people_rows)), pa.int64()),
            "participant_key": pa.array([p for p, _ in people_rows], pa.string()),
            "organisation_id": pa.array([o for _, o in people_rows], pa.string()),
        }
    )
    rows = [r for r in rows if r[0] < len(people_rows)]
    table = pa.table(
        {
            "person": pa.array([r[0] for r in rows], pa.int64()),
            "service_id": pa.array([r[1] for r in rows], pa.string()),
            "instrument": pa.array([r[2] for r in rows], pa.string()),
            "timepoint": pa.array([r[3] for r in rows], pa.string()),
            "value": pa.array([float(i) for i in range(len(rows))], pa.float64()),
        }
    )
    ranked = People.of(people)
    assert ranked is not None
    got = ranked.attach(table, KEYS, SCHEMA)
    assert got is not None
    joined = table.join(people, "person", join_type="left outer")
    expected = joined.select(SCHEMA.names).cast(SCHEMA)
    sorted_keys = [(k, "ascending") for k in (*KEYS, "value")]  # value: ties stay in order
    assert got.equals(expected.sort_by(sorted_keys))


def test_a_person_with_two_rows_or_none_is_left_to_the_engine() -> None:
    people = pa.table(
        {"person": [1, 1], "participant_key": ["p", "p"], "organisation_id": ["o1", "o2"]}
    )
    assert People.of(people) is None
    one = People.of(people.slice(0, 1))
    assert one is not None
    missing = pa.table(
        {"person": [2], "service_id": ["s"], "instrument": ["i"], "timepoint": ["t"]}
    )
    assert one.attach(missing, KEYS, SCHEMA) is None


def test_keys_must_start_with_the_participant_key() -> None:
    people = People.of(
        pa.table({"person": [1], "participant_key": ["p"], "organisation_id": [None]})
    )
    assert people is not None
    with pytest.raises(ValueError, match="participant_key"):
        people.attach(pa.table({"person": [1]}), ("service_id",), SCHEMA)


def test_a_participant_sent_by_two_organisations_gets_the_engines_join(
    synth_tables: dict[str, pa.Table],
) -> None:
    """One participant at one service under two organisations (pooled lineage): every
    match of the engine's join is a row, in the key order, as before."""
    outcomes = BenchmarkSource.from_tables(synth_tables).read("outcome").slice(0, 2_000)
    keys = outcomes.column("participant_key").to_pylist()
    organisations = outcomes.column("_organisation_id").to_pylist()
    doubled = [
        "org-other" if key == keys[0] and i % 2 else organisation
        for i, (key, organisation) in enumerate(zip(keys, organisations, strict=True))
    ]
    index = outcomes.schema.get_field_index("_organisation_id")
    mixed = outcomes.set_column(index, "_organisation_id", pa.array(doubled, pa.string()))
    plain = compute_tables(
        BenchmarkSource.from_tables({**synth_tables, "outcome": outcomes}), include_paired=True
    )
    tables = compute_tables(
        BenchmarkSource.from_tables({**synth_tables, "outcome": mixed}), include_paired=True
    )
    for name, key in (("baselines", KEYS[:3]), ("paired", KEYS)):
        table = tables[name]
        assert table.num_rows > plain[name].num_rows, name  # that person's rows, twice
        order = [(k, "ascending") for k in key]
        assert table.select(key).equals(table.select(key).sort_by(order)), name
        one = pc.equal(table.column("participant_key"), keys[0])
        assert set(table.filter(one).column("organisation_id").to_pylist()) >= {"org-other"}


def test_a_key_too_wide_for_one_integer_is_lexsorted(monkeypatch: pytest.MonkeyPatch) -> None:
    ranks = [np.array([2, 1, 2, 1]), np.array([1, 3, 0, 3]), np.array([0, 1, 2, 0])]
    expected = np.lexsort(ranks[::-1])
    assert participant_order._order(ranks).tolist() == expected.tolist() == [3, 1, 2, 0]
    monkeypatch.setattr(participant_order, "_COMPOSITE_LIMIT", 2)
    assert participant_order._order(ranks).tolist() == expected.tolist()


@pytest.mark.parametrize("distinct", [3, 20_000])
def test_text_is_gathered_through_its_dictionary_as_a_take_would(distinct: int) -> None:
    """Few distinct strings go through a dictionary, mostly distinct ones are taken
    directly: either way the values (and nulls) of a plain take, in a chunked column."""
    rng = np.random.default_rng(7)
    values = [None if i % 11 == 0 else f"s{i % distinct}" for i in range(30_000)]
    column = pa.chunked_array([values[:12_345], values[12_345:]], pa.string())
    index = pa.array(rng.permutation(len(values)))
    gathered = participant_order._gather(column, index)
    assert gathered.to_pylist() == column.take(index).to_pylist()
    assert gathered.type == pa.string()
