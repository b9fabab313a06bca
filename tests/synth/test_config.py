"""Config validation, the reference preset and independent random streams."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pydantic import ValidationError

from peerbench.synth.config import SynthConfig, stream


def test_reference_preset() -> None:
    config = SynthConfig.reference()
    assert (config.seed, config.organisations, config.outcome_rows) == (20260101, 12, 30_000)
    assert config.as_of == dt.date(2026, 9, 30)
    assert config.error_rate == 0.0


@pytest.mark.parametrize(
    "bad",
    [{"outcome_rows": -1}, {"organisations": 0}, {"error_rate": 1.5}, {"seed": -1}],
)
def test_invalid_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SynthConfig.model_validate(bad)


def test_streams_are_reproducible_and_independent() -> None:
    assert np.array_equal(stream(1, "a").random(5), stream(1, "a").random(5))
    assert not np.array_equal(stream(1, "a").random(5), stream(1, "b").random(5))
    assert not np.array_equal(stream(1, "a").random(5), stream(2, "a").random(5))
