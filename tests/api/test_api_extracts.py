"""``/v1/extracts``: researchers (and admins) only, scoped, consented, re-keyed, audited."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from peerbench.extracts.archive import unpack
from peerbench.extracts.manifest import read_manifest
from peerbench.server import audit
from tests.api.harness import NETWORK, Server
from tests.api.test_api_errors import assert_envelope


@pytest.fixture
def submitted(server: Server, slices: dict[str, Path]) -> None:
    server.submit_all(slices)


def _download(server: Server, who: str, **params: Any) -> Any:
    return server.client.get("/v1/extracts", params=params, headers=server.auth(who))


def _unpacked(response: Any, out: Path) -> Path:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    extract_id = response.headers["x-peerbench-extract-id"]
    assert f'filename="{extract_id}.zip"' in response.headers["content-disposition"]
    unpack(io.BytesIO(response.content), out)
    return out


def _pool_keys(slices: dict[str, Path], orgs: list[str]) -> tuple[set[str], int]:
    keys, consented = set(), 0
    for org in orgs:
        participants = pq.read_table(slices[org] / "participants.parquet").to_pylist()
        keys |= {p["participant_key"] for p in participants}
        consented += sum(p["consent_research"] is True for p in participants)
    return keys, consented


def test_researcher_gets_its_networks_consented_rekeyed_rows(
    server: Server, submitted: None, slices: dict[str, Path], tmp_path: Path
) -> None:
    folder = _unpacked(_download(server, "researcher"), tmp_path / "x")
    manifest = read_manifest(folder)
    assert manifest.project == "study-1"
    members = server.organisations[:2]  # the researcher key's network
    participants = pq.read_table(folder / "participants.parquet")
    assert set(participants.column("_organisation_id").to_pylist()) <= set(members)
    assert set(participants.column("consent_research").to_pylist()) == {True}
    raw_keys, consented = _pool_keys(slices, members)
    assert participants.num_rows == consented
    assert not raw_keys & set(participants.column("participant_key").to_pylist())
    for path in folder.iterdir():
        if path.suffix in (".csv", ".md", ".json"):
            text = path.read_text(encoding="utf-8")
            assert not any(k in text for k in raw_keys), path.name
    # Audited, with what was taken.
    with server.context.db.session() as session:
        (event,) = audit.query(session, action="download")
    assert event.target == manifest.extract_id
    assert event.details["project"] == "study-1"
    assert event.details["row_counts"] == manifest.row_counts
    assert event.details["organisations"] == members
    # A second download of the same data cannot be linked to the first.
    again = read_manifest(_unpacked(_download(server, "researcher"), tmp_path / "y"))
    assert again.extract_id != manifest.extract_id
    second = pq.read_table(again.path / "participants.parquet").column("participant_key")
    assert not set(second.to_pylist()) & set(participants.column("participant_key").to_pylist())


def test_other_roles_are_refused(server: Server) -> None:
    for who in (server.organisations[0], "analyst"):
        assert_envelope(_download(server, who), 403, "forbidden")
    assert_envelope(_download(server, "researcher", network_id=NETWORK), 403, "forbidden")
    assert_envelope(_download(server, "researcher", project="other"), 403, "forbidden")
    with server.context.db.session() as session:
        assert audit.query(session, action="download") == []


def test_admin_chooses_scope_and_names_the_project(
    server: Server, submitted: None, tmp_path: Path
) -> None:
    third = server.organisations[2]
    assert_envelope(_download(server, "admin"), 422, "invalid-request")
    both = _download(server, "admin", project="p", organisation_id=third, network_id=NETWORK)
    assert_envelope(both, 422, "invalid-request")
    assert_envelope(_download(server, "admin", project="p", organisation_id="nope"), 404)
    folder = _unpacked(_download(server, "admin", project="audit-1", organisation_id=third),
                       tmp_path / "x")  # fmt: skip
    organisations = pq.read_table(folder / "participants.parquet").column("_organisation_id")
    assert set(organisations.to_pylist()) == {third}
    assert read_manifest(folder).project == "audit-1"
    everyone = read_manifest(_unpacked(_download(server, "admin", project="p"), tmp_path / "y"))
    assert everyone.row_counts["organisation"] == len(server.organisations)
