"""Fixtures every suite may use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hexad.config import get_settings


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HEXAD_HOME so nothing leaks between tests or into the work tree."""
    home = tmp_path / "hexad-home"
    monkeypatch.setenv("HEXAD_HOME", str(home))
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
