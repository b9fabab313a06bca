"""prepare and pseudonymise with peer workers and referrals: worker ids become worker_key
with the organisation's key, a referral's person id the same participant_key as the
participant's, and direct identifiers on those sheets are dropped, never written."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pyarrow.csv as pacsv
from click.testing import CliRunner
from openpyxl import Workbook

from peerbench.cli.main import cli
from peerbench.intake.mapping import load_mapping
from peerbench.intake.prepare import prepare
from peerbench.intake.pseudonymise import key_name_for
from peerbench.schema.pseudonym import format_key_file, participant_key
from tests.intake.charity import ORGANISATION, SERVICE

TODAY = dt.date(2026, 11, 16)
SECRET = bytes(range(32))

CLIENTS = [
    ["Client ID", "Name", "Age", "Gender", "Consent", "First session", "Sessions attended"],
    ["C01", "Ann Smith", "35-44", "F", "Yes", dt.date(2026, 2, 3), 5],
    ["C02", "Bob Jones", "45-54", "M", "Yes", dt.date(2026, 3, 9), 2],
]
VOLUNTEERS = [
    ["Volunteer ID", "Volunteer name", "Email", "Role", "Started", "Status", "Supervision"],
    ["V01", "Cath Patel", "cath.patel@example.org", "Volunteer", dt.date(2025, 6, 1),
     "Ongoing", "Monthly"],
    ["V02", "Dev Khan", "dev.khan@example.org", "Paid", dt.date(2024, 1, 8), "Ongoing",
     "Weekly"],
]  # fmt: skip
REFERRALS = [
    ["Client ID", "Name", "Referral date", "Referred by", "Outcome", "First contact"],
    ["C01", "Ann Smith", dt.date(2026, 1, 20), "GP", "Started", dt.date(2026, 1, 27)],
    ["C02", "Bob Jones", dt.date(2026, 2, 25), "Self", "Started", dt.date(2026, 3, 2)],
    ["C99", "Eve Brown", dt.date(2026, 4, 1), "GP", "Declined", dt.date(2026, 4, 8)],
]

MAPPING = """\
version: 2
date_format: iso
constants:
  service_id: walk-and-talk
sheets:
  Clients:
    id_column: Client ID
    identifiers: [Name]
    participants:
      columns: {Age: age_band, Gender: sex, Consent: consent_research}
    engagements:
      columns: {First session: start_date, Sessions attended: sessions_attended}
      constants: {end_reason: ongoing}
  Volunteers:
    id_column: Volunteer ID
    identifiers: [Volunteer name, Email]
    peer_workers:
      columns:
        Role: role
        Started: start_date
        Status: end_reason
        Supervision: supervision_frequency
  Referrals:
    id_column: Client ID
    identifiers: [Name]
    referrals:
      columns:
        Referral date: referral_date
        Referred by: referral_route
        Outcome: uptake
        First contact: first_contact_date
  Organisation:
    organisations:
      columns:
        Organisation ID: organisation_id
        Name: name
        Organisation type: organisation_type
        Region: region
  Service:
    services:
      columns:
        Service ID: service_id
        Organisation ID: organisation_id
        Name: name
        Condition focus: condition_focus
        Delivery format: delivery_format
        Facilitator model: facilitator_model
        Structure: structure
"""


def _workbook(path: Path) -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    sheets = (
        ("Clients", CLIENTS),
        ("Volunteers", VOLUNTEERS),
        ("Referrals", REFERRALS),
        ("Organisation", ORGANISATION),
        ("Service", SERVICE),
    )
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_prepare_pseudonymises_workers_and_links_referrals(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "ours.xlsx")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    out = tmp_path / "prepared"
    result = prepare([book], load_mapping(mapping), SECRET, out, today=TODAY)
    assert result.valid, [f.to_dict() for f in result.report.findings]
    counts = {f.record_type: f.rows for f in result.files}
    assert counts["peer_worker"] == 2 and counts["referral"] == 3
    workers = pacsv.read_csv(out / "peer_workers.csv").to_pylist()
    assert [w["worker_key"] for w in workers] == [
        participant_key("V01", SECRET),
        participant_key("V02", SECRET),
    ]
    assert [w["role"] for w in workers] == ["volunteer", "paid"]
    referrals = pacsv.read_csv(out / "referrals.csv").to_pylist()
    people = {p["participant_key"] for p in pacsv.read_csv(out / "participants.csv").to_pylist()}
    started = {r["participant_key"] for r in referrals if r["uptake"] == "started"}
    assert started == people == {participant_key("C01", SECRET), participant_key("C02", SECRET)}
    assert participant_key("C99", SECRET) in {r["participant_key"] for r in referrals}
    assert result.dropped[f"{book}#Volunteers"] == ["Volunteer name", "Email"]
    written = "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()))
    for value in ("V01", "V02", "C99", "Cath", "Patel", "example.org", "Eve", "Brown"):
        assert value not in written, value


def test_key_name_for_tells_worker_ids_from_person_ids() -> None:
    for header in ("Staff ID", "Volunteer no", "peer_worker_ref", "Employee number"):
        assert key_name_for(header) == "worker_key", header
    for header in ("Client ID", "Person ID", "Referral client ref", "ID"):
        assert key_name_for(header) == "participant_key", header


def test_the_pseudonymise_command_makes_worker_keys_and_drops_identifiers(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "our.key"
    key_file.write_text(format_key_file(SECRET), encoding="utf-8")
    staff = tmp_path / "staff.csv"
    with staff.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Staff ID", "Full name", "Email", "Role"])
        writer.writerow(["V01", "Cath Patel", "cath.patel@example.org", "volunteer"])
        writer.writerow(["v 01", "Cath Patel", "cath.patel@example.org", "paid"])
    out = tmp_path / "peer_workers.csv"
    args = ["pseudonymise", str(staff), "--key-file", str(key_file), "--column", "Staff ID"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = pacsv.read_csv(out).to_pylist()
    assert list(rows[0]) == ["worker_key", "Role"]  # names and emails are left out
    # Made as a participant key is (same HMAC, same key, same normalising of the id).
    assert [r["worker_key"] for r in rows] == [participant_key("V01", SECRET)] * 2
    assert "Full name" in result.stderr and "Email" in result.stderr
