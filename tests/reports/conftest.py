"""Fixtures for the report tests: the sample report is built once per session (charts take
about two seconds to render)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from peerbench.reports.content import Report
from peerbench.reports.render import render_html
from peerbench.reports.sample import sample_report


@pytest.fixture(scope="session")
def report() -> Report:
    """The invented sample report with every block type."""
    return sample_report()


@pytest.fixture(scope="session")
def report_html(report: Report) -> str:
    """The sample report rendered to HTML."""
    return render_html(report)


@pytest.fixture(scope="session")
def soup(report_html: str) -> BeautifulSoup:
    """The sample report parsed."""
    return BeautifulSoup(report_html, "html.parser")
