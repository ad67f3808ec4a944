"""A HEXAD_HOME with the API tests' demo database (20 clients) and the findings of three agents."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from functools import cache
from pathlib import Path

from hexad.agents.service import run_agent
from hexad.config import Settings, load_settings
from tests.unit.api.demo_home import install_demo_database


@cache
def _prepared() -> Path:
    home = Path(tempfile.mkdtemp(prefix="hexad-ask-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    install_demo_database(home)
    settings = load_settings(home=home)
    for agent in ("cpi", "sli", "dsa"):
        run_agent(agent, settings=settings)
    with sqlite3.connect(home / "hexad.db") as conn:  # the findings sit in the WAL until checkpointed
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home


def ask_home(target: Path) -> Settings:
    """Copy the prepared database into `target` and return settings on it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_prepared() / "hexad.db", target / "hexad.db")
    return load_settings(home=target)
