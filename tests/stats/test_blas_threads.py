"""OpenBLAS held at one thread inside the block, restored after."""

import numpy as np
from scipy import linalg

from peerbench.stats.blas_threads import _libraries, one_blas_thread


def test_one_thread_inside_and_the_count_restored_after() -> None:
    linalg.cholesky(np.eye(2))  # SciPy's OpenBLAS is loaded
    before = [get() for get, _ in _libraries()]
    with one_blas_thread():
        assert all(get() == 1 for get, _ in _libraries())
        with one_blas_thread():
            assert all(get() == 1 for get, _ in _libraries())
        assert all(get() == 1 for get, _ in _libraries())  # the outer block still holds it
    assert [get() for get, _ in _libraries()] == before


def test_the_count_is_restored_when_the_block_raises() -> None:
    before = [get() for get, _ in _libraries()]
    try:
        with one_blas_thread():
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert [get() for get, _ in _libraries()] == before
