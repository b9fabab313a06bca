"""Server settings: the one row cap per uploaded file."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from peerbench.server.settings import Settings
from peerbench.validators.limits import DEFAULT_LIMITS


def test_one_row_cap_by_default() -> None:
    settings = Settings(dev_mode=True)
    assert settings.row_cap() == DEFAULT_LIMITS.max_rows
    assert settings.limits().max_rows == DEFAULT_LIMITS.max_rows


@pytest.mark.parametrize("name", ["PEERBENCH_MAX_ROWS_PER_FILE", "PEERBENCH_LIMIT_MAX_ROWS"])
def test_either_setting_sets_the_cap_the_files_are_read_within(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, "20000000")
    settings = Settings(dev_mode=True)
    assert settings.row_cap() == 20_000_000
    assert settings.limits().max_rows == 20_000_000


def test_both_settings_must_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERBENCH_MAX_ROWS_PER_FILE", "20000000")
    monkeypatch.setenv("PEERBENCH_LIMIT_MAX_ROWS", "5000000")
    with pytest.raises(ValidationError, match="same cap"):
        Settings(dev_mode=True)
    monkeypatch.setenv("PEERBENCH_LIMIT_MAX_ROWS", "20000000")
    assert Settings(dev_mode=True).limits().max_rows == 20_000_000
