from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.config import load_settings
from hexad.errors import ConfigError


def test_defaults_are_the_embedded_profile_in_home() -> None:
    settings = load_settings()
    assert settings.profile == "embedded"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("hexad-home/hexad.db")


def test_bad_values_name_the_variable_and_what_was_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEXAD_PROFILE", "cloud")
    monkeypatch.setenv("HEXAD_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "HEXAD_PROFILE" in message and "'embedded', 'distributed' or 'aws'" in message
    assert "HEXAD_DATABASE_URL" in message and "sqlite://" in message


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEXAD_ANTHROPIC_API_KEY", "sk-ant-very-secret")
    monkeypatch.setenv("HEXAD_DATABASE_URL", "postgresql://hexad:pa55word@db:5432/hexad")
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert "sk-ant-very-secret" not in result.output
    assert "pa55word" not in result.output
    assert '"anthropic_api_key": "********"' in result.output
    assert "postgresql://hexad:********@db:5432/hexad" in result.output
