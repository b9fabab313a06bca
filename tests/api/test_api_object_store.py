"""A server whose pool is an object store serves what one with a local pool serves."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from peerbench.benchmarking import SECTIONS
from tests.api.harness import Server, running_server
from tests.compare import assert_json_close

# Small pools give case-mix models a rank-deficient design (as in test_api_benchmarks).
pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")


def _problems(html: str) -> list[list[str]]:
    """The rows of the quality report's table of problems (named, so a difference shows)."""
    page = BeautifulSoup(html, "html.parser")
    for table in page("table"):
        caption = table.find("caption")
        if caption is not None and "most frequent problems" in caption.get_text():
            return [[td.get_text(strip=True) for td in tr("td")] for tr in table("tr")[1:]]
    return []


def _reads(server: Server) -> dict[str, Any]:
    """What an analyst and a researcher read back: benchmarks, report figures, extract."""
    analyst = server.auth("analyst")

    def get(path: str, who: dict[str, str] = analyst) -> Any:
        response = server.client.get(path, headers=who)
        assert response.status_code == 200, response.text
        return response

    extract = get("/v1/extracts", server.auth("researcher"))
    with zipfile.ZipFile(io.BytesIO(extract.content)) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".csv"))
        rows = {n: archive.read(n).count(b"\n") for n in names}
    result = get("/v1/benchmarks").json()["result"]
    return {
        "benchmarks": {section: result[section] for section in SECTIONS},
        "figures": get("/v1/reports/network/figures").json()["key_figures"],
        # The quality report validates the pool again, as submitted.
        "quality": get("/v1/reports/quality/figures").json()["tables"],
        "problems": _problems(get("/v1/reports/quality").text),
        "extract_rows": rows,
    }


def test_the_same_submissions_read_back_the_same(
    object_store_url: str, slices: dict[str, Path], tmp_path: Path
) -> None:
    reads = []
    for name, store_url in (("local", None), ("object", object_store_url)):
        data = tmp_path / name
        url = f"sqlite:///{data / 'db.sqlite3'}"
        overrides: dict[str, Any] = {} if store_url is None else {"store_url": store_url}
        with running_server(url, data, sorted(slices), **overrides) as server:
            server.submit_all(slices)
            reads.append(_reads(server))
            if store_url is not None:
                assert not (data / "pool").exists()  # nothing went to the local disk
    local, remote = reads
    assert local["benchmarks"]["outcomes"] and local["extract_rows"] and local["quality"]
    # Clean submissions re-check clean: the store's own columns (and the ids it drew)
    # never reach the validator, wherever the pool is kept.
    assert remote["problems"] == local["problems"] == []
    assert_json_close(remote, local)
