"""Notification settings (`HEXAD_SMTP_*`, `HEXAD_DASHBOARD_URL`), read from the environment.

Kept beside the notifications package so that the SMTP and link settings live with their only user.
The SMTP password is a `SecretStr`: it never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["NotificationSettings"]


class NotificationSettings(BaseSettings):
    """How mail is sent and where links in notifications point."""

    model_config = SettingsConfigDict(env_prefix="HEXAD_", env_file=".env", extra="ignore")

    smtp_host: str = Field("localhost", description="SMTP server")
    smtp_port: int = Field(587, description="SMTP port (587 STARTTLS, 465 implicit TLS, 25 plain)")
    smtp_security: Literal["starttls", "tls", "none"] = Field("starttls", description="starttls | tls | none")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = Field("Hexad <hexad@localhost>", description="From: of every mail")
    smtp_timeout: float = 10.0
    smtp_ca_file: str | None = Field(
        None, description="PEM file of CAs to trust besides the system's (a private CA)"
    )
    dashboard_url: str = Field("http://127.0.0.1:8000", description="base of links to findings")
    public_api_url: str | None = Field(
        None, description="base of confirm/mute links (default: dashboard_url)"
    )

    @property
    def links_base(self) -> str:
        return (self.public_api_url or self.dashboard_url).rstrip("/")
