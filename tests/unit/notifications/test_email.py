"""Email over SMTP against an aiosmtpd server in the test process: confirmation, bodies, auth, secrets."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from hexad.config import load_settings
from hexad.notifications.assembly import build_notifications
from hexad.notifications.preferences import Preferences
from hexad.notifications.settings import NotificationSettings
from hexad.runtime.clock import ManualClock

PASSWORD = "s3cret-smtp-password"
EVIDENCE = {"margin_pct": [41.0, 18.0], "baseline_months": "2025-01..2025-06", "client_id": "CL-0007"}


@dataclass
class Mailbox:
    port: int
    mails: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(_free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == b"hexad" and data.password == PASSWORD.encode()
        if ok:
            box.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=box.port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    yield box
    controller.stop()


def options_for(box: Mailbox, password: str = PASSWORD) -> NotificationSettings:
    return NotificationSettings(
        smtp_host="127.0.0.1", smtp_port=box.port, smtp_security="none", smtp_username="hexad",
        smtp_password=SecretStr(password), smtp_sender="Hexad <hexad@msp.example>",
        dashboard_url="https://hexad.example",
    )  # fmt: skip


def parts_of(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_an_email_subscription_confirms_then_receives_findings_with_evidence_and_link(
    smtp_server: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    parts = build_notifications(load_settings(), clock=ManualClock(), options=options_for(smtp_server))
    service = parts.service
    await service.create_topic("findings")
    await service.subscribe("findings", "email", "ann@msp.example", owner="ann")
    await service.publish("findings", "ignored until confirmed", {"title": "x"})
    await parts.deliveries.drain()
    [confirmation] = smtp_server.mails
    assert confirmation["To"] == "ann@msp.example" and "Confirm" in confirmation["Subject"]
    text, html = parts_of(confirmation)
    link = re.search(r"https://hexad\.example/notifications/confirm\?token=(\S+)", text)
    assert link is not None and link.group(0) in html
    await service.confirm(link.group(1))

    body: dict[str, Any] = {
        "title": "Margin erosion: CL-0007",
        "summary": "Margin fell from 41% to 18% over 6 months",
        "evidence": EVIDENCE,
        "recommended_action": "Review the agreement's price",
        "link": "https://hexad.example/findings/f-1",
    }
    attributes = {"severity": "high", "agent": "cpi", "subject_id": "CL-0007"}
    await service.publish("findings", body["title"], body, attributes)
    await parts.deliveries.drain()
    mail = smtp_server.mails[-1]
    assert (
        mail["Subject"] == "[Hexad] Margin erosion: CL-0007" and mail["From"] == "Hexad <hexad@msp.example>"
    )
    text, html = parts_of(mail)
    for part in (text, html):
        assert "Margin fell from 41% to 18%" in part and "https://hexad.example/findings/f-1" in part
        assert "margin_pct" in part and "[41.0, 18.0]" in part and "CL-0007" in part
        assert "https://hexad.example/notifications/mute?token=" in part
    assert "<th" in html and "Review the agreement" in text
    assert smtp_server.logins == ["hexad", "hexad"]
    assert PASSWORD not in caplog.text
    await parts.aclose()


async def test_a_refused_login_is_retried_and_never_logs_the_password(
    smtp_server: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    parts = build_notifications(
        load_settings(), clock=ManualClock(), options=options_for(smtp_server, "wrong-pw-123")
    )
    service = parts.service
    await service.create_topic("findings")
    subscription = await service.subscribe("findings", "email", "ann@msp.example")
    await service.confirm(service.confirm_token(subscription))
    await parts.deliveries.drain()
    assert parts.deliveries.counts["retried"] >= 1 and smtp_server.mails == []
    assert "refused the login" in caplog.text and "wrong-pw-123" not in caplog.text
    assert "wrong-pw-123" not in repr(options_for(smtp_server, "wrong-pw-123"))
    await parts.aclose()


async def test_a_daily_digest_arrives_as_one_mail_listing_every_item(smtp_server: Mailbox) -> None:
    clock = ManualClock()
    parts = build_notifications(load_settings(), clock=clock, options=options_for(smtp_server))
    service = parts.service
    await service.create_topic("findings")
    subscription = await service.subscribe("findings", "email", "ann@msp.example", owner="ann")
    await service.confirm(service.confirm_token(subscription))
    await service.store.put_preferences("ann", Preferences("ann", digest="daily", digest_hour=8).to_dict())
    for client in ("CL-0001", "CL-0002"):
        body = {"title": f"Margin erosion: {client}", "link": f"https://hexad.example/findings/{client}"}
        await service.publish("findings", body["title"], body, {"severity": "high", "subject_id": client})
    await parts.deliveries.drain()
    assert len(smtp_server.mails) == 1  # the confirmation request only
    clock.advance(8 * 3600)
    await parts.deliveries.flush_held()
    await parts.deliveries.drain()
    digest = smtp_server.mails[-1]
    assert digest["Subject"] == "[Hexad] Hexad digest: 2 notifications"
    text, html = parts_of(digest)
    for client in ("CL-0001", "CL-0002"):
        assert f"Margin erosion: {client}" in text and f"https://hexad.example/findings/{client}" in html
    await parts.aclose()
