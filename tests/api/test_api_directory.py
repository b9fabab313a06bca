"""``GET /v1/directory``: the pool's services as an Open Referral UK list, in scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from peerbench.directory.mapping import derived_id
from peerbench.directory.schemas import check_page
from peerbench.server.db.models import AuditEvent
from tests.api.harness import NETWORK, Server, running_server, synth_slices


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Path]]]:
    """A running server holding three organisations' submissions."""
    tmp = tmp_path_factory.mktemp("directory-api")
    slices = synth_slices(tmp, organisations=3, outcome_rows=150)
    with running_server(f"sqlite:///{tmp / 'pb.sqlite3'}", tmp / "data", sorted(slices)) as s:
        s.submit_all(slices)
        yield s, slices


def _service_ids(folder: Path) -> set[str]:
    ids = pq.read_table(folder / "services.parquet").column("service_id").to_pylist()
    return {derived_id("service", str(i)) for i in ids}


def test_admin_reads_every_service_as_a_valid_list(
    pooled: tuple[Server, dict[str, Path]],
) -> None:
    server, slices = pooled
    response = server.client.get("/v1/directory", headers=server.auth("admin"))
    assert response.status_code == 200, response.text
    page = response.json()
    assert check_page(page, "service") == []
    expected = set().union(*(_service_ids(folder) for folder in slices.values()))
    assert {item["id"] for item in page["contents"]} == expected


def test_a_submitter_sees_its_networks_members_only(
    pooled: tuple[Server, dict[str, Path]],
) -> None:
    server, slices = pooled
    own = sorted(slices)[0]
    response = server.client.get("/v1/directory", headers=server.auth(own))
    assert response.status_code == 200
    listed = {item["id"] for item in response.json()["contents"]}
    with server.context.db.session() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "directory.read")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        organisations = event.details["organisations"]
        assert isinstance(organisations, list)
        scope = [str(o) for o in organisations]
        assert event.details["network_ids"] == [NETWORK]
    expected = set().union(*(_service_ids(slices[o]) for o in scope))
    assert listed == expected and _service_ids(slices[own]) <= listed


def test_organisations_in_list_shape(pooled: tuple[Server, dict[str, Path]]) -> None:
    server, slices = pooled
    params = {"kind": "organization", "shape": "list"}
    response = server.client.get("/v1/directory", params=params, headers=server.auth("admin"))
    page = response.json()
    assert check_page(page, "organization") == []
    assert page["total_items"] == len(slices)
    assert all("services" not in item for item in page["contents"])


def test_researchers_are_refused(pooled: tuple[Server, dict[str, Path]]) -> None:
    server, _slices = pooled
    response = server.client.get("/v1/directory", headers=server.auth("researcher"))
    assert response.status_code == 403
