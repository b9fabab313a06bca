"""A bounded, deterministic sample of canonical rows, kept whole per participant.

The data-quality profile needs canonical rows, but holding every row of a 10-million
row submission would cost gigabytes. Rows are kept when their participant's *bucket*
(the first four hex digits of the pseudonymous key, uniform because keys are HMAC
output) is below a limit that halves whenever the sample grows past twice its target.
A participant's rows are therefore all kept or all dropped, so follow-up coverage
measured on the sample is an unbiased estimate of the whole file's. Record types
without participant keys (organisations, services) are small and kept whole, up to the
target.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BUCKETS = 1 << 16

_HEX = np.zeros(256, dtype=np.int64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX[_c] = 10 + _i


def participant_buckets(keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Bucket 0..65535 of each key from its first four hex digits (missing key → 0)."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if pa.types.is_dictionary(keys.type):
        keys = keys.dictionary_decode()
    prefix = pc.utf8_rpad(pc.utf8_slice_codeunits(pc.fill_null(keys, ""), 0, 4), 4, "0")
    prefix = pa.array(prefix.to_numpy(zero_copy_only=False), pa.binary(4))
    digits = np.frombuffer(prefix.buffers()[1], dtype=np.uint8)[: 4 * len(prefix)]
    values = _HEX[digits].reshape(-1, 4)
    buckets: np.ndarray = values @ np.array([4096, 256, 16, 1], dtype=np.int64)
    return buckets


class ParticipantSampler:
    """Collects at most about ``2 × target_rows`` rows of one record type."""

    def __init__(self, target_rows: int) -> None:
        if target_rows < 1:
            raise ValueError("target_rows must be at least 1")
        self.target_rows = target_rows
        self.limit = BUCKETS
        self._parts: list[tuple[pa.Table, np.ndarray | None]] = []
        self._rows = 0

    def add(self, table: pa.Table) -> None:
        """Offer a batch of canonical rows."""
        if "participant_key" not in table.column_names:
            room = 2 * self.target_rows - self._rows
            if room > 0:
                self._keep(table.slice(0, room), None)
            return
        buckets = participant_buckets(table.column("participant_key"))
        keep = buckets < self.limit
        self._keep(table.filter(pa.array(keep)), buckets[keep])
        while self._rows > 2 * self.target_rows and self.limit > 1:
            self.limit //= 2
            parts, self._parts, self._rows = self._parts, [], 0
            for part, part_buckets in parts:
                assert part_buckets is not None  # only keyed parts grow past the target
                keep = part_buckets < self.limit
                self._keep(part.filter(pa.array(keep)), part_buckets[keep])

    def _keep(self, table: pa.Table, buckets: np.ndarray | None) -> None:
        if table.num_rows:
            self._parts.append((table, buckets))
            self._rows += table.num_rows

    @property
    def fraction(self) -> float:
        """Share of participants kept (1.0 until the sample had to shrink)."""
        return self.limit / BUCKETS

    def table(self, schema: pa.Schema) -> pa.Table:
        """The sampled rows (an empty table of ``schema`` when none)."""
        if not self._parts:
            return schema.empty_table()
        return pa.concat_tables([part for part, _ in self._parts], promote_options="default")
