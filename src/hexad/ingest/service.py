"""`import_paths`: files -> validation -> raw zone -> one transaction of upserts -> `data.imported` events.

All files of one import are checked before anything is written, and written in one database
transaction: a bad row anywhere means nothing is committed and `ImportValidationError` lists the
problems (the first 50, then how many more). Entities are written in foreign-key order
(`IMPORT_ORDER`) whatever order the files come in, and references are checked against the rows
already stored plus the rows being imported, so a person gets "row 12, column client_id: got
'CL-9'; expected an existing clients.client_id" instead of a database error.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from hexad.config import Settings, get_settings
from hexad.domain.database import engine_for, upgrade
from hexad.domain.models import IMPORT_ORDER, entity_table
from hexad.domain.schemas import ENTITIES
from hexad.errors import ImportValidationError
from hexad.ingest.events import Publish, bus_publisher, imported_events, publish_events
from hexad.ingest.readers import SourceFile, expand_paths, read_file
from hexad.ingest.store import (
    existing_hashes,
    existing_keys,
    existing_owners,
    key_of,
    row_hashes,
    upsert_rows,
)
from hexad.ingest.validation import ImportIssue, validate_header, validate_rows
from hexad.lake.objects import ObjectStore, open_object_store
from hexad.lake.raw import write_raw
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["EntityCounts", "ImportReport", "Publish", "import_paths"]

MAX_SHOWN = 50
_PROGRESS_ROWS = 20_000


@dataclass
class EntityCounts:
    """What one import did to one entity."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class ImportReport:
    """Per-entity counts (in import order), the raw-zone objects written and the events published."""

    counts: dict[str, EntityCounts]
    raw_objects: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    event_error: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(c.rows for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (`hexad import --json`)."""
        entities = {
            name: {"inserted": c.inserted, "updated": c.updated, "unchanged": c.unchanged, "files": c.files}
            for name, c in self.counts.items()
        }
        return {"entities": entities, "total_rows": self.total_rows, "raw_objects": self.raw_objects}


@dataclass
class _Batch:
    """The validated rows of one entity, from one or more files (`starts`: each file's first row)."""

    entity: str
    sources: list[SourceFile] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    def origin(self, index: int) -> tuple[SourceFile, int]:
        """The file and 0-based data row a batch row came from."""
        position = bisect_right(self.starts, index) - 1
        return self.sources[position], index - self.starts[position]

    def issue(self, index: int, column: str, value: Any, expected: str) -> ImportIssue:
        source, number = self.origin(index)
        return ImportIssue(str(source.path), number + 1, source.line_of(number), column, value, expected)


def import_paths(
    paths: Sequence[Path],
    *,
    entity: str | None = None,
    settings: Settings | None = None,
    show_progress: bool = False,
    publish: Publish | None = None,
    engine: Engine | None = None,
    store: ObjectStore | None = None,
    clock: Clock | None = None,
) -> ImportReport:
    """Import files (or the files in folders) into the domain database; see the module docstring.

    `publish` receives the `data.imported` entries (EventBridge `PutEvents` shape, at most 10 per
    call) after the commit; it may be a coroutine function. Without it they go to the event bus.
    Raises `ImportValidationError` (exit code 1) when any row is bad.
    """
    settings = settings or get_settings()
    engine = engine or engine_for(settings)
    store = store or open_object_store(settings.effective_object_store_url)
    now = (clock or SystemClock()).now()
    with _progress(show_progress) as progress:
        batches = _read_and_validate(paths, entity, progress)
        upgrade(engine=engine)
        try:
            with engine.begin() as connection:
                report = _write(connection, batches, store, now, progress)
        except IntegrityError as exc:
            raise ImportValidationError(
                f"the database refused the import, nothing was imported: {exc.orig}"
                " (a value that must be unique, such as invoices.invoice_number, is used by another row)"
            ) from exc
    report.events = imported_events(report.counts)
    if report.events:
        report.event_error = publish_events(publish or bus_publisher(settings), report.events)
    return report


def _read_and_validate(
    paths: Sequence[Path], entity: str | None, progress: Progress | None
) -> dict[str, _Batch]:
    files = expand_paths(paths)
    if not files:
        raise ImportValidationError(f"no importable files in {', '.join(str(p) for p in paths)}")
    batches: dict[str, _Batch] = {}
    issues: list[ImportIssue] = []
    for path in files:
        name = _entity_of(path, entity)
        source = read_file(path, name)
        batch = batches.setdefault(name, _Batch(name))
        issues += _validate(source, batch, progress)
    for batch in batches.values():
        issues += _duplicates(batch)
    _raise_if(issues)
    return batches


def _entity_of(path: Path, entity: str | None) -> str:
    name = (entity or path.stem).strip().lower()
    if name not in ENTITIES:
        known = ", ".join(ENTITIES)
        how = "--entity" if entity else "the file name"
        raise ImportValidationError(f"{path}: {how} names no entity ({name!r}); expected one of {known}")
    return name


def _validate(source: SourceFile, batch: _Batch, progress: Progress | None) -> list[ImportIssue]:
    spec = ENTITIES[batch.entity]
    issues = validate_header(source, spec)
    if issues:
        return issues
    advance = _task(progress, f"checking {source.path.name}", len(source.rows))
    rows, issues = validate_rows(source, spec, advance)
    source.rows = []  # validated copies replace the file's rows: halves the memory of a large import
    batch.sources.append(source)
    batch.starts.append(len(batch.rows))
    batch.rows += rows
    return issues


def _duplicates(batch: _Batch) -> list[ImportIssue]:
    key = ENTITIES[batch.entity].natural_key
    keys = list(map(key_of(key), batch.rows))
    if len(set(keys)) == len(keys):
        return []
    first: dict[Any, int] = {}
    issues = []
    for index, value in enumerate(keys):
        seen = first.setdefault(value, index)
        if seen != index:
            earlier, earlier_number = batch.origin(seen)
            expected = f"a unique {'+'.join(key)}; {earlier.path.name} row {earlier_number + 1} has it too"
            issues.append(batch.issue(index, ", ".join(key), value, expected))
    return issues


def _raise_if(issues: list[ImportIssue]) -> None:
    if not issues:
        return
    shown = "\n  ".join(str(issue) for issue in issues[:MAX_SHOWN])
    more = f"\n  ... and {len(issues) - MAX_SHOWN} more" if len(issues) > MAX_SHOWN else ""
    raise ImportValidationError(
        f"{len(issues)} problem(s) found; nothing was imported:\n  {shown}{more}", issues=issues
    )


def _write(
    connection: Connection,
    batches: dict[str, _Batch],
    store: ObjectStore,
    now: datetime,
    progress: Progress | None,
) -> ImportReport:
    ordered = [batches[name] for name in IMPORT_ORDER if name in batches]
    _raise_if(_reference_issues(connection, batches) + _unique_issues(connection, batches))
    report = ImportReport(counts={})
    for batch in ordered:
        report.counts[batch.entity] = _write_batch(connection, batch, now, progress)
    day = now.astimezone(UTC).date()
    for batch in ordered:  # after every upsert succeeded, before the commit
        for source in batch.sources:
            report.raw_objects.append(write_raw(store, batch.entity, day, source.path.stem, source.raw))
    return report


def _write_batch(
    connection: Connection, batch: _Batch, now: datetime, progress: Progress | None
) -> EntityCounts:
    spec = ENTITIES[batch.entity]
    stored = existing_hashes(connection, entity_table(batch.entity), spec.natural_key)
    counts = EntityCounts(files=[str(s.path) for s in batch.sources])
    changed: list[dict[str, Any]] = []
    keys = map(key_of(spec.natural_key), batch.rows)
    for row, key, digest in zip(batch.rows, keys, row_hashes(batch.rows, spec.columns), strict=True):
        previous = stored.get(key)
        if previous == digest:
            counts.unchanged += 1
            continue
        if previous is None:
            counts.inserted += 1
        else:
            counts.updated += 1
        row["row_hash"], row["imported_at"] = digest, now
        changed.append(row)
    advance = _task(progress, f"writing {batch.entity}", len(changed))
    upsert_rows(connection, entity_table(batch.entity), spec.natural_key, changed, advance)
    batch.rows = []
    return counts


def _reference_issues(connection: Connection, batches: dict[str, _Batch]) -> list[ImportIssue]:
    """Foreign-key values that are neither stored nor part of this import."""
    known: dict[tuple[str, str], set[Any]] = {}
    issues: list[ImportIssue] = []
    for batch in batches.values():
        for foreign in entity_table(batch.entity).foreign_keys:
            target = (foreign.column.table.name, foreign.column.name)
            if target not in known:
                known[target] = _known_keys(connection, batches, *target)
            issues += _missing(batch, foreign.parent.name, target, known[target])
    return issues


def _unique_issues(connection: Connection, batches: dict[str, _Batch]) -> list[ImportIssue]:
    """Values of unique columns (other than the key) that another row, stored or imported, also holds."""
    issues: list[ImportIssue] = []
    for batch in batches.values():
        table = entity_table(batch.entity)
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1:
                issues += _taken(connection, batch, next(iter(constraint.columns)).name)
    return issues


def _taken(connection: Connection, batch: _Batch, column: str) -> list[ImportIssue]:
    key = ENTITIES[batch.entity].natural_key
    keys = list(map(key_of(key), batch.rows))
    imported = set(keys)
    stored = existing_owners(connection, entity_table(batch.entity), column, key)
    owners = {value: owner for value, owner in stored.items() if owner not in imported}
    issues = []
    for index, (row, row_key) in enumerate(zip(batch.rows, keys, strict=True)):
        value = row[column]
        if value is None:
            continue
        owner = owners.setdefault(value, row_key)
        if owner != row_key:
            expected = f"a {column} that no other {batch.entity} row has ({'+'.join(key)} {owner!s} has it)"
            issues.append(batch.issue(index, column, value, expected))
    return issues


def _known_keys(connection: Connection, batches: dict[str, _Batch], entity: str, column: str) -> set[Any]:
    keys = existing_keys(connection, entity_table(entity), column)
    if entity in batches:
        keys.update(row[column] for row in batches[entity].rows)
    return keys


def _missing(batch: _Batch, column: str, target: tuple[str, str], keys: set[Any]) -> list[ImportIssue]:
    values = [row[column] for row in batch.rows]
    unknown = set(values) - keys - {None}
    if not unknown:
        return []
    expected = f"an existing {target[0]}.{target[1]} (in the database or in this import)"
    return [batch.issue(i, column, value, expected) for i, value in enumerate(values) if value in unknown]


@contextmanager
def _progress(show: bool) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        yield progress


def _task(progress: Progress | None, description: str, total: int) -> Callable[[int], None] | None:
    """A progress bar for a large file or table (small ones finish before a bar would help)."""
    if progress is None or total < _PROGRESS_ROWS:
        return None
    task = progress.add_task(description, total=total)
    return lambda done: progress.advance(task, done)
