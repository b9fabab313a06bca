"""Running the Great Expectations suites, with results in GX-neutral terms.

Great Expectations is the engine of the data-quality profile, and it is dear: importing
it takes seconds (it loads pandas, SQLAlchemy, Altair, SciPy and PySpark's wrappers) and
each run walks every expectation's configuration in Python. So a :class:`SuiteRunner`
imports GX and builds its context only when it first has to run a suite, and each run's
results are kept in the result cache (:mod:`peerbench.io.content_cache`) under a digest
of exactly what GX would see (the view's Arrow bytes), the record type and the
thresholds: the same table is never profiled twice, and a process whose tables were all
profiled before never imports GX at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from peerbench.io.content_cache import ContentCache
from peerbench.validators.gx_suite import DEFAULT_THRESHOLDS, Thresholds, suite_name

CACHE_NAMESPACE = "gx-profile"


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome, in GX-neutral terms.

    Attributes:
        expectation: GX expectation type (``expect_column_values_to_not_be_null``).
        column: The column checked (``column_A`` for pair expectations).
        check: peerbench's name for the check (``required``, ``code``, ``rule:date-order``).
        dimension: ``completeness``, ``validity``, ``coverage`` or ``items``.
        success: GX's verdict (honours ``mostly``).
        checked: Values assessed: rows minus those GX skipped as missing (None for
            aggregate expectations such as a column mean).
        failed: Values that broke the expectation (None for aggregates).
        observed: Share passing, or the aggregate's observed value, as a percentage.
        mostly: The expectation's threshold as a percentage, if it has one.
    """

    expectation: str
    column: str | None
    check: str
    dimension: str
    success: bool
    checked: int | None
    failed: int | None
    observed: float | None
    mostly: float | None


def _result(raw: Any) -> ExpectationResult:
    config = raw.expectation_config
    kwargs = dict(config.kwargs)
    meta = dict(config.meta or {})
    result = dict(raw.result or {})
    checked: int | None = None
    failed: int | None = None
    observed: float | None = None
    if "element_count" in result:
        checked = int(result["element_count"]) - int(result.get("missing_count") or 0)
        failed = int(result.get("unexpected_count") or 0)
        observed = 100.0 * (checked - failed) / checked if checked else None
    elif result.get("observed_value") is not None:
        observed = 100.0 * float(result["observed_value"])
    mostly = kwargs.get("mostly")
    return ExpectationResult(
        expectation=str(config.type),
        column=kwargs.get("column", kwargs.get("column_A")),
        check=str(meta.get("check", "")),
        dimension=str(meta.get("dimension", "")),
        success=bool(raw.success),
        checked=checked,
        failed=failed,
        observed=observed,
        mostly=None if mostly is None else 100.0 * float(mostly),
    )


def view_digest(view: pa.Table) -> str:
    """SHA-256 of a table's schema and values (Arrow IPC bytes of its combined chunks)."""
    sink = pa.BufferOutputStream()
    table = view.combine_chunks()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


class SuiteRunner:
    """One ephemeral GX context holding the peerbench suites; build once, run many times.

    Building a context and registering suites costs far more than running them on a
    small frame, so tests and benchmarks share one runner. The context is built on the
    first run that the cache cannot answer (see the module docstring).

    Args:
        thresholds: ``mostly`` thresholds of the suites.
        cache: Where results are kept (default: the environment's,
            :meth:`ContentCache.from_env`); ``ContentCache(None)`` always runs GX.
    """

    def __init__(
        self, thresholds: Thresholds = DEFAULT_THRESHOLDS, cache: ContentCache | None = None
    ) -> None:
        self.thresholds = thresholds
        self.cache = ContentCache.from_env() if cache is None else cache
        self.gx_runs = 0
        """How many suites GX itself ran (the rest came from the cache)."""
        self._context: Any = None
        self._source: Any = None
        self._definitions: dict[str, Any] = {}

    def _build(self) -> None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        from peerbench.validators.gx_import import gx

        self._context = gx.get_context(mode="ephemeral")
        # tqdm bars on stderr for every run would drown the CLI's own output.
        self._context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self._source = self._context.data_sources.add_pandas("peerbench")

    def _definition(self, record_type: str) -> Any:
        from peerbench.validators.gx_import import gx
        from peerbench.validators.gx_suite import expectation_suite

        if self._context is None:
            self._build()
        if record_type not in self._definitions:
            asset = self._source.add_dataframe_asset(record_type)
            batch = asset.add_batch_definition_whole_dataframe(record_type)
            suite = self._context.suites.add(expectation_suite(record_type, self.thresholds))
            self._definitions[record_type] = self._context.validation_definitions.add(
                gx.ValidationDefinition(name=suite_name(record_type), data=batch, suite=suite)
            )
        return self._definitions[record_type]

    def run(self, view: pa.Table, record_type: str) -> list[ExpectationResult]:
        """Run ``record_type``'s suite on a table from
        :func:`~peerbench.validators.gx_view.gx_view` (load it whole).

        Returns:
            One result per expectation, in the suite's order.
        """
        key = None
        if self.cache.enabled:
            thresholds = dataclasses.asdict(self.thresholds)
            key = self.cache.key(CACHE_NAMESPACE, record_type, thresholds, view_digest(view))
            cached = self.cache.get_json(CACHE_NAMESPACE, key)
            if isinstance(cached, list):
                return [ExpectationResult(**item) for item in cached]
        results = self._run(view, record_type)
        if key is not None:
            self.cache.put_json(CACHE_NAMESPACE, key, [dataclasses.asdict(r) for r in results])
        return results

    def _run(self, view: pa.Table, record_type: str) -> list[ExpectationResult]:
        self.gx_runs += 1
        frame = view.to_pandas(date_as_object=False)
        definition = self._definition(record_type)
        outcome = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC")
        # GX returns results in its own order; put them back in the suite's.
        position = {e.id: i for i, e in enumerate(definition.suite.expectations)}
        raws = sorted(outcome.results, key=lambda raw: position[raw.expectation_config.id])
        return [_result(raw) for raw in raws]
