"""One options object for both service-use entry points; keywords change its fields."""

from __future__ import annotations

import dataclasses

import pytest

from peerbench.economics import DeflatorSeries, ServiceUseOptions, service_use_value
from peerbench.economics.service_use import service_use_savings
from tests.economics.test_economics_service_use import _many_services

FLAT = DeflatorSeries(version="flat", source="test", index={2014: 100.0, 2016: 100.0})
OPTIONS = ServiceUseOptions(deflators=FLAT, target_price_year=2016, attribution=0.8, n_boot=200)


def test_an_options_object_equals_the_same_keywords() -> None:
    records = _many_services(7, 300)
    keywords = dataclasses.asdict(OPTIONS) | {"deflators": FLAT}  # asdict copies the series
    assert service_use_value(records, OPTIONS) == service_use_value(records, **keywords)
    by_object = list(service_use_savings(records, OPTIONS))
    assert by_object == list(service_use_savings(records, **keywords))
    pooled = service_use_value(records, OPTIONS)
    assert by_object[0][1] == pooled.saving and by_object[0][2] == pooled.assumptions


def test_keywords_change_the_given_options() -> None:
    records = _many_services(8, 200)
    half = service_use_value(records, OPTIONS, attribution=0.4)
    assert half == service_use_value(records, dataclasses.replace(OPTIONS, attribution=0.4))
    assert half.assumptions.attribution == 0.4
    assert half.assumptions.ci_method == service_use_value(records, OPTIONS).assumptions.ci_method
    full = service_use_value(records, OPTIONS).cost_change.mean
    assert full is not None and half.cost_change.mean == pytest.approx(full / 2)


def test_defaults_and_checks() -> None:
    assert ServiceUseOptions.of(None, {}) == ServiceUseOptions()
    assert ServiceUseOptions.of(OPTIONS, {}) is OPTIONS
    assert ServiceUseOptions.of(OPTIONS, {"seed": 3}).seed == 3
    with pytest.raises(ValueError, match="attribution"):
        ServiceUseOptions(attribution=-0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        OPTIONS.seed = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        service_use_value(_many_services(9, 20), OPTIONS, attribtion=0.5)  # type: ignore[call-arg]
