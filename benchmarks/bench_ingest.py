"""How long does the server take to ingest a large submission, beside plain validation?

A synthetic one-organisation dataset with ``--rows`` outcome rows (default 1M) is
generated once (cached in ``bench-output/ingest/``) as Parquet. Then, in this process:

* plain validation of ``outcomes.parquet`` with the library (``validate``), and
* end-to-end ingest: upload of ``services.parquet`` + ``outcomes.parquet`` to an
  in-process server (FastAPI ``TestClient``; SQLite metadata, local Parquet pool), which
  spools, hashes, re-validates, checks ownership, writes the pool and activates it.

Prints both times and their ratio. Target: ingest < 10 s at 1M rows (exit 1 if missed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from benchmarks.common import (
    OUTPUT_DIR,
    cached_dataset,
    environment,
    human_rows,
    markdown_table,
    met_text,
    timed,
)

TARGET_SECONDS = 10.0


def dataset(rows: int, out_dir: Path) -> Path:
    """A folder with ``services.parquet`` and ``outcomes.parquet`` of one organisation."""
    from peerbench.io.tabular import FileFormat, write_table
    from peerbench.synth.config import SynthConfig
    from peerbench.synth.generator import generate

    config = SynthConfig(organisations=1, outcome_rows=rows)
    folder = out_dir / "ingest" / f"one-org-{human_rows(rows)}-{config.seed}"

    def make(target: Path) -> None:
        tables = generate(config).tables
        write_table(tables["service"], target / "services.parquet", FileFormat.PARQUET)
        write_table(tables["outcome"], target / "outcomes.parquet", FileFormat.PARQUET)

    return cached_dataset(folder, config, ["services.parquet", "outcomes.parquet"], make)


def ingest_seconds(folder: Path) -> tuple[float, dict[str, Any]]:
    """Seconds for one inline submission of the folder's files to an in-process server."""
    import pyarrow.parquet as pq
    from starlette.exceptions import StarletteDeprecationWarning

    from peerbench.api.app import create_app
    from peerbench.server.context import open_server
    from peerbench.server.db.migrate import upgrade
    from peerbench.server.db.models import Role
    from peerbench.server.isolation import start_checker
    from peerbench.server.settings import Settings
    from peerbench.server.tenancy import create_key, create_organisation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    org = str(pq.read_table(folder / "services.parquet").column("organisation_id")[0])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), background_threshold_bytes=2**40)
        upgrade(settings.resolved_database_url())
        context = open_server(settings)
        with context.db.session() as session:
            create_organisation(session, id=org, name=org)
            key = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
        files = [
            ("files", (name, (folder / name).read_bytes()))
            for name in ("services.parquet", "outcomes.parquet")
        ]
        try:
            with TestClient(create_app(settings, context=context)) as client:
                # The server starts its checker at start-up; an upload in production
                # never waits for that, so neither does the measurement.
                start_checker(wait=True)
                result = timed(
                    lambda: client.post(
                        "/v1/submissions",
                        data={"period": "2026-Q3"},
                        files=files,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                )
        finally:
            context.close()
    body: dict[str, Any] = result.value.json()
    return result.seconds, body


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 if the ingest target is missed or the data is not accepted."""
    parser = argparse.ArgumentParser(prog="bench_ingest", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Outcome rows.")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="Cache folder.")
    args = parser.parse_args(argv)

    from peerbench.validators import validate

    folder = dataset(args.rows, args.out)
    plain = timed(lambda: validate([folder / "outcomes.parquet"]))
    seconds, body = ingest_seconds(folder)
    ratio = seconds / plain.seconds if plain.seconds else None
    met = seconds < TARGET_SECONDS and body.get("status") == "accepted"
    rows = [
        ("validate outcomes.parquet (library)", args.rows, plain.seconds, None, ""),
        (
            "ingest via API (upload → pool)",
            body.get("rows", 0),
            seconds,
            None if ratio is None else round(ratio, 2),
            met_text(met),
        ),
    ]
    print(environment())
    print(
        markdown_table(("Measurement", "Rows", "Seconds", "Ratio", f"< {TARGET_SECONDS:g} s"), rows)
    )
    print(f"\nsubmission status: {body.get('status')}; ingest/validate ratio: {ratio:.2f}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
