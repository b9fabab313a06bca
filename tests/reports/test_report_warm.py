"""Booting the chart renderer early: once per process, and charts render the same after."""

from __future__ import annotations

from typing import Any

import pytest
import vl_convert

from peerbench.reports import warm

SPEC: dict[str, Any] = {
    "data": {"values": [{"a": 1, "b": 2}, {"a": 2, "b": 3}]},
    "mark": "bar",
    "encoding": {"x": {"field": "a", "type": "ordinal"}, "y": {"field": "b"}},
}


def test_the_renderer_boots_once_and_charts_render_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(warm, "_thread", None)
    before = vl_convert.vegalite_to_svg(SPEC, allowed_base_urls=[])
    thread = warm.start_renderer()
    assert warm.start_renderer() is thread  # a second call starts nothing
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert vl_convert.vegalite_to_svg(SPEC, allowed_base_urls=[]) == before


def test_a_failed_boot_is_only_a_missed_head_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("no engine")

    monkeypatch.setattr(warm, "_thread", None)
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", broken)
    errors: list[BaseException] = []
    monkeypatch.setattr("threading.excepthook", lambda args: errors.append(args.exc_value))
    warm.start_renderer().join(timeout=60)
    assert errors == []
