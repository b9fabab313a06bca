"""Stata (``.dta``) and SPSS (``.sav``) copies of an extract's files, with labels.

Each record type's Parquet file becomes ``<stem>.dta`` and/or ``<stem>.sav``, written
with pyreadstat in the flattened form of the CSV (``item_1 … item_N``, ``themes``
joined by ``;``). Variable labels are the field meanings of the standard's models;
value labels come from the code lists, so nothing is typed by hand:

- SPSS keeps every code as its text (``female``) with the code list's label attached
  as a value label (``Female``), so values are the same as in the CSV.
- Stata cannot label text, so a coded column is stored as a number: the code's
  position (from 1) in its code list, labelled with the code's label. The code list
  order is given in ``data_dictionary.md``.
- Yes/no columns are 0/1 labelled ``no``/``yes`` in both.
- SPSS names may not start with ``_``: the lineage columns (``_period`` …) are named
  ``src_period`` … in ``.sav`` files (their variable label gives the CSV name).

Neither format has a missing text value, so an empty text cell is read back as ``""``;
numbers and dates keep their missing values (system missing).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peerbench.extracts.columns import extra_columns
from peerbench.extracts.datapackage import table_schema
from peerbench.io.atomic import atomic_path
from peerbench.io.tabular import to_flat
from peerbench.schema.codelist_base import CodeList
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES

FORMATS = ("dta", "sav")
"""The statistical formats an extract can also be written in."""
STATA_LABEL_LENGTH = 80
"""Stata's longest variable label."""
SPSS_LABEL_LENGTH = 255
BOOLEAN_LABELS = {0: "no", 1: "yes"}
LINEAGE_PREFIX = "src"


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"dta,sav"`` (or a list) → ``("dta", "sav")``, in a fixed order.

    Raises:
        ValueError: a format that is not ``dta`` or ``sav``.
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    wanted = {p.strip().lower().lstrip(".") for p in parts if p.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; use dta, sav or both")
    return tuple(f for f in FORMATS if f in wanted)


def codelists(record_type: str) -> dict[str, type[CodeList]]:
    """Column → the code list its single code comes from (lists of codes excluded)."""
    found = {
        spec.name: spec.codelist
        for spec in field_specs(RECORD_TYPES[record_type])
        if spec.codelist is not None and spec.kind == "code"
    }
    found.update({c.name: c.codelist for c in extra_columns(record_type) if c.codelist})
    return found


def spss_name(name: str) -> str:
    """An SPSS variable name: ``_period`` → ``src_period``; others unchanged."""
    return f"{LINEAGE_PREFIX}{name}" if name.startswith("_") else name


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labelled(
    record_type: str, table: pa.Table, file_format: str
) -> tuple[dict[str, Any], set[str], dict[str, str | None], dict[str, dict[Any, str]]]:
    """Columns (name → values), which are numeric, variable and value labels for one file.

    Args:
        record_type: e.g. ``"participant"``.
        table: The record type's rows in the flattened (CSV) form.
        file_format: ``"dta"`` or ``"sav"``.
    """
    fields = {
        f["name"]: f for f in table_schema(record_type, table.column_names, flat=True)["fields"]
    }
    lists = codelists(record_type)
    limit = STATA_LABEL_LENGTH if file_format == "dta" else SPSS_LABEL_LENGTH
    columns: dict[str, Any] = {}
    numeric: set[str] = set()
    variable_labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    for name in table.column_names:
        column = table.column(name)
        target = spss_name(name) if file_format == "sav" else name
        meaning = fields[name]["description"]
        if target != name:
            meaning = f"{meaning} (CSV column {name})"
        variable_labels[target] = _clip(meaning, limit)
        codelist = lists.get(name)
        kind = column.type
        if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
            numeric.add(target)
        if pa.types.is_boolean(column.type):
            values: list[Any] = pc.cast(column, pa.int8()).to_pylist()
            value_labels[target] = dict(BOOLEAN_LABELS)
        elif codelist is not None and file_format == "dta":
            position = {code: i for i, code in enumerate(codelist.codes(), start=1)}
            values = [None if v is None else position[v] for v in column.to_pylist()]
            value_labels[target] = {position[m.value]: m.label for m in codelist}
            numeric.add(target)
        elif codelist is not None:
            values = column.to_pylist()
            value_labels[target] = {m.value: m.label for m in codelist}
        else:
            values = column.to_pylist()
        columns[target] = values
    return columns, numeric, variable_labels, value_labels


def _frame(columns: dict[str, Any], numeric: set[str]) -> Any:
    """A pandas frame: numbers as int64 (float64 when some are missing), the rest objects."""
    import pandas as pd

    series = {}
    for name, values in columns.items():
        if name in numeric:
            missing = any(v is None for v in values)
            floats = [float("nan") if v is None else v for v in values]
            series[name] = pd.Series(floats, dtype="float64" if missing else None)
            if not missing and all(float(v).is_integer() for v in values):
                series[name] = series[name].astype("int64")
        else:
            series[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(series)


def write_file(
    record_type: str, table: pa.Table, path: Path, file_format: str, *, file_label: str
) -> None:
    """Write one record type's flattened rows as ``.dta`` or ``.sav`` (atomically, 0600)."""
    import pyreadstat

    columns, numeric, variable_labels, value_labels = labelled(record_type, table, file_format)
    frame = _frame(columns, numeric)
    with atomic_path(path) as tmp:
        if file_format == "dta":
            pyreadstat.write_dta(
                frame,
                str(tmp),
                file_label=_clip(file_label, STATA_LABEL_LENGTH),
                column_labels=variable_labels,
                variable_value_labels=value_labels,
                version=15,
            )
        else:
            pyreadstat.write_sav(
                frame,
                str(tmp),
                file_label=file_label,
                column_labels=variable_labels,
                variable_value_labels=value_labels,
            )
        tmp.chmod(0o600)


def write_statistical(folder: Path, formats: Iterable[str], *, extract_id: str) -> list[Path]:
    """Write ``.dta``/``.sav`` beside every record type's Parquet file in ``folder``.

    Returns:
        The paths written, in record-type order.
    """
    wanted = parse_formats(formats)
    written = []
    for record_type, model in RECORD_TYPES.items():
        source = folder / f"{model.file_stem}.parquet"
        if not wanted or not source.exists():
            continue
        flat = to_flat(pq.read_table(source))
        for file_format in wanted:
            path = folder / f"{model.file_stem}.{file_format}"
            label = f"peerbench extract {extract_id}: {record_type} records"
            write_file(record_type, flat, path, file_format, file_label=label)
            written.append(path)
    return written
