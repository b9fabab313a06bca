"""The follow-up timepoints, importable without Ibis (the pandas side of the benchmark
reads them too: :mod:`peerbench.benchmarking.joint`)."""

FOLLOW_UPS = ("month_3", "month_6", "month_12", "end")
"""Follow-up timepoints that are paired with the baseline, in time order (the same as
:data:`peerbench.aggregate.paired.FOLLOW_UPS`, which the Ibis expressions use; a test
keeps the two equal)."""
