"""Helpers for the organisation-page tests: files to upload and forms read off the pages."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from peerbench.io.tabular import FileFormat
from peerbench.schema.pseudonym import format_key_file
from peerbench.synth import SynthConfig, generate, write_dataset
from tests.fixtures.spreadsheets import build_corpus
from tests.portal.harness import PortalHarness

CORPUS = build_corpus.HERE
RIVERSIDE = CORPUS / "riverside_walking_wemwbs.csv"
ORG_KEY = format_key_file(bytes(range(32)))
"""The organisation's key file, as ``peerbench keygen`` writes it."""


class _Fields(HTMLParser):
    """The named fields of one form (by its action): text values, selected options."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.kinds: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            self.kinds[a["name"]] = kind
            if kind == "checkbox" and "checked" not in a:
                return
            if kind != "file":
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select, self.first_option = a.get("name"), None
            self.kinds[a.get("name", "")] = "select"
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
                self.values.setdefault(self.select, self.first_option)
            if "selected" in a:
                self.values[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(html: str, action: str) -> tuple[dict[str, str], dict[str, str]]:
    """The values a browser would send for the form posting to ``action``, and field kinds."""
    parser = _Fields(action)
    parser.feed(html)
    return parser.values, parser.kinds


def location(response: httpx.Response) -> str:
    """The redirect target of a 303."""
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    return str(response.headers["location"])


def upload(
    portal: PortalHarness, client: TestClient, org: str, period: str, files: list[Path]
) -> httpx.Response:
    """POST the upload form with ``files``."""
    sent = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in files]
    return portal.post_form(client, f"/o/{org}/upload", {"period": period}, files=sent)


def confirm_mapping(
    portal: PortalHarness,
    client: TestClient,
    page_url: str,
    changes: dict[str, str],
    *,
    key: str | None = ORG_KEY,
) -> httpx.Response:
    """Read the mapping form off the page, apply ``changes`` and POST it with the key file."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text[:2000]
    action = f"{page_url}/mapping"
    values, _ = form_fields(page.text, action)
    values.update(changes)
    values.pop("csrf_token", None)
    files = [("key_file", ("org.key", key.encode(), "text/plain"))] if key is not None else None
    if files is None:
        files = [("key_file", ("", b"", "application/octet-stream"))]
    return portal.post_form(client, action, values, files=files)


def with_bad_answer(target: Path) -> tuple[Path, int, str]:
    """Riverside's spreadsheet with a WEMWBS answer of 9 (answers run 1-5): the copy,
    the Excel row of the bad cell and the column's letter."""
    text = RIVERSIDE.read_bytes().decode("cp1252")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    header_at = next(i for i, line in enumerate(lines) if line.startswith("Client ID"))
    q3 = lines[header_at].split(",").index("Q3")
    cells = lines[header_at + 1].split(",")
    cells[q3] = "9"
    lines[header_at + 1] = ",".join(cells)
    target.write_bytes(newline.join(lines).encode("cp1252"))
    return target, header_at + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[q3]


def standard_files_for(organisation_id: str, folder: Path) -> tuple[list[Path], str]:
    """A small synthetic dataset in the standard's shape, as ``organisation_id``'s own.

    Returns the CSV files (and manifest) and the id of one of its services.
    """
    with tempfile.TemporaryDirectory() as scratch:
        config = SynthConfig(organisations=1, outcome_rows=60, seed=11)
        write_dataset(generate(config), Path(scratch), FileFormat.CSV)
        out = []
        for source in sorted(Path(scratch).iterdir()):
            target = folder / source.name
            text = source.read_text(encoding="utf-8")
            if source.stem in ("organisations", "services"):
                rows = list(csv.DictReader(io.StringIO(text)))
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({**row, "organisation_id": organisation_id})
                text = buffer.getvalue()
            target.write_text(text, encoding="utf-8")
            out.append(target)
    services = list(csv.DictReader(io.StringIO((folder / "services.csv").read_text("utf-8"))))
    return out, services[0]["service_id"]


def numbers(html: str, table_id: str) -> list[list[str]]:
    """The cells of the table with ``id`` (tags stripped), row by row, header row first."""
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert match, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    out = []
    for row in rows:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return out
