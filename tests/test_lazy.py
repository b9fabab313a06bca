"""The lazy public names of a package (peerbench/lazy.py)."""

from __future__ import annotations

import sys
import types

import pytest

from peerbench.lazy import lazy_names


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("fake_lazy_package")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_a_name_is_imported_from_its_home_on_first_use_and_then_kept(
    package: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    load = lazy_names(package.__name__, {"sqrt": "math", "dumps": "json"})
    monkeypatch.delitem(sys.modules, "json")  # proves the home is imported by load()
    dumps = load("dumps")
    assert dumps([1]) == "[1]"
    assert "json" in sys.modules
    assert package.dumps is dumps
    assert load("sqrt")(9.0) == 3.0


def test_a_base_is_put_before_short_homes(package: types.ModuleType) -> None:
    load = lazy_names(package.__name__, {"join": "path"}, base="os.")
    assert load("join")("a", "b") == "a/b"


def test_an_unknown_name_is_an_attribute_error_naming_the_package(
    package: types.ModuleType,
) -> None:
    load = lazy_names(package.__name__, {"sqrt": "math"})
    with pytest.raises(AttributeError, match="'fake_lazy_package' has no attribute 'nope'"):
        load("nope")
    assert not hasattr(package, "sqrt")


def test_the_packages_that_use_it_still_load_their_names() -> None:
    import peerbench.benchmarking as benchmarking
    import peerbench.reports as reports
    import peerbench.reports.builders as builders
    import peerbench.schema.instruments as instruments
    import peerbench.validators as validators

    assert callable(benchmarking.compute)  # the function, not the submodule
    assert callable(builders.write) and callable(builders.quality_inputs)
    assert reports.Report.__name__ == "Report"
    assert instruments.default_registry.__name__ == "default_registry"
    assert callable(validators.validate)
    with pytest.raises(AttributeError):
        _ = validators.not_a_name
