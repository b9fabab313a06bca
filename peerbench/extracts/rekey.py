"""Re-keying: every extract gets its own pseudonyms, so two extracts cannot be linked.

The pool holds each participant under the key made at source (SPEC §4). An extract
replaces it with a second keyed hash, made with a secret of its own:

* ``extract_secret = HMAC-SHA256(server_secret, "peerbench-extract-v1:" + extract_id)``,
  where the server secret never leaves the pool server and ``extract_id`` is new for
  every extract;
* ``participant_key' = first 32 hex digits of HMAC-SHA256(extract_secret, participant_key)``,
  made exactly as :func:`peerbench.schema.pseudonym.participant_key` makes the original
  keys, so the new key has the standard's form (``^[0-9a-f]{32}$``) and a participant's
  rows still link *within* the extract;
* record identifiers that are the same in every extract (``record_id`` of outcomes and
  ``feedback_id`` of feedback) are replaced the same way under a separate label
  (``"record:"``), since an unchanged row id would let two extracts be joined row by
  row and so their participant keys matched up.

Without the server secret a re-keyed value cannot be reversed or matched to the pool,
and the same participant has unrelated keys in two extracts.

The hashing is per distinct value: each column is dictionary-encoded, its distinct
values hashed, and the codes mapped back column-wise.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

from peerbench.schema.pseudonym import participant_keys

EXTRACT_LABEL = b"peerbench-extract-v1:"
RECORD_LABEL = b"record:"
MIN_SECRET_BYTES = 16

REKEYED_IDS: dict[str, tuple[str, ...]] = {
    "participant": ("participant_key",),
    "engagement": ("participant_key",),
    "outcome": ("participant_key", "record_id"),
    "service_use": ("participant_key",),
    "feedback": ("participant_key", "feedback_id"),
}
"""Record type → the columns re-keyed in an extract."""


def extract_secret(server_secret: bytes, extract_id: str) -> bytes:
    """The secret of one extract, derived from the server's secret and the extract id.

    Raises:
        ValueError: the server secret is shorter than 16 bytes or the id is empty.
    """
    if len(server_secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the server secret must be at least {MIN_SECRET_BYTES} bytes")
    if not extract_id:
        raise ValueError("an extract needs an id")
    message = EXTRACT_LABEL + extract_id.encode("utf-8")
    return hmac.new(server_secret, message, hashlib.sha256).digest()


def _record_ids(values: list[str], secret: bytes) -> list[str]:
    # No normalisation here: record ids are case-sensitive, unlike local participant ids.
    return [
        hmac.new(secret, RECORD_LABEL + v.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        for v in values
    ]


def _rekey_column(column: pa.ChunkedArray, secret: bytes, *, participant: bool) -> pa.Array:
    distinct = pc.unique(column.drop_null())
    values: list[str] = distinct.to_pylist()
    hashed = participant_keys(values, secret) if participant else _record_ids(values, secret)
    return pc.take(pa.array(hashed, pa.string()), pc.index_in(column, value_set=distinct))


def rekey(table: pa.Table, record_type: str, secret: bytes) -> pa.Table:
    """``table`` with its linkable identifiers replaced under ``secret`` (nulls kept).

    Args:
        table: A harmonised table of ``record_type``.
        record_type: e.g. ``"outcome"``.
        secret: From :func:`extract_secret`.
    """
    for name in REKEYED_IDS.get(record_type, ()):
        column = table.column(name)
        new = _rekey_column(column, secret, participant=name == "participant_key")
        table = table.set_column(table.column_names.index(name), table.field(name), new)
    return table
