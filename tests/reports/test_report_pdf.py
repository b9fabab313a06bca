"""``print_pdf`` without a browser: it says so, and a broken browser is an error, not success."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench.reports import render
from peerbench.reports.render import PdfError, print_pdf


def test_no_chromium_returns_false(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "find_chromium", lambda: None)
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    assert print_pdf(html, tmp_path / "r.pdf") is False
    assert not (tmp_path / "r.pdf").exists()


def test_browser_without_pdf_raises(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(PdfError, match="without a PDF"):
        print_pdf(html, tmp_path / "r.pdf", chromium="/bin/true")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # nothing half-written
