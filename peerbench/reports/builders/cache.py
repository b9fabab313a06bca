"""The expensive inputs of a report, kept in the result cache between runs.

Each ``peerbench report`` process builds one report, and every kind starts from the
same costly figures: the raw benchmark (seconds of statistics), its disclosure-
controlled view (seconds more: attack checks on every published table) and the
participant-level aggregates. For a folder of files they are kept in the result cache
(:mod:`peerbench.io.content_cache`):

* the raw benchmark and the aggregates under :func:`inputs_key`: the folder, the content
  digests of its files and the benchmark options (the same parts as
  :func:`peerbench.benchmarking.result_cache.benchmark_key`);
* each controlled view under the raw benchmark's key, the policy's values and the
  viewing organisation (:func:`controlled_view`);
* each finished report (its HTML and key figures, :func:`report_page`) under the same
  key, the kind, the service, the names and the production date: a report asked for
  again on unchanged files is read back, not built.

A pooled store's data (a server data directory) is not cached here: its reads are the
server's to cache. Whatever comes from the cache is what the computation returned:
results round-trip through :meth:`BenchmarkResult.to_dict`/``from_dict`` and tables
through Arrow IPC, both exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from peerbench.benchmarking.result import BenchmarkOptions, BenchmarkResult
from peerbench.benchmarking.result_cache import benchmark_key
from peerbench.io.content_cache import ContentCache

if TYPE_CHECKING:
    from peerbench.reports.builders.inputs import ReportData

RAW = "report-raw"
CONTROLLED = "report-controlled"
TABLES = "report-tables"
PAGES = "report-page"


def inputs_key(cache: ContentCache, folder: Path, options: BenchmarkOptions) -> str | None:
    """The key of a folder's report inputs, or None when they are not cached."""
    return benchmark_key(cache, folder, options, None)


def raw_benchmark(
    cache: ContentCache, key: str | None, compute: Callable[[], BenchmarkResult]
) -> BenchmarkResult:
    """The raw benchmark stored under ``key``, else ``compute()`` (then stored)."""
    if key is not None:
        stored = cache.get_json(RAW, key)
        if isinstance(stored, dict):
            return BenchmarkResult.from_dict(stored)
    result = compute()
    if key is not None:
        cache.put_json(RAW, key, result.to_dict())
    return result


def tables(
    cache: ContentCache, key: str | None, compute: Callable[[], dict[str, pa.Table]]
) -> dict[str, pa.Table]:
    """Named Arrow tables stored under ``key``, else ``compute()`` (then stored)."""
    if key is not None:
        stored = cache.get(TABLES, key, ".arrow")
        if stored is not None:
            try:
                return _from_ipc(stored)
            except (pa.ArrowInvalid, KeyError, ValueError):
                pass  # an unreadable entry is a miss
    computed = compute()
    if key is not None:
        cache.put(TABLES, key, _to_ipc(computed), ".arrow")
    return computed


def _to_ipc(named: dict[str, pa.Table]) -> bytes:
    """Each table as its own Arrow IPC stream, after a header stream naming them and
    giving their lengths (the header's length first, 8 bytes little-endian)."""
    blobs = []
    for table in named.values():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        blobs.append(sink.getvalue().to_pybytes())
    index = pa.table({"name": list(named), "size": [len(b) for b in blobs]})
    head = pa.BufferOutputStream()
    with pa.ipc.new_stream(head, index.schema) as writer:
        writer.write_table(index)
    header = bytes(head.getvalue().to_pybytes())
    return len(header).to_bytes(8, "little") + header + b"".join(blobs)


def _from_ipc(data: bytes) -> dict[str, pa.Table]:
    size = int.from_bytes(data[:8], "little")
    index = pa.ipc.open_stream(pa.py_buffer(data[8 : 8 + size])).read_all()
    out: dict[str, pa.Table] = {}
    offset = 8 + size
    for name, length in zip(index["name"].to_pylist(), index["size"].to_pylist(), strict=True):
        chunk = pa.py_buffer(data[offset : offset + length])
        out[str(name)] = pa.ipc.open_stream(chunk).read_all()
        offset += length
    if offset != len(data):
        raise ValueError("trailing bytes in a cached table entry")
    return out


def controlled_view(
    data: ReportData,
    viewer_organisation_id: str | None = None,
    *,
    cache: ContentCache | None = None,
) -> BenchmarkResult:
    """``controlled(data.raw, data.policy, viewer_organisation_id=...)``, cached when the
    raw benchmark came from the cache's key (``data.inputs_key``), or the caller's own
    view when it keeps them (:attr:`ReportData.views`: the server's benchmarks)."""
    if data.views is not None:
        return data.views(viewer_organisation_id)
    cache = ContentCache.from_env() if cache is None else cache
    key = None
    if data.inputs_key is not None and cache.enabled:
        policy = data.policy.model_dump(mode="json")
        key = cache.key(CONTROLLED, data.inputs_key, policy, viewer_organisation_id)
        stored = cache.get_json(CONTROLLED, key)
        if isinstance(stored, dict):
            return BenchmarkResult.from_dict(stored)
    # Imported here: disclosure control pulls in the statistics (SciPy).
    from peerbench.benchmarking.disclose import controlled

    result = controlled(data.raw, data.policy, viewer_organisation_id=viewer_organisation_id)
    if key is not None:
        cache.put_json(CONTROLLED, key, result.to_dict())
    return result


def report_page(
    folder: Path,
    kind: str,
    service_id: str | None = None,
    *,
    network_name: str = "the network",
    produced_on: dt.date | None = None,
    cache: ContentCache | None = None,
) -> tuple[str, dict[str, Any]]:
    """The rendered HTML and key figures of one report of ``folder``'s data.

    Answered from the result cache when the same report of the same files (same
    options, kind, service, names and production date, same code) was built before,
    without loading, validating or building anything; else built with
    :func:`~peerbench.reports.builders.write.build` from :func:`load_report_data`
    (whose own inputs are cached as described above) and stored.

    Raises:
        KeyError: ``service_id`` is not a service in the data.
        FileNotFoundError: ``folder`` is not a folder or holds no outcomes.
    """
    cache = ContentCache.from_env() if cache is None else cache
    day = produced_on or dt.date.today()
    base = inputs_key(cache, Path(folder), BenchmarkOptions()) if Path(folder).is_dir() else None
    key = None
    if base is not None:
        key = cache.key(PAGES, base, kind, service_id, network_name, day.isoformat())
        stored = cache.get_json(PAGES, key)
        if isinstance(stored, dict) and isinstance(stored.get("html"), str):
            return stored["html"], dict(stored.get("figures") or {})
    from peerbench.reports.warm import start_renderer

    start_renderer()  # the chart renderer boots while the figures are computed
    # Imported here: building a report loads the statistics, Altair and the validators.
    from peerbench.reports.builders.figures import key_figures
    from peerbench.reports.builders.inputs import load_report_data
    from peerbench.reports.builders.write import build
    from peerbench.reports.render import render_html

    data = load_report_data(folder, network_name=network_name, produced_on=day)
    content = build(data, kind, service_id)
    page, figures = render_html(content), key_figures(content)
    if key is not None:
        cache.put_json(PAGES, key, {"html": page, "figures": figures})
    return page, figures
