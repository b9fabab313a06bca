"""Reading a local table to pseudonymise: hostile files are refused before expanding."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.intake.pseudonymise import LocalTableError, read_table
from tests.corpus.build import BUILDERS


def test_a_workbook_over_a_limit_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    path = tmp_path / "participants.xlsx"
    BUILDERS["xlsx-declared-strings"](path)
    with pytest.raises(LocalTableError, match="max_shared_strings"):
        read_table(path)


def test_a_parquet_file_over_a_limit_is_refused_from_its_footer(tmp_path: Path) -> None:
    path = tmp_path / "participants.parquet"
    pq.write_table(pa.table({f"c{i}": [1] for i in range(1_001)}), path)
    with pytest.raises(LocalTableError, match="max_columns"):
        read_table(path)


def test_an_ordinary_workbook_is_read(tmp_path: Path) -> None:
    path = tmp_path / "participants.xlsx"
    BUILDERS["xlsx-duplicate-header"](path)
    table, sheet = read_table(path)
    assert sheet == "participants" and table.num_rows == 1
