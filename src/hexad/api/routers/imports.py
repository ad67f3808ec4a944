"""/api/v1/imports: upload one data file and import it with the CLI's validation and all-or-nothing rule.

The upload is bounded (20 MB) and its content must be what its format claims (`uploads.detect_kind`).
It is written to a private temporary folder inside HEXAD_HOME under a name Hexad makes (the entity and
the format's suffix), imported by `hexad.ingest.import_paths` in a worker thread, and removed. A file
with any bad row imports nothing; the problem document lists the first 50 problems (file, row, line,
column, value, expected) with the uploaded file's name, never the temporary path. The `data.imported`
events go to the app's event bus on the app's own event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel

from hexad.api.problems import ProblemError
from hexad.api.routers.uploads import MAX_UPLOAD_BYTES, client_name, detect_kind, read_bounded
from hexad.api.security import Principal, require
from hexad.domain.schemas import ENTITIES
from hexad.errors import ImportValidationError
from hexad.ingest import ImportReport, import_paths
from hexad.ingest.readers import FORMATS
from hexad.lake.objects import open_object_store
from hexad.runtime.bus import EventBus

__all__ = ["MAX_SHOWN", "router"]

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

MAX_SHOWN = 50
# The content kind each format's bytes must have.
_CONTENT = {"csv": "text", "jsonl": "text", "parquet": "parquet", "xlsx": "xlsx"}


class EntityCountsOut(BaseModel):
    inserted: int
    updated: int
    unchanged: int


class ImportOut(BaseModel):
    """What the import did per entity; `event_error` says if the `data.imported` events were not sent."""

    file: str
    entity: str
    entities: dict[str, EntityCountsOut]
    total_rows: int
    raw_objects: list[str]
    event_error: str | None = None


def _entity(name: str, entity: str | None) -> str:
    chosen = (entity or PurePosixPath(name).stem).strip().lower()
    if chosen not in ENTITIES:
        how = "entity" if entity else "the file name"
        raise ProblemError(
            422,
            "invalid-input",
            f"{how} names no entity ({chosen!r}); expected one of {', '.join(ENTITIES)}",
        )
    return chosen


def _format(name: str, data: bytes) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        expected = ", ".join(sorted(FORMATS))
        raise ProblemError(415, "unsupported-media-type", f"{name}: expected a file ending in {expected}")
    found = detect_kind(data)
    if found != _CONTENT[kind]:
        what = "unrecognised content" if found is None else f"{found} content"
        raise ProblemError(415, "unsupported-media-type", f"{name}: expected {kind} content, got {what}")
    return suffix


def _publisher(bus: EventBus, loop: asyncio.AbstractEventLoop) -> Any:
    """Put entries on the app's bus from the import thread, on the loop that owns the bus."""

    def publish(entries: list[dict[str, Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(bus.put_events(entries), loop).result()

    return publish


def _problem(exc: ImportValidationError, temporary: Path, name: str) -> ProblemError:
    def shown(value: Any) -> Any:
        return value.replace(str(temporary), name) if isinstance(value, str) else value

    issues = [
        {key: shown(value) for key, value in issue.as_dict().items()}
        for issue in exc.issues[:MAX_SHOWN]
        if hasattr(issue, "as_dict")
    ]
    return ProblemError(
        422, "import-invalid", shown(str(exc)), errors=issues, error_count=len(exc.issues) or None
    )


@router.post("", response_model=ImportOut, status_code=201)
async def import_file(
    request: Request,
    _: Annotated[Principal, Depends(require("imports:write"))],
    file: Annotated[UploadFile, File(description="one csv, jsonl, parquet or xlsx file, at most 20 MB")],
    entity: Annotated[str | None, Query(description="the entity; default: the file name")] = None,
) -> ImportOut:
    """Import one file: every row validated first, then all rows in one transaction, or none."""
    name = client_name(file, "upload")
    chosen = _entity(name, entity)
    data = await read_bounded(file, MAX_UPLOAD_BYTES)
    suffix = _format(name, data)
    settings = request.app.state.settings
    folder = settings.home / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix="import-") as work:
        path = Path(work) / f"{chosen}{suffix}"
        path.write_bytes(data)
        try:
            report = await asyncio.to_thread(
                import_paths,
                [path],
                entity=chosen,
                settings=settings,
                publish=_publisher(request.app.state.bus, asyncio.get_running_loop()),
                engine=request.app.state.engine,
                store=open_object_store(settings.effective_object_store_url),
                clock=request.app.state.clock,
            )
        except ImportValidationError as exc:
            raise _problem(exc, path, name) from None
    return _out(report, name, chosen)


def _out(report: ImportReport, name: str, entity: str) -> ImportOut:
    data = report.as_dict()
    return ImportOut(
        file=name,
        entity=entity,
        entities={
            key: EntityCountsOut(**{k: v for k, v in value.items() if k != "files"})
            for key, value in data["entities"].items()
        },
        total_rows=data["total_rows"],
        raw_objects=data["raw_objects"],
        event_error=report.event_error,
    )
