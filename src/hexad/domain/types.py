"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no decimal type: a `NUMERIC` column stores money as a binary double, and SQLAlchemy's
`Numeric` warns on every read there. `Decimals` keeps `NUMERIC(p, s)` in the DDL on both engines (so
SQL and DuckDB see a number and can sum it) and, on SQLite only, converts to and from `Decimal` itself,
quantized to the column's scale. With 14 significant digits and 2 places every amount round-trips
exactly through a double (which holds 15), so no cent is ever lost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["Decimals", "JsonDocument", "Money", "Quantity"]


class Decimals(TypeDecorator[Decimal]):
    """`NUMERIC(precision, scale)` read and written as `Decimal` on every engine."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=False))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(self._quantum)


def Money() -> Decimals:  # noqa: N802 - reads like a type in column declarations
    """An amount of money: `NUMERIC(14, 2)`."""
    return Decimals(14, 2)


def Quantity() -> Decimals:  # noqa: N802 - reads like a type in column declarations
    """Hours, seat counts with fractions, quantities on a line: `NUMERIC(12, 2)`."""
    return Decimals(12, 2)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")
