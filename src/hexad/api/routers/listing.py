"""Sorting and keyset paging of lists computed in memory (analyses that the cache holds whole).

A sort is a field name, `-` first for descending. Numbers sort with nulls last in both directions;
text sorts case-blind. The row id breaks ties, and a cursor holds the last row's sort value and id,
so a page never repeats or skips a row while the list stays the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from hexad.api.pagination import Cursor, decode_cursor, encode_cursor
from hexad.errors import ValidationError

__all__ = ["check_sort", "keyset_page"]

T = TypeVar("T")


def check_sort(sort: str, fields: Collection[str]) -> None:
    """`ValidationError` naming the allowed fields when `sort` is not one of them."""
    if sort.lstrip("-") not in fields:
        raise ValidationError(
            f"sort: expected one of {', '.join(fields)} (optionally prefixed with '-'), got {sort!r}"
        )


def _key(text: bool, descending: bool) -> Callable[[Any, str], tuple[Any, ...]]:
    """An ascending key over (value, id); descending numbers are negated so nulls stay last."""
    if text:
        return lambda value, row_id: (value is None, str(value or "").casefold(), row_id)
    sign = -1 if descending else 1
    return lambda value, row_id: (value is None, 0 if value is None else sign * value, row_id)


def _check_cursor_value(value: Any, text: bool) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if value is not None and not (isinstance(value, str) if text else number):
        raise ValidationError("cursor: expected a cursor returned by a previous page")


def keyset_page(
    items: Sequence[T],
    *,
    sort: str,
    text_fields: Collection[str],
    value: Callable[[T, str], Any],
    ident: Callable[[T], str],
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One page of `items` in `sort` order after `cursor`, and the next page's cursor (or None)."""
    descending, field = sort.startswith("-"), sort.lstrip("-")
    text = field in text_fields
    key = _key(text, descending)
    reverse = descending and text
    keyed = sorted(((key(value(i, field), ident(i)), i) for i in items), key=lambda p: p[0], reverse=reverse)
    if cursor is not None:
        after = decode_cursor(cursor, sort)
        _check_cursor_value(after.value, text)
        mark = key(after.value, after.id)
        keyed = [(k, i) for k, i in keyed if (k < mark if reverse else k > mark)]
    page = [item for _, item in keyed[:limit]]
    if len(keyed) <= limit:
        return page, None
    last = page[-1]
    return page, encode_cursor(Cursor(sort, value(last, field), ident(last)))
