"""Email over SMTP: HTML and plain-text bodies from the package's Jinja2 templates.

Security follows `NotificationSettings.smtp_security`: `starttls` (port 587: upgrade, then log in),
`tls` (port 465: TLS from the first byte) or `none` (a local relay). Certificates and host names
are verified against the system's trust store (plus `HEXAD_SMTP_CA_FILE` for a private CA).
smtplib is blocking, so each mail is sent in a worker thread. A 5xx answer is permanent (no retry);
connection and TLS problems and 4xx answers are retried.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, select_autoescape

from hexad.notifications.channels.base import Delivery, payload_fields
from hexad.notifications.errors import DeliveryError
from hexad.notifications.settings import NotificationSettings

__all__ = ["EmailChannel", "render_email"]

_TEMPLATES = Environment(
    loader=PackageLoader("hexad.notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_email(delivery: Delivery, sender: str) -> EmailMessage:
    """The mail for a delivery: a confirmation request or a notification, as text and HTML."""
    name = "confirm" if delivery.is_confirmation else "notification"
    context = {
        **payload_fields(delivery.message),
        "topic": delivery.subscription.topic,
        "mute_url": delivery.mute_url,
        "confirm_url": delivery.confirm_url,
    }
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = delivery.subscription.endpoint
    mail["Subject"] = (
        f"[Hexad] {context['title']}"[:200]
        if not delivery.is_confirmation
        else "[Hexad] Confirm your subscription"
    )
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="hexad.local")
    mail["X-Hexad-Message-Id"] = delivery.message.id
    mail.set_content(_TEMPLATES.get_template(f"{name}.txt.j2").render(context))
    mail.add_alternative(_TEMPLATES.get_template(f"{name}.html.j2").render(context), subtype="html")
    return mail


class EmailChannel:
    """Sends mails through the configured SMTP server."""

    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings

    async def deliver(self, delivery: Delivery) -> None:
        mail = render_email(delivery, self._settings.smtp_sender)
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: EmailMessage) -> None:
        settings = self._settings
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        try:
            with self._connect() as smtp:
                if settings.smtp_username:
                    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                    smtp.login(settings.smtp_username, password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError(f"SMTP server {where} refused the recipient", retryable=False) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"SMTP server {where} refused the login of {settings.smtp_username!r} ({exc.smtp_code})"
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP server {where} answered {exc.smtp_code}", retryable=exc.smtp_code < 500
            ) from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"SMTP server {where}: TLS failed ({exc.reason or type(exc).__name__})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server {where} unreachable ({type(exc).__name__})") from None

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        timeout = settings.smtp_timeout
        if settings.smtp_security == "tls":
            return smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=self._tls()
            )
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        if settings.smtp_security == "starttls":
            try:
                smtp.starttls(context=self._tls())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        """Certificates and host names verified, against the system's CAs and `smtp_ca_file`."""
        context = ssl.create_default_context()
        if self._settings.smtp_ca_file:
            context.load_verify_locations(cafile=self._settings.smtp_ca_file)
        return context
