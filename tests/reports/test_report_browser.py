"""The sample report in a real (headless) Chromium: loads cleanly, charts have size, prints.

Skipped when Chromium is missing; ``make test`` installs Debian's chromium, so CI runs it.
Set ``PEERBENCH_SCREENSHOT_DIR`` to keep a full-page screenshot for a human to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from peerbench.reports.content import Report
from peerbench.reports.render import find_chromium, print_pdf, write_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_report_renders_in_chromium(tmp_path: Path, report: Report) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    path = write_report(report, tmp_path)
    console_errors: list[str] = []
    failed: list[str] = []
    requested: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on(
                "console",
                lambda message: (
                    console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("request", lambda request: requested.append(request.url))
            page.goto(path.resolve().as_uri(), wait_until="load")

            svgs = page.locator("figure.chart-figure svg")
            assert svgs.count() == 6
            for index in range(svgs.count()):
                box = svgs.nth(index).bounding_box()
                assert box is not None
                assert box["width"] > 100
                assert box["height"] > 50
            # Charts must fit the text column rather than overflow it.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert overflow is False

            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert console_errors == []
    assert failed == []
    assert requested == [path.resolve().as_uri()]  # nothing fetched but the page itself
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("PEERBENCH_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / f"{path.stem}.png")


def test_print_pdf(tmp_path: Path, report: Report) -> None:
    html = write_report(report, tmp_path)
    pdf = tmp_path / "report.pdf"
    assert print_pdf(html, pdf) is True
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([html.name, pdf.name])
