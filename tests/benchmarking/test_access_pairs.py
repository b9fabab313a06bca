"""Referrals matched to engagements and participants on integer pair codes equal the
match on the text pair (``participant_key``, ``service_id``) they replaced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from peerbench.benchmarking import access
from peerbench.benchmarking.key_codes import key_codes
from tests.budget import examples

KEYS = st.sampled_from(["p1", "p2", "p3", None])
SERVICES = st.sampled_from(["s1", "s2", None])
DAYS = st.integers(0, 12).map(lambda d: dt.date(2025, 1, 1) + dt.timedelta(days=d))


def _text_match(refs: pd.DataFrame, engagements: pd.DataFrame, day: pd.Timestamp) -> Any:
    """The match on the text pair, as it was written before the pair codes (reference)."""
    engagements = engagements[engagements["start_date"].notna()]
    eng = engagements[["participant_key", "service_id", "start_date", "sessions_attended"]].copy()
    eng["end_reason"] = engagements["end_reason"].astype(object)
    eng["start"] = pd.to_datetime(engagements["start_date"]).dt.normalize()
    keys = ["participant_key", "service_id"]
    ordered = refs.sort_values([*keys, "_referred"])
    ordered["_next"] = ordered.groupby(keys)["_referred"].shift(-1)
    joined = ordered[[*keys, "_ref", "_referred", "_next"]].merge(eng, on=keys)
    inside = (joined["start"] >= joined["_referred"]) & (
        joined["_next"].isna() | (joined["start"] < joined["_next"])
    )
    inside &= joined["start"] <= day
    first = joined[inside].sort_values(["_ref", "start"]).drop_duplicates("_ref")
    out = refs[["_ref"]].merge(
        first[["_ref", "sessions_attended", "end_reason"]], on="_ref", how="left"
    )
    return out.rename(columns={"sessions_attended": "sessions"})


@settings(max_examples=examples(400, 60), deadline=None)
@example(  # a missing key has no next referral (groupby drops it), yet merges match it
    refs=[(None, "s1", dt.date(2025, 1, 1)), (None, "s1", dt.date(2025, 1, 3))],
    engs=[(None, "s1", dt.date(2025, 1, 4), 2, "completed")],
)
@given(
    refs=st.lists(st.tuples(KEYS, SERVICES, DAYS), min_size=1, max_size=12),
    engs=st.lists(
        st.tuples(KEYS, SERVICES, DAYS, st.integers(0, 5), st.sampled_from(["completed", "x"])),
        min_size=1,
        max_size=12,
    ),
)
def test_the_pair_code_match_equals_the_text_match(
    refs: list[tuple[Any, ...]], engs: list[tuple[Any, ...]]
) -> None:
    day = pd.Timestamp(2025, 1, 10)
    referrals = pd.DataFrame(refs, columns=["participant_key", "service_id", "referral_date"])
    referrals = referrals.astype({"participant_key": "str", "service_id": "str"})
    referrals.loc[[r[0] is None for r in refs], "participant_key"] = np.nan
    referrals.loc[[r[1] is None for r in refs], "service_id"] = np.nan
    referrals["_referred"] = pd.to_datetime(referrals["referral_date"]).dt.normalize()
    referrals["_ref"] = np.arange(len(referrals))
    engagements = pd.DataFrame(
        engs,
        columns=["participant_key", "service_id", "start_date", "sessions_attended", "end_reason"],
    )
    engagements.loc[[e[0] is None for e in engs], "participant_key"] = np.nan
    engagements.loc[[e[1] is None for e in engs], "service_id"] = np.nan
    codes = key_codes([referrals, engagements])
    coded = access._engagement_match(
        referrals.assign(_pair=codes[0]), engagements.assign(_pair=codes[1]), day
    )
    pd.testing.assert_frame_equal(coded, _text_match(referrals, engagements, day))


def test_pairs_are_equal_exactly_when_both_keys_are_including_missing_ones() -> None:
    a = pd.DataFrame(
        {"participant_key": ["p1", "p1", None, "p2"], "service_id": ["s1", "s2", "s1", None]}
    )
    b = pd.DataFrame({"participant_key": [None, "p2", "p1"], "service_id": ["s1", None, "s2"]})
    left, right = key_codes([a, b])
    assert [int(x) for x in right] == [left[2], left[3], left[1]]
    assert len(set(left.tolist())) == 4
