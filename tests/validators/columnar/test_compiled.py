"""The compiled loops agree with their NumPy twins; without Numba, NumPy does the work."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from peerbench import runtime
from peerbench.schema.fields import ID_PATTERN, PARTICIPANT_KEY_PATTERN
from peerbench.validators.columnar import compiled, text
from peerbench.validators.columnar.cross_records import days_since_baseline


def _days_since(
    ids: list[int], baseline: list[bool], days: list[int], *, loop: bool
) -> list[int | None]:
    bound = max(ids, default=0) + 1
    previous = compiled.COMPILED_MIN_ROWS
    compiled.COMPILED_MIN_ROWS = 0 if loop else 10**9
    try:
        since, has = days_since_baseline(
            np.array(ids, dtype=np.int32),
            bound,
            np.array(baseline, dtype=np.bool_),
            np.array(days, dtype=np.int32),
        )
    finally:
        compiled.COMPILED_MIN_ROWS = previous
    return [int(d) if h else None for d, h in zip(since, has, strict=True)]


@pytest.mark.parametrize("loop", [False, True])
def test_days_since_the_earliest_baseline(loop: bool) -> None:
    ids = [0, 0, 1, 0, 2, 1, 0]
    baseline = [True, False, False, True, False, True, False]
    days = [100, 130, 50, 90, 10, 40, 95]
    # Group 0 has baselines on days 100 and 90: the earliest counts. Group 2 has none.
    assert _days_since(ids, baseline, days, loop=loop) == [None, 40, 10, None, None, None, 5]


@pytest.mark.parametrize("seed", range(8))
def test_the_compiled_days_since_baseline_agrees_with_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    ids = rng.integers(0, max(1, n // 3), size=n).tolist()
    baseline = (rng.random(n) < 0.3).tolist()
    days = rng.integers(-500, 500, size=n).tolist()
    assert _days_since(ids, baseline, days, loop=True) == _days_since(
        ids, baseline, days, loop=False
    )


def test_without_numba_no_loop_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled.forget()
    monkeypatch.setitem(sys.modules, "peerbench.validators.columnar.kernels_jit", None)
    try:
        assert compiled.kernel("days_since_baseline") is None
        assert _days_since([0, 0], [True, False], [1, 3], loop=True) == [None, 2]
    finally:
        compiled.forget()


@pytest.mark.parametrize("pattern", [ID_PATTERN, PARTICIPANT_KEY_PATTERN, "^[a-z][a-z0-9]{1,3}$"])
@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_byte_pattern_agrees_with_numpy(pattern: str, seed: int) -> None:
    byte_pattern = text.byte_pattern(pattern)
    assert byte_pattern is not None
    rng = np.random.default_rng(seed)
    alphabet = [*"aZ09_.-", "", " ", "é", "f", "3", "x" * 70]
    cells = [
        None if rng.random() < 0.05 else "".join(rng.choice(alphabet, rng.integers(0, 6)))
        for _ in range(2000)
    ]
    cells += ["a", "", "0" * 32, "ab", "12", "a1b2", "a1b2c"]
    array = pa.array(cells, pa.string()).slice(int(rng.integers(0, 5)))
    previous = compiled.COMPILED_MIN_ROWS
    compiled.COMPILED_MIN_ROWS = 0
    try:
        loop = byte_pattern.matches(array)
    finally:
        compiled.COMPILED_MIN_ROWS = previous
    np.testing.assert_array_equal(loop, byte_pattern.matches_numpy(array))
    expected = [
        c is not None and re.fullmatch(pattern[1:-1], c) is not None for c in array.to_pylist()
    ]
    assert loop.tolist() == expected


def test_turned_off_no_loop_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "compiled_checks", False)
    assert compiled.kernel("summarise_rows") is None
    assert not compiled.worth_it(10**9)


def test_a_one_shot_command_turns_them_off(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from peerbench.cli.main import cli

    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "org.key")])
    assert result.exit_code == 0, result.output
    assert runtime.compiled_checks is False
