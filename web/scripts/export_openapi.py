"""Write the API's OpenAPI document to a file, so the dashboard's typed client needs no running server.

Usage: python web/scripts/export_openapi.py web/openapi.json  (run from the repository root with uv).
Building the app migrates a database, so it gets a throw-away HEXAD_HOME.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="hexad-openapi-") as home:
        os.environ["HEXAD_HOME"] = home
        os.environ.setdefault("HEXAD_JWT_SECRET", "openapi-export-only-" + "x" * 32)
        from hexad.api.app import create_app

        spec = create_app().openapi()
    target.write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_openapi.py <output.json>")
    main(Path(sys.argv[1]))
