"""The network benchmarks page shows the network report's peer-workers section."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from peerbench.reports.builders.network_workforce import SECTION_TITLE
from tests.api.test_api_workforce import with_workers
from tests.portal.harness import NETWORK
from tests.portal.network_world import NetworkWorld, network_world, soup

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkWorld]:
    folder = tmp_path_factory.mktemp("network-workforce")
    with network_world(folder, organisations=3, outcome_rows=1200, prepare=with_workers) as w:
        yield w


def test_benchmarks_page_shows_the_peer_workers_section(world: NetworkWorld) -> None:
    analyst: Any = world.portal.sign_in("analyst")
    page = soup(analyst.get(f"/n/{NETWORK}/benchmarks").text)
    titles = [h.get_text(strip=True) for h in page.find_all(["h2", "h3"])]
    assert any(SECTION_TITLE in t for t in titles), titles
    result = world.api("/v1/benchmarks")["result"]
    pooled = {(r["measure"], r["role"]): r for r in result["workforce"] if r["level"] == "all"}
    # The page's figures are the API's: the pool's workers in post, and those supervised.
    supervised = pooled[("supervised", "all")]
    (caption,) = [c for c in page.find_all("caption") if "every service together" in c.get_text()]
    rows = [
        [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        for tr in caption.find_parent("table").find_all("tr")
    ]
    (row,) = [r for r in rows if r and r[0].startswith("Supervised at least monthly")]
    assert row[-1] == str(supervised["n_base"])
    assert row[1] == "All workers"
