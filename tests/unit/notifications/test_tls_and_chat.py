"""SMTP with STARTTLS and login against aiosmtpd with a throwaway CA; Slack and Teams payloads."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from hexad.config import load_settings
from hexad.notifications.assembly import Notifications, build_notifications
from hexad.notifications.settings import NotificationSettings
from hexad.runtime.clock import ManualClock
from tests.unit.notifications.conftest import WebhookPeer

FINDING = {
    "title": "Licence over-deployed: SUB-0042",
    "summary": "52 seats assigned, 40 purchased",
    "link": "https://hexad.example/findings/f-42",
}
ATTRIBUTES = {
    "severity": "critical",
    "agent": "sli",
    "kind": "licence_over_deployed",
    "subject_id": "SUB-0042",
}


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hexad test smtp")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.pem", folder / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, list[Any]]]:
    cert_file, key_file = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append((session.ssl is not None, envelope.content))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"tls-password"
        return AuthResult(success=ok, handled=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=authenticate, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    yield port, cert_file, received
    controller.stop()


def _options(port: int, ca_file: Path | None) -> NotificationSettings:
    return NotificationSettings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security="starttls", smtp_username="hexad",
        smtp_password=SecretStr("tls-password"), smtp_ca_file=None if ca_file is None else str(ca_file),
    )  # fmt: skip


async def _send_one(options: NotificationSettings) -> Notifications:
    parts = build_notifications(load_settings(), clock=ManualClock(), options=options)
    await parts.service.create_topic("findings")
    subscription = await parts.service.subscribe("findings", "email", "ann@msp.example")
    await parts.service.confirm(parts.service.confirm_token(subscription))
    await parts.service.queues.purge("notify-deliveries")
    await parts.service.publish("findings", FINDING["title"], FINDING, ATTRIBUTES)
    await parts.deliveries.drain()
    await parts.aclose()
    return parts


async def test_starttls_then_login_delivers_over_an_encrypted_session(
    tls_server: tuple[int, Path, list[Any]],
) -> None:
    port, ca_file, received = tls_server
    parts = await _send_one(_options(port, ca_file))
    assert parts.deliveries.counts["delivered"] == 1
    [(encrypted, content)] = received
    mail = email.message_from_bytes(content, policy=email.policy.default)
    assert encrypted and mail["Subject"] == "[Hexad] Licence over-deployed: SUB-0042"


async def test_an_untrusted_certificate_is_refused_and_retried(
    tls_server: tuple[int, Path, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    port, _, received = tls_server
    parts = await _send_one(_options(port, None))
    assert received == [] and parts.deliveries.counts["retried"] == 1
    assert "TLS failed (CERTIFICATE_VERIFY_FAILED)" in caplog.text


async def test_slack_blocks_and_teams_adaptive_card(parts: Notifications, webhook_peer: WebhookPeer) -> None:
    service = parts.service
    await service.create_topic("findings")
    await service.subscribe("findings", "slack", f"{webhook_peer.url}/slack", owner="ann")
    await service.subscribe("findings", "teams", f"{webhook_peer.url}/teams")
    await service.publish("findings", FINDING["title"], FINDING, ATTRIBUTES)
    await parts.deliveries.drain()
    posted = {request.path: json.loads(request.body) for request in webhook_peer.requests}
    slack = posted["/slack"]
    assert slack["text"] == FINDING["title"]
    header, summary, fields, actions = slack["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": ":rotating_light: Licence over-deployed: SUB-0042",
            "emoji": True,
        },
    }
    assert summary["text"] == {"type": "mrkdwn", "text": "52 seats assigned, 40 purchased"}
    assert {"type": "mrkdwn", "text": "*Severity*\ncritical"} in fields["fields"]
    open_button, mute_button = actions["elements"]
    assert open_button["url"] == FINDING["link"] and "/notifications/mute?token=" in mute_button["url"]
    teams = posted["/teams"]
    [attachment] = teams["attachments"]
    card = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == FINDING["title"]
    assert {"title": "Agent", "value": "sli"} in card["body"][2]["facts"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Hexad", "url": FINDING["link"]}]
