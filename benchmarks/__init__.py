"""Benchmarks run by ``make bench`` (``python -m benchmarks``); each ``bench_*.py`` has ``main``.

They measure speed and memory against the targets in SPEC.md; they are not unit tests and
never run under pytest.
"""
