"""peerbench map recognises a volunteers (peer workers) sheet and a referrals sheet."""

from __future__ import annotations

from pathlib import Path

from peerbench.intake.mapping import load_mapping
from peerbench.intake.propose import propose_from_sheets
from peerbench.intake.propose_model import SheetInput

VOLUNTEERS = SheetInput(
    key="Volunteers",
    file="team.xlsx",
    sheet="Volunteers",
    headers=["Volunteer ID", "Volunteer name", "Email", "Role", "Date joined", "Date left",
             "Reason left", "Hours per week", "Supervision frequency", "Accredited"],
    rows=[
        ["V01", "Cath Patel", "cath@example.org", "Volunteer", "2025-06-01", "", "Ongoing",
         "4", "Monthly", "Yes"],
        ["V02", "Dev Khan", "dev@example.org", "Paid", "2024-01-08", "2025-02-01", "Burnout",
         "30", "Weekly", "No"],
    ],
)  # fmt: skip
REFERRALS = SheetInput(
    key="Referrals",
    file="team.xlsx",
    sheet="Referrals",
    headers=["Client ID", "Date referred", "Referred by", "Outcome of referral",
             "First contact"],
    rows=[
        ["C01", "2026-01-20", "GP", "Started", "2026-01-27"],
        ["C99", "2026-04-01", "Self referral", "Declined", "2026-04-08"],
    ],
)  # fmt: skip


def test_volunteers_and_referrals_sheets_are_recognised(tmp_path: Path) -> None:
    proposal = propose_from_sheets([VOLUNTEERS, REFERRALS])
    sheets = {s.key: s for s in proposal.sheets}
    workers = sheets["Volunteers"]
    assert workers.id_column is not None and workers.id_column.value == "Volunteer ID"
    assert {"Volunteer name", "Email"} <= set(workers.identifiers)
    block = workers.block("peer_workers")
    assert block is not None
    fields = {h: s.value for h, s in block.columns.items()}
    assert fields["Role"] == "role"
    assert fields["Date joined"] == "start_date"
    assert fields["Date left"] == "end_date"
    assert fields["Supervision frequency"] == "supervision_frequency"
    assert not [t for t in block.todos if "worker_key" in t]  # the id column fills it
    referrals = sheets["Referrals"]
    assert referrals.id_column is not None and referrals.id_column.value == "Client ID"
    block = referrals.block("referrals")
    assert block is not None
    fields = {h: s.value for h, s in block.columns.items()}
    assert fields["Date referred"] == "referral_date"
    assert fields["Referred by"] == "referral_route"
    assert fields["Outcome of referral"] == "uptake"
    assert fields["First contact"] == "first_contact_date"
    path = tmp_path / "mapping.yaml"
    path.write_text(proposal.to_yaml(), encoding="utf-8")
    mapping = load_mapping(path)
    assert "peer_worker" in mapping.sheets["Volunteers"].blocks
    text = path.read_text(encoding="utf-8")
    for value in ("V01", "Cath", "cath@example.org", "C99"):
        assert value not in text
