"""``runtime.arrow_without_pandas``: pyarrow skips pandas, and pandas still works after.

Each check runs in a fresh interpreter: whether pandas is loaded is process state.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from peerbench.synth import SynthConfig, generate


def _run(code: str) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_arrays_are_made_without_loading_pandas() -> None:
    result = _run(
        "import json, sys\n"
        "from peerbench import runtime\n"
        "skipped = runtime.arrow_without_pandas()\n"
        "import pyarrow as pa, pyarrow.compute as pc, numpy as np\n"
        "pc.fill_null(pa.array(np.array([1.0, np.nan])), 0.0)\n"
        "print(json.dumps({'skipped': skipped, 'pandas': 'pandas' in sys.modules}))"
    )
    assert result == {"skipped": True, "pandas": False}


def test_without_the_call_pyarrow_loads_pandas() -> None:
    """What the call saves: pyarrow's first array loads pandas otherwise."""
    result = _run(
        "import json, sys\nimport pyarrow as pa\npa.array([0])\n"
        "print(json.dumps({'pandas': 'pandas' in sys.modules}))"
    )
    assert result == {"pandas": True}


def test_pandas_still_works_afterwards() -> None:
    result = _run(
        "import json\n"
        "from peerbench import runtime\n"
        "runtime.arrow_without_pandas()\n"
        "import pyarrow as pa\n"
        "frame = pa.table({'a': [1, 2]}).to_pandas()\n"
        "back = pa.Table.from_pandas(frame, preserve_index=False)\n"
        "again = runtime.arrow_without_pandas()\n"
        "print(json.dumps({'sum': int(frame['a'].sum()), 'rows': back.num_rows,"
        " 'again': again}))"
    )
    assert result == {"sum": 3, "rows": 2, "again": False}


def test_validation_reports_the_same_without_pandas(tmp_path: Path) -> None:
    table = generate(SynthConfig(outcome_rows=3_000, organisations=2, seed=7))["outcome"]
    bad = table.set_column(
        table.column_names.index("timepoint"),
        "timepoint",
        pa.array(["never", *table.column("timepoint").to_pylist()[1:]]),
    )
    path = tmp_path / "outcomes.parquet"
    pq.write_table(bad, path)
    code = (
        "import json, sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from peerbench import runtime\n"
        "{skip}"
        "from peerbench.validators import validate\n"
        f"report = validate([Path({str(path)!r})], today=dt.date(2026, 10, 1))\n"
        "print(json.dumps({{'report': report.to_dict(), 'pandas': 'pandas' in sys.modules}}))"
    )
    plain = _run(code.format(skip=""))
    fast = _run(code.format(skip="runtime.arrow_without_pandas()\n"))
    assert fast["pandas"] is False
    assert fast["report"] == plain["report"]
    assert plain["report"]["valid"] is False  # type: ignore[index]


def _pool(before: str, env: dict[str, str] | None = None) -> dict[str, object]:
    import os

    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    code = (
        "import json\n"
        f"{before}\n"
        "from peerbench import runtime\n"
        "asked = runtime.arrow_jemalloc()\n"
        "import pyarrow as pa\n"
        "print(json.dumps({'asked': asked, 'pool': pa.default_memory_pool().backend_name}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**environment, **(env or {})},
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_validation_asks_for_jemalloc_before_pyarrow_loads() -> None:
    assert _pool("") == {"asked": True, "pool": "jemalloc"}


def test_a_pool_the_user_chose_is_kept() -> None:
    assert _pool("", {"ARROW_DEFAULT_MEMORY_POOL": "system"}) == {
        "asked": False,
        "pool": "system",
    }


def test_once_pyarrow_is_loaded_the_pool_stays() -> None:
    assert _pool("import pyarrow") == {"asked": False, "pool": "mimalloc"}
