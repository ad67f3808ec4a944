"""`hexad patterns test --pattern FILE --event FILE`: does this event match this pattern?

Prints `true` or `false` (exit 0). An invalid pattern, or a file that cannot be read or is not a
JSON object, prints `error: <what and where>` and exits 2, so scripts can tell "no match" from
"broken input".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hexad.errors import HexadError, ValidationError
from hexad.runtime.patterns import compile_pattern

__all__ = ["app"]

app = typer.Typer(help="Try EventBridge event patterns against events.", no_args_is_help=True)

_errors = Console(stderr=True)


def _read_json(path: Path, option: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{option} {path}: cannot read the file: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{option} {path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


@app.command("test")
def test_pattern(
    pattern: Annotated[Path, typer.Option("--pattern", help="JSON file holding the event pattern")],
    event: Annotated[Path, typer.Option("--event", help="JSON file holding the event")],
) -> None:
    """Print `true` when the event matches the pattern, else `false`."""
    try:
        document = _read_json(pattern, "--pattern")
        compiled = compile_pattern(document if isinstance(document, dict) else json.dumps(document))
        payload = _read_json(event, "--event")
        if not isinstance(payload, dict):
            raise ValidationError(
                f"--event {event}: expected a JSON object (an event), got {type(payload).__name__}"
            )
    except HexadError as exc:
        _errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    typer.echo("true" if compiled.matches(payload) else "false")
