"""The demo data set (20 clients), generated and imported once per test process, copied into a test's home.

Generating and importing take several seconds; copying the finished domain database takes milliseconds.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hexad.config import load_settings
from hexad.demo.generator import generate
from hexad.ingest import import_paths

__all__ = ["demo_files", "install_demo_database"]


@cache
def _prepared() -> Path:
    root = Path(tempfile.mkdtemp(prefix="hexad-api-demo-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    generate(11, root / "files", clients=20)
    import_paths([root / "files"], settings=load_settings(home=root / "home"), publish=lambda entries: None)
    return root


def demo_files() -> Path:
    """The folder of demo entity files (CSV, Parquet, contracts/)."""
    return _prepared() / "files"


def install_demo_database(home: Path) -> None:
    """Put the imported demo domain database into `home` (before an app is built on it)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_prepared() / "home" / "hexad.db", home / "hexad.db")
