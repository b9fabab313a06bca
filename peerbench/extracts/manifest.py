"""What :func:`peerbench.extracts.build_extract` made: ids, counts and files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from peerbench.schema.records import RECORD_TYPES_BY_STEM


class ExtractManifest(BaseModel):
    """One written extract.

    Attributes:
        extract_id: The extract's id (it seeds the extract's own participant keys).
        project: The approved research project.
        created: When the extract was made (UTC).
        standard_version: The standard the files follow.
        row_counts: Record type → rows written (the same in the CSV and Parquet file).
        files: File names in the extract folder.
        path: The extract folder.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    extract_id: str
    project: str
    created: dt.datetime
    standard_version: str
    row_counts: dict[str, int]
    files: list[str]
    path: Path

    @property
    def total_rows(self) -> int:
        """Rows over every record type."""
        return sum(self.row_counts.values())


def read_manifest(folder: Path) -> ExtractManifest:
    """The manifest of an extract folder, read back from its ``datapackage.json``.

    Raises:
        ValueError: the folder holds no readable extract descriptor.
    """
    path = folder / "datapackage.json"
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
        counts = {
            RECORD_TYPES_BY_STEM[Path(r["path"]).stem].record_type: int(r["x-rows"])
            for r in package["resources"]
            if r.get("format") == "csv" and Path(r["path"]).stem in RECORD_TYPES_BY_STEM
        }
        return ExtractManifest(
            extract_id=package["id"],
            project=package["x-project"],
            created=dt.datetime.fromisoformat(package["created"]),
            standard_version=package["x-standard-version"],
            row_counts=counts,
            files=sorted(p.name for p in folder.iterdir() if p.is_file()),
            path=folder,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{folder} does not hold a peerbench extract: {exc}") from None
