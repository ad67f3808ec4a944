"""Entity tables as typed pandas DataFrames: how the agents read the MSP's data.

Columns come back under their contract names, typed for analysis rather than bookkeeping:

- dates and datetimes -> `datetime64[ns]` (datetimes in UTC, without a zone attached),
- money and other decimals -> `float64` rounded to cents. Analytics (sums, ratios, regressions) work
  in floats; a value that must be exact (an invoice total shown to a person) should be read through
  the models, which return `Decimal`,
- whole numbers -> nullable `Int64`, booleans -> nullable `boolean`, coordinates -> `float64`,
- text, codes and `;`-joined lists -> `object` (str, or None when empty).

The bookkeeping columns (`row_hash`, `imported_at`) are left out. On SQLite the table is read with
`pandas.read_sql` over the engine's raw DBAPI connection (no SQLAlchemy row objects in between, which
is several times faster); other engines go through a SQLAlchemy connection.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine

from hexad.config import Settings
from hexad.domain.database import engine_for
from hexad.domain.schemas import ENTITIES, EntitySpec
from hexad.errors import NotFoundError

__all__ = ["load_frame", "load_frames"]

_DATES = {"date", "datetime"}
_DECIMALS = {"money", "decimal"}


def load_frames(
    entities: Sequence[str], *, settings: Settings | None = None, engine: Engine | None = None
) -> dict[str, pd.DataFrame]:
    """One typed DataFrame per entity name, in the order asked."""
    engine = engine or engine_for(settings)
    return {entity: load_frame(entity, engine=engine) for entity in entities}


def load_frame(entity: str, *, engine: Engine) -> pd.DataFrame:
    """One entity's rows, typed as the module docstring says (an empty frame keeps its columns)."""
    spec = ENTITIES.get(entity)
    if spec is None:
        raise NotFoundError(f"no entity {entity!r}; expected one of {', '.join(ENTITIES)}")
    columns = ", ".join(f'"{c}"' for c in spec.columns)
    order = ", ".join(f'"{c}"' for c in spec.natural_key)
    query = f'SELECT {columns} FROM "{entity}" ORDER BY {order}'
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            frame = pd.read_sql(query, raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
    else:
        with engine.connect() as connection:
            frame = pd.read_sql(query, connection)
    return _typed(frame, spec)


def _typed(frame: pd.DataFrame, spec: EntitySpec) -> pd.DataFrame:
    for column, kind in spec.kinds.items():
        values = frame[column]
        if kind.name in _DATES:
            frame[column] = _datetimes(values)
        elif kind.name in _DECIMALS:
            frame[column] = pd.to_numeric(values, errors="coerce").astype("float64").round(2)
        elif kind.name == "integer":
            frame[column] = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif kind.name == "boolean":
            frame[column] = values.map(_boolean, na_action="ignore").astype("boolean")
        elif kind.name == "coordinate":
            frame[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            frame[column] = values.astype(object).where(values.notna(), None)
    return frame


def _datetimes(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, utc=True, format="ISO8601")
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _boolean(value: object) -> bool:
    return value in (True, 1, "1", "true", "t")
