"""Organisation pages, end to end: from a messy spreadsheet to an accepted submission.

A coordinator of ``org-a`` signs in, sends the organisation's services in the template's
shape, then the walking group's own messy spreadsheet: confirms the proposed columns,
reads an error at its Excel row and column, uploads the corrected file (the saved
mapping is filled in for them), submits, finds it in the history and opens the report.
The history and the report's figures are compared with the JSON API's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from peerbench.reports.render import find_chromium
from peerbench.template.example import example_workbook_bytes
from peerbench.template.workbook import workbook_bytes
from tests.portal.harness import ORG_A, PortalHarness
from tests.portal.org_flow import (
    RIVERSIDE,
    confirm_mapping,
    form_fields,
    location,
    numbers,
    standard_files_for,
    upload,
    with_bad_answer,
)

STANDARD_PERIOD = "2026-Q3"
MESSY_PERIOD = "2026-Q2"


def _submit(portal: PortalHarness, client: TestClient, upload_url: str) -> str:
    """Submit a checked upload from its page; the submission page's URL."""
    page = client.get(upload_url)
    assert "Ready to submit" in page.text, page.text[:3000]
    response = portal.post_form(client, f"{upload_url}/submit", {})
    return location(response)


def test_a_coordinator_goes_from_a_messy_spreadsheet_to_an_accepted_submission(
    portal: PortalHarness, tmp_path: Path
) -> None:
    client = portal.sign_in("submitter")
    home = client.get(f"/o/{ORG_A}")
    assert home.status_code == 200 and "Upload files" in home.text

    # 1. The organisation's services, in the standard's shape: checked at once, submitted.
    files, service = standard_files_for(ORG_A, tmp_path)
    first = location(upload(portal, client, ORG_A, STANDARD_PERIOD, files))
    standard = client.get(first).text
    assert "Ready to submit" in standard and "Confirm how your columns" not in standard
    submitted = _submit(portal, client, first)
    assert "Accepted" in client.get(submitted).text

    # 2. The walking group's own spreadsheet, with one answer out of range.
    broken, row, letter = with_bad_answer(tmp_path / RIVERSIDE.name)
    second = location(upload(portal, client, ORG_A, MESSY_PERIOD, [broken]))
    form_page = client.get(second)
    assert "Confirm how your columns are read" in form_page.text
    # The proposer's one open question (the service) is the form's service field.
    assert "Left for you to decide" not in form_page.text
    values, kinds = form_fields(form_page.text, f"{second}/mapping")
    assert kinds["key_file"] == "file" and values["service_id"] == ""
    # The proposal, as the page shows it: Client ID is the local id, Name is dropped.
    assert re.search(r"Client ID.*?<option value=\"id\" selected>", form_page.text, re.S)
    missing = confirm_mapping(portal, client, second, {}, key=None)
    assert missing.status_code == 422
    assert 'href="#service_id"' in missing.text and 'href="#key_file"' in missing.text
    checked = confirm_mapping(
        portal, client, second,
        {"service_id": service, "save": "yes", "save_name": "Walking group"},
    )  # fmt: skip
    assert location(checked) == second
    result = client.get(second).text
    assert "Some things to fix" in result
    # The error, at the row and column the coordinator sees in Excel, with its fix.
    assert re.search(rf"<td>{row}</td>\s*<td>{letter} \(“Q3”, read as item_3\)</td>", result)
    assert "How to fix:" in result
    assert "Upload the corrected file" in result and "/submit" not in result

    # 3. The corrected file: the saved mapping fits and is filled in.
    third = location(upload(portal, client, ORG_A, MESSY_PERIOD, [RIVERSIDE]))
    again = client.get(third).text
    assert "Your saved mapping “Walking group” fits" in again
    assert location(confirm_mapping(portal, client, third, {})) == third
    accepted_url = _submit(portal, client, third)
    accepted = client.get(accepted_url).text
    assert "Accepted" in accepted and "21" in accepted  # 21 questionnaires
    submission_id = accepted_url.rsplit("/", 1)[1]

    # 4. The history lists both submissions, as the API does.
    history = client.get(f"/o/{ORG_A}/submissions").text
    listed = re.findall(r'data-submission="([0-9a-f]+)"', history)
    api = portal.api.get(
        "/v1/submissions", params={"organisation_id": ORG_A}, headers=portal.auth("submitter")
    ).json()
    assert listed == [item["id"] for item in api["items"]]
    assert listed[0] == submission_id and len(listed) == 2
    rows = numbers(history, "history")[1:]
    assert [(r[1], r[3], r[4]) for r in rows] == [
        (i["period"], str(i["rows"]), str(i["errors"])) for i in api["items"]
    ]

    # 5. Each version's report opens, and the service report agrees with the API.
    assert client.get(f"/o/{ORG_A}/submissions/{submission_id}/report.html").status_code == 200
    report = client.get(f"/o/{ORG_A}/report", params={"service_id": service})
    assert report.status_code == 200, report.text[:2000]
    shown = numbers(report.text, "key-figures")[1:]
    figures = portal.api.get(
        "/v1/reports/service/figures",
        params={"service_id": service},
        headers=portal.auth("submitter"),
    ).json()
    expected = [
        [f["label"], f["section"], f["value"] if f["value"] is not None else "Withheld"]
        for f in figures["key_figures"]
    ]
    assert [[r[0], r[1], r[2].split(":")[0]] for r in shown] == expected
    assert shown, "the report shows key figures"
    full = client.get(f"/o/{ORG_A}/report.html", params={"service_id": service})
    assert full.status_code == 200 and full.text.startswith("<!")
    if find_chromium() is not None:
        pdf = client.get(f"/o/{ORG_A}/report.html", params={"service_id": service, "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

    # 6. The saved mapping is listed and downloads as a mapping file.
    mappings = client.get(f"/o/{ORG_A}/mappings").text
    link = re.search(rf'href="(/o/{ORG_A}/mappings/\d+\.yaml)"', mappings)
    assert link and "Walking group" in mappings
    yaml_text = client.get(link.group(1)).text
    assert "version: 2" in yaml_text and f"service_id: {service}" in yaml_text


def test_template_and_example_downloads_are_the_librarys_bytes(
    portal_sqlite: PortalHarness, tmp_path: Path
) -> None:
    client = portal_sqlite.sign_in("submitter")
    template = client.get(f"/o/{ORG_A}/template.xlsx")
    assert template.status_code == 200
    assert template.content == workbook_bytes()
    assert "attachment" in template.headers["content-disposition"]
    example = client.get(f"/o/{ORG_A}/example.xlsx")
    assert example.content == example_workbook_bytes()
    path = tmp_path / "example.xlsx"
    path.write_bytes(example.content)
    assert load_workbook(path)["outcomes"].max_row > 1


def test_a_saved_mapping_can_be_deleted(portal_sqlite: PortalHarness, tmp_path: Path) -> None:
    portal = portal_sqlite
    client = portal.sign_in("submitter")
    url = location(upload(portal, client, ORG_A, MESSY_PERIOD, [RIVERSIDE]))
    confirm_mapping(
        portal, client, url, {"service_id": "walk", "save": "yes", "save_name": "Q2 sheet"}
    )
    page = client.get(f"/o/{ORG_A}/mappings").text
    delete = re.search(rf'action="(/o/{ORG_A}/mappings/\d+/delete)"', page)
    assert delete
    assert location(portal.post_form(client, delete.group(1), {})) == f"/o/{ORG_A}/mappings"
    after = client.get(f"/o/{ORG_A}/mappings").text
    assert "was deleted" in after and '<th scope="row">Q2 sheet</th>' not in after


@pytest.mark.parametrize("period", ["2026-Q9", "2031-Q1", ""])
def test_a_bad_period_is_an_error_on_the_form(portal_sqlite: PortalHarness, period: str) -> None:
    client = portal_sqlite.sign_in("submitter")
    response = upload(portal_sqlite, client, ORG_A, period, [RIVERSIDE])
    assert response.status_code == 422
    assert 'href="#period"' in response.text and 'aria-invalid="true"' in response.text


def test_the_upload_script_sends_the_token_as_a_header(portal_sqlite: PortalHarness) -> None:
    """``static/upload.js`` posts the same form with X-CSRF-Token; without it, 403."""
    portal = portal_sqlite
    client = portal.sign_in("submitter")
    files = [("files", (RIVERSIDE.name, RIVERSIDE.read_bytes(), "text/csv"))]
    token = portal.csrf_token(client)
    response = client.post(
        f"/o/{ORG_A}/upload",
        data={"period": MESSY_PERIOD},
        files=files,
        headers={"X-CSRF-Token": token},
    )
    assert location(response).startswith(f"/o/{ORG_A}/uploads/upl_")
    refused = client.post(f"/o/{ORG_A}/upload", data={"period": MESSY_PERIOD})
    assert refused.status_code == 403
    page = client.get(f"/o/{ORG_A}/upload").text
    assert '<script src="/static/upload.js" defer></script>' in page
    assert client.get("/static/upload.js").status_code == 200
