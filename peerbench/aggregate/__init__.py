"""The aggregation engine: benchmark tables as Ibis expressions, on DuckDB or Spark.

Data flow: a :class:`BenchmarkSource` (pooled-store files or a plain folder) is read
into Arrow with lineage (:mod:`~peerbench.aggregate.lineage`); outcomes are scored once
with the instrument registry (:func:`score_outcomes`); the Ibis expressions
(:mod:`~peerbench.aggregate.expressions`) then run on DuckDB (default) or Spark
(``peerbench[spark]``, imported only when asked for).

Example:
    >>> from peerbench.synth import SynthConfig, generate
    >>> source = BenchmarkSource.from_tables(generate(SynthConfig(organisations=2,
    ...     outcome_rows=500)).tables)
    >>> compute_tables(source)["service_outcomes"].num_rows > 0
    True
"""

from peerbench.aggregate.compute import TABLE_KEYS, compute_tables
from peerbench.aggregate.parameters import PARAMETERS_SCHEMA, instrument_parameters
from peerbench.aggregate.scoring import SCORED_SCHEMA, score_outcomes
from peerbench.aggregate.sources import BenchmarkSource

__all__ = [
    "PARAMETERS_SCHEMA",
    "SCORED_SCHEMA",
    "TABLE_KEYS",
    "BenchmarkSource",
    "compute_tables",
    "instrument_parameters",
    "score_outcomes",
]
