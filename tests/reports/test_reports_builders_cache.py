"""Report inputs from the result cache equal computed ones, and so do the reports."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pyarrow as pa
import pytest

from peerbench.io.content_cache import CACHE_ENV, ContentCache
from peerbench.reports.builders import build, key_figures, load_report_data
from peerbench.reports.builders import cache as report_cache
from peerbench.reports.builders.cache import _from_ipc, _to_ipc, controlled_view, report_page
from peerbench.reports.render import render_html
from tests.reports.test_reports_builders_data import small_folder

PRODUCED = dt.date(2026, 10, 1)


def _fail(*args: object, **kwargs: object) -> None:
    raise AssertionError("computed again")


def test_inputs_from_the_cache_equal_computed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = load_report_data(small_folder(), produced_on=PRODUCED)
    assert first.inputs_key is not None
    compute_module = importlib.import_module("peerbench.benchmarking.compute")
    monkeypatch.setattr(compute_module, "compute", _fail)
    monkeypatch.setattr(compute_module, "period_view", _fail)
    second = load_report_data(small_folder(), produced_on=PRODUCED)
    assert second.inputs_key == first.inputs_key
    assert second.raw.to_dict() == first.raw.to_dict()
    assert second.paired.equals(first.paired)
    assert second.demographics.equals(first.demographics)
    assert second.validation.to_dict() == first.validation.to_dict()


def test_controlled_view_from_the_cache_equals_computed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    data = load_report_data(small_folder(), produced_on=PRODUCED)
    owner = data.raw.services[0].organisation_id
    public = controlled_view(data)
    owned = controlled_view(data, owner)
    assert public.to_dict() != owned.to_dict()
    disclose = importlib.import_module("peerbench.benchmarking.disclose")
    expected_public = disclose.controlled(data.raw, data.policy).to_dict()
    assert public.to_dict() == expected_public
    monkeypatch.setattr(disclose, "controlled", _fail)
    assert controlled_view(data).to_dict() == expected_public
    assert controlled_view(data, owner).to_dict() == owned.to_dict()


@pytest.mark.parametrize("kind", ["network", "commissioner"])
def test_reports_from_cached_inputs_equal_uncached(
    kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    plain = build(load_report_data(small_folder(), produced_on=PRODUCED), kind)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    load_report_data(small_folder(), produced_on=PRODUCED)  # fills the cache
    cached = build(load_report_data(small_folder(), produced_on=PRODUCED), kind)
    assert render_html(cached) == render_html(plain)
    assert key_figures(cached) == key_figures(plain)


def test_no_key_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    data = load_report_data(small_folder(), produced_on=PRODUCED)
    assert data.inputs_key is None


def test_tables_round_trip_and_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    named = {
        "paired": pa.table({"a": [1, 2], "b": ["x", None]}),
        "empty": pa.table({"c": pa.array([], pa.float64())}),
    }
    back = _from_ipc(_to_ipc(named))
    assert list(back) == list(named)
    assert all(back[k].equals(named[k]) for k in named)
    cache = ContentCache(tmp_path)
    key = cache.key(report_cache.TABLES, "k")
    cache.put(report_cache.TABLES, key, _to_ipc(named)[:-3], ".arrow")
    assert report_cache.tables(cache, key, lambda: named) is named  # recomputed
    assert report_cache.tables(cache, key, _fail)["paired"].equals(named["paired"])  # type: ignore[arg-type]


def test_report_page_from_the_cache_equals_a_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = ContentCache(tmp_path)
    page, figures = report_page(small_folder(), "network", produced_on=PRODUCED, cache=cache)
    monkeypatch.setenv(CACHE_ENV, "off")
    content = build(load_report_data(small_folder(), produced_on=PRODUCED), "network")
    assert page == render_html(content)
    assert figures == key_figures(content)
    write_module = importlib.import_module("peerbench.reports.builders.write")
    monkeypatch.setattr(write_module, "build", _fail)
    again = report_page(small_folder(), "network", produced_on=PRODUCED, cache=cache)
    assert again == (page, figures)
    with pytest.raises(AssertionError, match="computed again"):  # another day: built anew
        report_page(small_folder(), "network", produced_on=dt.date(2026, 10, 2), cache=cache)
    with pytest.raises(AssertionError, match="computed again"):  # another name
        report_page(small_folder(), "network", network_name="x", produced_on=PRODUCED, cache=cache)


def test_report_page_of_an_unknown_service_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        report_page(
            small_folder(),
            "service",
            "no-such-service",
            produced_on=PRODUCED,
            cache=ContentCache(tmp_path),
        )


def test_the_package_exports_functions_not_submodules() -> None:
    import peerbench.reports.builders as package

    for name in ("write", "quality_inputs"):
        module = importlib.import_module(f"peerbench.reports.builders.{name}")
        assert getattr(package, name) is getattr(module, name)
        assert callable(getattr(package, name))
