"""Invite and sign-in links by email: sent through SMTP when configured, else not at all."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from peerbench.server.mailer import MailError, invite_message, link_url, send_link
from peerbench.server.settings import Settings
from tests.server.fake_smtp import fake_smtp


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings.model_validate({"data_dir": tmp_path, **values})


def test_without_smtp_nothing_is_sent(tmp_path: Path) -> None:
    assert send_link(_settings(tmp_path), "sam@example.org", "Hello", "Body") is False


def test_a_link_is_delivered_through_smtp(tmp_path: Path) -> None:
    url = link_url(_settings(tmp_path, public_url="https://pb.example.org/"), "invite", "tok123")
    assert url == "https://pb.example.org/invite/tok123"
    subject, body = invite_message(url, role="network-analyst", scope="net-1")
    with fake_smtp() as (port, mailbox):
        settings = _settings(
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            smtp_from="portal@pb.example.org",
        )
        assert send_link(settings, "sam@example.org", subject, body) is True
        assert mailbox.received.wait(5)
    [message] = mailbox.messages
    assert mailbox.recipients == [["sam@example.org"]]
    assert message["From"] == "portal@pb.example.org"
    assert message["Subject"] == "Your invitation to peerbench"
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    assert url in text and "network analyst for net-1" in text


def test_an_unreachable_server_is_a_mail_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        send_link(settings, "sam@example.org", "Hello", "Body")
