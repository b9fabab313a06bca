"""Switches a command sets for the whole process it runs in (nothing heavy imported here)."""

from __future__ import annotations

compiled_checks = True
"""Whether validation may load its compiled loops (Numba) for large batches.

Loading them takes about 0.9 s once per process, which a long-lived process (the API
server, a notebook) earns back on its first million rows. A one-shot command would
not until several million rows, so the command line turns them off (``peerbench
serve`` turns them back on)."""


class _RefusePandas:
    """A finder that makes ``import pandas`` fail while it is on ``sys.meta_path``."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not loaded by this command", name=name)


def arrow_without_pandas() -> bool:
    """Stop pyarrow loading pandas for its type checks, in a process that never uses it.

    pyarrow imports pandas (0.3-0.6 s, more than pyarrow itself) the first time it makes
    an array, only to ask whether values are pandas objects. A one-shot command whose
    data never touches pandas (``peerbench validate`` without the quality profile)
    answers that question here, before pyarrow asks: pandas is refused once, pyarrow
    records "no pandas" for its probes, and the refusal is lifted at once. Anything that
    does need pandas later (``Table.to_pandas``, ``import pandas``) still loads it:
    pyarrow tries again whenever pandas is required rather than probed.

    Returns:
        True when pyarrow now skips pandas; False when pandas was already loaded (there
        is nothing to save).
    """
    import sys

    if "pandas" in sys.modules:
        return False
    finder = _RefusePandas()
    sys.meta_path.insert(0, finder)
    try:
        import pyarrow as pa

        pa.array([0])  # pyarrow's first array: its one probe for pandas happens here
    finally:
        sys.meta_path.remove(finder)
    return True


def arrow_jemalloc() -> bool:
    """Ask for jemalloc as Arrow's memory pool in this process, before pyarrow loads.

    Validating a file streams it batch by batch, and Arrow's default pool (mimalloc)
    keeps the pages of batches already freed: whole ``peerbench validate`` runs of 10M
    rows peaked at 1.59-1.63 GB resident with mimalloc and 1.26-1.50 GB with jemalloc,
    taken turn about. Arrow picks
    its pool from ``ARROW_DEFAULT_MEMORY_POOL`` once, as pyarrow loads, so this is a
    no-op once pyarrow is loaded, on Windows (its wheels have no jemalloc) and when the
    user chose a pool there.

    Returns:
        True when jemalloc was asked for.
    """
    import os
    import sys

    if "pyarrow" in sys.modules or sys.platform == "win32":
        return False
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return False
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    return True
