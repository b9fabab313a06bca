"""The follow-up timepoints, importable without Ibis (the pandas side of the benchmark
reads them too: :mod:`peerbench.benchmarking.joint`)."""

FOLLOW_UPS = ("month_3", "month_6", "month_12", "end")
"""Follow-up timepoints that are paired with the baseline, in time order (declared here
once; :mod:`peerbench.aggregate.paired`'s Ibis expressions use the same tuple)."""
