"""Settings read once at start-up from `HEXAD_*` variables (and a `.env` file if present).

A bad value stops Hexad at start with the variable's name and what was expected, never later in the
middle of work. Secrets are `SecretStr` so they print masked everywhere, including `hexad config show`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from hexad.errors import ConfigError

__all__ = ["Profile", "Settings", "get_settings", "load_settings"]

Profile = Literal["embedded", "distributed", "aws"]
LlmProvider = Literal["offline", "anthropic", "bedrock", "openai"]
_URL_SCHEMES = {
    "database_url": ("sqlite", "postgresql", "postgresql+psycopg"),
    "nats_url": ("nats", "tls"),
    "object_store_url": ("file", "s3"),
}


class Settings(BaseSettings):
    """Effective configuration of one Hexad process."""

    model_config = SettingsConfigDict(
        env_prefix="HEXAD_", env_file=".env", extra="ignore", validate_default=True
    )

    profile: Profile = Field("embedded", description="embedded | distributed | aws")
    home: Path = Field(Path(".hexad"), description="data folder for the embedded profile")
    database_url: str | None = Field(None, description="SQLAlchemy URL of the relational database")
    nats_url: str = Field("nats://127.0.0.1:4222", description="NATS server for the distributed profile")
    object_store_url: str | None = Field(None, description="file:///path or s3://bucket/prefix")
    s3_endpoint_url: str | None = Field(None, description="endpoint of an S3-compatible store")
    s3_access_key_id: str | None = Field(None, description="S3 key id (else boto3's credential chain)")
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret key")
    aws_region: str = Field("us-east-1", description="AWS region for the aws profile")
    llm_provider: LlmProvider = Field("offline", description="offline | anthropic | bedrock | openai")
    llm_model: str | None = Field(None, description="model name for the chosen LLM provider")
    anthropic_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = Field(None, description="OpenAI-compatible server (vLLM, Ollama...)")
    jwt_secret: SecretStr | None = Field(None, description="signing key for API tokens")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url", "nats_url", "object_store_url")
    @classmethod
    def _check_scheme(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        allowed = _URL_SCHEMES[info.field_name]
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in allowed:
            raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in allowed)}")
        return value

    @property
    def effective_database_url(self) -> str:
        """The domain database: a SQLite file in `home` unless a URL is given."""
        return self.database_url or f"sqlite:///{(self.home / 'hexad.db').resolve()}"

    @property
    def runtime_database_path(self) -> Path:
        """The embedded runtime's single SQLite file (bus, queues, schedules, state, workflows)."""
        return self.home / "runtime.db"

    @property
    def effective_object_store_url(self) -> str:
        """Where the lake lives: a local folder in `home` unless a URL is given."""
        return self.object_store_url or f"file://{(self.home / 'lake').resolve()}"

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets replaced by asterisks, derived locations filled in."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown[name] = "********"
            else:
                shown[name] = "" if value is None else str(value)
        shown["database_url"] = _mask_password(self.effective_database_url)
        shown["object_store_url"] = self.effective_object_store_url
        return shown


def _mask_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}" if ":" in credentials else url


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation failures into one `ConfigError` naming each variable."""
    try:
        return Settings(**overrides)
    except PydanticValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"HEXAD_{field.upper()}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
