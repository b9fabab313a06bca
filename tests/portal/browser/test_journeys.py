"""What people do in the portal, in Chromium: every page they see is checked (no console
errors or failed requests, zero serious/critical axe-core violations) and screenshotted.

* a coordinator (``submitter`` of ``org-a``): sends the services in the template's
  shape, then the walking group's messy spreadsheet with an answer out of range:
  confirms the proposed columns, reads the error at its Excel row and column, uploads
  the corrected file (the saved mapping is filled in), submits, sees the history and
  opens the service report;
* a network analyst: coverage, benchmarks, what works, reports, members;
* a researcher: the data dictionary, and an extract downloaded after the notes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from tests.portal.browser.needs import browser_packages

browser_packages()
from playwright.sync_api import FilePayload, Page, expect  # noqa: E402

from tests.portal.browser.checks import check_page  # noqa: E402
from tests.portal.browser.flows import sign_in, submit_form  # noqa: E402
from tests.portal.harness import NETWORK, ORG_A  # noqa: E402
from tests.portal.org_flow import ORG_KEY, RIVERSIDE, standard_files_for, with_bad_answer  # noqa: E402

pytestmark = pytest.mark.browser

KEY_FILE: FilePayload = {"name": "org.key", "mimeType": "text/plain", "buffer": ORG_KEY.encode()}
"""The organisation's key file, as its coordinator keeps it."""


def upload_files(page: Page, org: str, period: str, files: list[Path]) -> None:
    """Send ``files`` from the upload page; waits for the staged upload's page."""
    page.goto(f"/o/{org}/upload")
    page.get_by_label("Which quarter are these figures for?").select_option(period)
    page.get_by_label("Files", exact=True).set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(rf"/o/{org}/uploads/[^/]+$"))


def submit_upload(page: Page, period: str) -> None:
    """Submit a checked upload; waits for the submission's page."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready to submit")
    submit_form(page, f"Submit for {period}")
    expect(page.get_by_text("Accepted").first).to_be_visible()


def test_a_coordinator_sends_a_messy_spreadsheet(page: Page, tmp_path: Path) -> None:
    sign_in(page, "submitter")
    expect(page).to_have_url(re.compile(rf"/o/{ORG_A}$"))
    check_page(page, "org-home")

    # The services, in the template's shape: checked at once, submitted.
    files, service = standard_files_for(ORG_A, tmp_path)
    upload_files(page, ORG_A, "2026-Q3", files)
    check_page(page, "org-upload-ready")
    submit_upload(page, "2026-Q3")
    check_page(page, "org-submission")

    # The walking group's own spreadsheet, with one answer out of range.
    broken, row, letter = with_bad_answer(tmp_path / RIVERSIDE.name)
    page.goto(f"/o/{ORG_A}/upload")
    check_page(page, "org-upload")
    upload_files(page, ORG_A, "2026-Q2", [broken])
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm how your columns are read")
    check_page(page, "org-mapping")
    # Confirming without the service id or key file: the summary links to both fields.
    submit_form(page, "Prepare and check")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(2)
    check_page(page, "org-mapping-errors", allow_status=(422,))
    page.get_by_label("Your service's id").fill(service)
    page.get_by_label("Your organisation's key file").set_input_files(files=KEY_FILE)
    page.get_by_label("Save this mapping for next quarter").check()
    page.get_by_label("Name for the saved mapping").fill("Walking group")
    submit_form(page, "Prepare and check")
    expect(page.get_by_role("heading", level=1)).to_have_text("Some things to fix")
    # The error, where the coordinator will find it in Excel, and how to fix it.
    finding = page.locator("tr", has=page.get_by_text(re.compile(rf"^{letter} \(“Q3”")))
    expect(finding.first).to_contain_text(str(row))
    expect(page.get_by_text("How to fix:").first).to_be_visible()
    check_page(page, "org-upload-errors")

    # The corrected file: the saved mapping fits and is filled in.
    page.get_by_role("link", name="Upload the corrected file").click()
    upload_files(page, ORG_A, "2026-Q2", [RIVERSIDE])
    expect(page.get_by_text("Your saved mapping “Walking group” fits")).to_be_visible()
    page.get_by_label("Your organisation's key file").set_input_files(files=KEY_FILE)
    submit_form(page, "Prepare and check")
    submit_upload(page, "2026-Q2")

    page.goto(f"/o/{ORG_A}/submissions")
    expect(page.locator("[data-submission]")).to_have_count(2)
    check_page(page, "org-submissions")
    page.goto(f"/o/{ORG_A}/report?service_id={service}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "org-report")
    page.goto(f"/o/{ORG_A}/mappings")
    expect(page.get_by_text("Walking group").first).to_be_visible()
    check_page(page, "org-mappings")


def test_a_network_analyst_reads_the_dashboard(page: Page) -> None:
    sign_in(page, "analyst")
    base = f"/n/{NETWORK}"
    expect(page).to_have_url(re.compile(rf"{base}$"))
    expect(page.locator("table").first).to_be_visible()
    check_page(page, "network-coverage")
    for name, path in [
        ("network-benchmarks", "/benchmarks"),
        ("network-what-works", "/what-works"),
        ("network-reports", "/reports"),
        ("network-members", "/members"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, name)
    # The same SVG charts as the reports (forest and funnel plots) for the first measure
    # with enough people to draw one (the synthetic members spread measures thinly).
    page.goto(f"{base}/benchmarks")
    measures = page.locator("#measure option").evaluate_all("options => options.map(o => o.value)")
    for measure in measures:
        page.goto(f"{base}/benchmarks?measure={measure}")
        charts = page.locator("figure.chart-figure svg")
        if charts.count():
            break
    assert charts.count(), f"no chart on any of {measures}"
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    check_page(page, "network-benchmarks-chart")


def test_a_researcher_downloads_an_extract(page: Page, tmp_path: Path) -> None:
    sign_in(page, "researcher")
    expect(page).to_have_url(re.compile(r"/research$"))
    check_page(page, "research-home")
    page.goto("/research/dictionary")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "research-dictionary")
    page.goto("/research/extracts")
    expect(page.get_by_role("heading", name=re.compile("Before you download"))).to_be_visible()
    check_page(page, "research-extracts")
    page.get_by_role("checkbox").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Build and download")).click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".zip"
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert any(name.endswith(".parquet") for name in names), names
    check_page(page, "research-extracts-after-download")
