"""PeerbenchClient against an in-process server (TestClient as the transport)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbench.client import PeerbenchClient, PeerbenchError
from peerbench.client_config import ConfigError, load_config
from peerbench.client_upload import upload_files
from tests.api.harness import PERIOD, Server, running_server, synth_slices


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return synth_slices(tmp_path_factory.mktemp("synth"), organisations=2, outcome_rows=200)


@pytest.fixture
def server(tmp_path: Path, slices: dict[str, Path]) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", sorted(slices)) as running:
        yield running


def client_for(server: Server, who: str) -> PeerbenchClient:
    return PeerbenchClient("http://testserver", server.keys[who], http=server.client)


def test_submit_status_report_list(server: Server, slices: dict[str, Path]) -> None:
    org = server.organisations[0]
    client = client_for(server, org)
    seen: list[tuple[int, int]] = []
    result = client.submit(
        [slices[org]], PERIOD, progress=lambda sent, total: seen.append((sent, total))
    )
    assert result.accepted and result.finished and result.rows > 0
    total = sum(p.stat().st_size for p in upload_files([slices[org]]))
    assert seen and seen[-1] == (total, total)
    assert client.status(result.id).id == result.id
    report = client.report(result.id)
    assert isinstance(report, dict) and report["valid"] is True
    assert str(client.report(result.id, "text")).startswith("VALID")
    assert [s.id for s in client.list(PERIOD)] == [result.id]
    assert client.list("2020-Q1") == []


def test_idempotency_and_wait_for_background(tmp_path: Path, slices: dict[str, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "d", sorted(slices), background_threshold_bytes=0) as srv:
        org = srv.organisations[0]
        client = client_for(srv, org)
        queued = client.submit([slices[org]], PERIOD, idempotency_key="k1", wait=False)
        assert queued.status.value == "validating"
        done = client.wait(queued.id, poll_interval=0.05, max_wait=30)
        assert done.accepted
        again = client.submit([slices[org]], PERIOD, idempotency_key="k1")
        assert again.id == queued.id


def test_errors_carry_the_envelope_not_the_key(server: Server) -> None:
    client = PeerbenchClient("http://testserver", "pbk_wrong-key-value", http=server.client)
    with pytest.raises(PeerbenchError) as caught:
        client.list()
    assert caught.value.status == 401 and caught.value.code == "unauthorized"
    assert "pbk_wrong-key-value" not in str(caught.value) + repr(client)
    good = client_for(server, server.organisations[0])
    with pytest.raises(PeerbenchError) as missing:
        good.status("nope")
    assert missing.value.code == "not-found"


def test_unreachable_server() -> None:
    client = PeerbenchClient("http://127.0.0.1:9", "pbk_secret-value", timeout=2)
    with pytest.raises(PeerbenchError) as caught:
        client.list()
    assert caught.value.code == "unreachable" and "pbk_secret-value" not in str(caught.value)
    client.close()


def test_config_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "config.toml"
    toml.write_text('server = "https://file.example"\nkey = "pbk_file"\n')
    env = {"PEERBENCH_CONFIG": str(toml)}
    assert load_config(environ=env).server == "https://file.example"
    env["PEERBENCH_SERVER"] = "https://env.example/"
    config = load_config(environ=env)
    assert (config.server, config.key.get_secret_value()) == ("https://env.example", "pbk_file")
    assert (
        load_config("https://arg.example", "pbk_arg", environ=env).server == "https://arg.example"
    )
    assert "pbk_file" not in repr(config)
    as_json = tmp_path / "config.json"
    as_json.write_text(json.dumps({"server": "https://json.example", "key": "pbk_j"}))
    assert load_config(environ={}, path=as_json).server == "https://json.example"


def test_missing_config_says_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_config(environ={"PEERBENCH_CONFIG": str(tmp_path / "none.toml")})
    broken = tmp_path / "bad.toml"
    broken.write_text('key = "pbk_leak\n')
    with pytest.raises(ConfigError) as caught:
        load_config(environ={}, path=broken)
    assert "pbk_leak" not in str(caught.value)
