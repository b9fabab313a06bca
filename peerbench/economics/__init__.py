"""Economic value of peer support, always shown with its assumptions and uncertainty.

* :func:`service_use_value`: annualised change in NHS contacts and their cost (how:
  :class:`ServiceUseOptions`).
* :func:`wellbeing_value`: change in life satisfaction valued in WELLBYs.
* :class:`CostTable` and :class:`DeflatorSeries`: the replaceable data files behind
  them (``peerbench/economics/data``).

Every result's ``to_dict()`` carries an ``assumptions`` block: table versions, each
unit cost or WELLBY value with its source and price year, the deflator, the target
price year, the attribution fraction, n, and how the interval was computed.
"""

from peerbench.economics.costs import DEFAULT_VERSION, RANGE_FRACTION, CostTable, UnitCost
from peerbench.economics.deflators import DeflatorSeries
from peerbench.economics.errors import DataFileError, DataFileIssue
from peerbench.economics.estimate import Estimate
from peerbench.economics.service_use import (
    ITEM_COSTS,
    ServiceUseAssumptions,
    ServiceUseResult,
    service_use_value,
)
from peerbench.economics.service_use_options import ServiceUseOptions
from peerbench.economics.wellby import (
    WellbyAssumptions,
    WellbyParameters,
    WellbyResult,
    wellbeing_value,
)

__all__ = [
    "DEFAULT_VERSION",
    "ITEM_COSTS",
    "RANGE_FRACTION",
    "CostTable",
    "DataFileError",
    "DataFileIssue",
    "DeflatorSeries",
    "Estimate",
    "ServiceUseAssumptions",
    "ServiceUseOptions",
    "ServiceUseResult",
    "UnitCost",
    "WellbyAssumptions",
    "WellbyParameters",
    "WellbyResult",
    "service_use_value",
    "wellbeing_value",
]
