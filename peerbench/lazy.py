"""A package's public names, loaded from their modules on first use (PEP 562).

Several packages re-export names whose modules are slow to import (statistics, charts,
pydantic models). Each hands its table of homes to :func:`lazy_names` and gets the
module ``__getattr__`` that imports a home only when one of its names is first asked for.
Nothing heavy is imported here.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, homes: Mapping[str, str], base: str = "") -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package`` for the names in ``homes``.

    Args:
        package: The package's ``__name__``.
        homes: Each public name and the module that defines it.
        base: Put before every home (e.g. ``"peerbench.reports."`` for short homes).

    The value found is kept in the package's namespace, so later reads are plain lookups.
    """

    def load(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(base + home), name)
        setattr(sys.modules[package], name, value)
        return value

    return load
