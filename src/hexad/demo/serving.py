"""After `hexad demo run`: serve the API and the web dashboard until Ctrl-C.

The demo ends with a browser-ready address and the admin's one-time password, so a person goes
from `make demo` to looking at the findings without another command. Non-interactive runs (CI,
`--json`, `--no-serve`) skip this.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from rich.console import Console

from hexad.api.dashboard import dashboard_folder
from hexad.config import Settings
from hexad.demo.run import ADMIN_EMAIL

__all__ = ["free_port", "serve_dashboard", "should_serve"]


def should_serve(requested: bool | None, as_json: bool) -> bool:
    """Serve when asked to, or by default when a person is at the terminal and wants no JSON."""
    if requested is not None:
        return requested
    return not as_json and sys.stdin.isatty() and sys.stdout.isatty()


def free_port(host: str, preferred: int, tries: int = 20) -> int:
    """`preferred`, or the next port up that nothing listens on."""
    for port in range(preferred, preferred + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex((host, port)) != 0:
                return port
    raise OSError(f"no free port in {preferred}..{preferred + tries - 1} on {host}")


def serve_dashboard(
    settings: Settings,
    console: Console,
    admin_password: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Print where to sign in, then run the API (which serves the dashboard at /) until Ctrl-C."""
    port = free_port(host, port)
    url = f"http://{host}:{port}/"
    if dashboard_folder() is None:
        console.print(
            "[yellow]The web dashboard is not built; `make demo` builds it (npm).[/] The API still runs."
        )
    console.rule("Dashboard")
    console.print(f"Open [bold]{url}[/] and sign in as [bold]{ADMIN_EMAIL}[/]")
    if admin_password:
        console.print(f"  one-time password [bold]{admin_password}[/] (you choose your own at first sign-in)")
    else:
        console.print(f"  with your password (forgot it? `uv run hexad users reset-password {ADMIN_EMAIL}`)")
    console.print("Ctrl-C stops the server.")
    from hexad.api.app import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
    )
