"""The common base of every statistics result: a frozen dataclass with ``to_dict()``."""

import dataclasses
import math
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    """Convert NumPy values, nested results and containers to JSON-ready Python values.

    NaN and infinities become ``None`` because JSON has no spelling for them; a
    statistic that could not be computed (e.g. a prediction interval from two units)
    is reported as null rather than as a number.
    """
    if isinstance(value, StatsResult):
        return value.to_dict()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class StatsResult:
    """Base class: every field serialises through :meth:`to_dict`."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python, JSON-serialisable view (arrays become lists, NaN becomes None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
