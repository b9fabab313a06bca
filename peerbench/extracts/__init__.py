"""Researcher extracts: harmonised, consented, re-keyed and documented row-level data.

Example:
    >>> manifest = build_extract(  # doctest: +SKIP
    ...     tables, project="study-1", extract_id=new_extract_id(), salt=secret,
    ...     out_dir=Path("extract/"))
    >>> manifest.row_counts["participant"]  # doctest: +SKIP
    812

Modules: :mod:`~peerbench.extracts.harmonise` (canonical columns, lineage, ethnic
group), :mod:`~peerbench.extracts.consent` (which rows may leave),
:mod:`~peerbench.extracts.rekey` (per-extract pseudonyms),
:mod:`~peerbench.extracts.datapackage` and :mod:`~peerbench.extracts.documents`
(generated documentation), :mod:`~peerbench.extracts.build` (the atomic write),
:mod:`~peerbench.extracts.archive` (zip for the API), :mod:`~peerbench.extracts.sources`
(where the rows come from), :mod:`~peerbench.extracts.pool` (an extract of a server's
current pool) and :mod:`~peerbench.extracts.secret` (the server secret).
"""

from peerbench.extracts.build import build_extract, new_extract_id, prepare
from peerbench.extracts.manifest import ExtractManifest

__all__ = ["ExtractManifest", "build_extract", "new_extract_id", "prepare"]
