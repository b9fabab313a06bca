"""Run a block of small linear algebra on one OpenBLAS thread.

OpenBLAS splits a matrix product or triangular solve over every core once it is a few
thousand elements. The case-mix fits are many such mid-sized problems (a 38,000 × 22
design, a 5,500 × 23 QR): split over two cores, the threads spend more time waiting for
each other than computing, worse still on a loaded machine (one 1M-row benchmark's
fits took 3.1 s of CPU threaded and 0.9 s on one thread). One thread also makes the
sums' rounding independent of the machine's core count.

:func:`one_blas_thread` sets the thread count of the OpenBLAS libraries loaded in this
process (NumPy's and SciPy's, found by their exported ``*_set_num_threads`` symbols,
as threadpoolctl does) and restores it on leaving; nested or concurrent blocks hold it
at one until the last leaves. Where no OpenBLAS is found it does nothing.
"""

import contextlib
import ctypes
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

_PREFIXES = ("openblas", "scipy_openblas")
_SUFFIXES = ("", "64_")
_lock = threading.Lock()
_depth = 0
_saved: list[tuple[Callable[[int], None], int]] = []


def _libraries() -> list[tuple[Callable[[], int], Callable[[int], None]]]:
    """``(get_num_threads, set_num_threads)`` of each OpenBLAS mapped in this process."""
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:  # not Linux: leave the thread count alone
        return []
    found: list[tuple[Callable[[], int], Callable[[int], None]]] = []
    for path in sorted({line.split()[-1] for line in maps if "openblas" in line}):
        try:
            library = ctypes.CDLL(path)  # already loaded: the same handle
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype = ctypes.c_int
                    put.argtypes = [ctypes.c_int]
                    found.append((get, put))
    return found


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with OpenBLAS on one thread, then restore the previous count."""
    global _depth
    with _lock:
        if _depth == 0:
            _saved[:] = [(put, int(get())) for get, put in _libraries()]
            for put, _ in _saved:
                put(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for put, count in _saved:
                    put(count)
