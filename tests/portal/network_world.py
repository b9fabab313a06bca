"""A portal whose network has enough data for benchmarks, shared by the network page tests.

Four synthetic organisations (3000 outcome rows) join ``net-1`` beside the harness's
``org-a`` and ``org-b`` (which send nothing), and each submits its slice for
:data:`PERIOD` through the JSON API, as a member would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from peerbench.server.db.models import Role
from peerbench.server.tenancy import add_member, create_key, create_organisation
from tests.api.harness import PERIOD, files_of, synth_slices
from tests.portal.harness import NETWORK, PortalHarness, running_portal

__all__ = ["PERIOD", "NetworkWorld", "network_world", "soup"]


@dataclass
class NetworkWorld:
    """The running portal, the synthetic members and their submitter keys."""

    portal: PortalHarness
    members: list[str]
    keys: dict[str, str]

    def api(self, path: str, who: str = "analyst", **params: Any) -> Any:
        """GET a JSON API path with a seeded user's key (or a member's key)."""
        secret = self.keys.get(who) or self.portal.keys[who]
        response = self.portal.api.get(
            path, params=params, headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()


@contextmanager
def network_world(
    tmp: Path,
    *,
    organisations: int = 4,
    outcome_rows: int = 3000,
    prepare: Callable[[dict[str, Path]], object] | None = None,
) -> Iterator[NetworkWorld]:
    """Start the world in ``tmp`` (SQLite); ``prepare`` may add files to the slices."""
    slices = synth_slices(tmp / "synth", organisations=organisations, outcome_rows=outcome_rows)
    if prepare is not None:
        prepare(slices)
    members = sorted(slices)
    with running_portal(f"sqlite:///{tmp / 'portal.sqlite3'}", tmp / "data") as portal:
        keys: dict[str, str] = {}
        with portal.context.db.session() as session:
            for org in members:
                create_organisation(session, id=org, name=org.title())
                add_member(
                    session,
                    network_id=NETWORK,
                    organisation_id=org,
                    agreement_reference="DSA-9",
                    agreement_start=dt.date(2020, 1, 1),
                )
                keys[org] = create_key(session, role=Role.SUBMITTER, organisation_id=org)[1]
        for org in members:
            response = portal.api.post(
                "/v1/submissions",
                data={"period": PERIOD},
                files=files_of(slices[org]),
                headers={"Authorization": f"Bearer {keys[org]}"},
            )
            assert response.json()["status"] == "accepted", response.text[:500]
        yield NetworkWorld(portal, members, keys)


def soup(html: str) -> Any:
    """A page parsed (typed ``Any``: tests walk it freely and fail loudly on a miss)."""
    return BeautifulSoup(html, "html.parser")
