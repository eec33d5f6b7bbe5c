"""Hot paths: writes straight through the driver inside the caller's transaction, and
point reads that need not leave the event loop.

Piccolo spends ~0.2 ms building a `Table` instance and as much again turning it into SQL, more
than the database spends storing the row. Where rows are written many at a time (imports) or
many times a second (survey submissions), they go through `insert_rows` instead: a row is a
dict, unset columns take the table's defaults, and values are converted the way Piccolo stores
them (JSON as text; timestamps by the adapters Piccolo registers for SQLite, natively by
asyncpg), so Piccolo reads them back exactly as if it had written them.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from piccolo.columns import JSON, JSONB
from piccolo.columns.defaults.base import Default
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

# Both engines accept at most 32,766 parameters in one statement.
MAX_PARAMETERS = 32_000

T = TypeVar("T")
_POINT_READ: ContextVar[bool] = ContextVar("point_read", default=False)


async def point_read(query: Awaitable[T]) -> T:
    """Await a query that reads a few rows by key, or a small table, on a path taken many
    times a second (a survey submission's invitation, allowance and routing rules).

    An engine that can run such a read on the event loop's own thread does (SQLite's: the
    read takes microseconds, a trip to a connection's thread and back costs more); any other
    runs it as usual. Never for a scan: it would hold up every request while it runs."""
    marker = _POINT_READ.set(True)
    try:
        return await query
    finally:
        _POINT_READ.reset(marker)


def in_point_read() -> bool:
    return _POINT_READ.get()


@dataclass(frozen=True)
class _Shape:
    """What insert_rows needs to know about a table, worked out once per table."""

    names: tuple[str, ...]
    column_list: str
    defaults: tuple[Any, ...]
    json_columns: frozenset[str]
    callable_defaults: frozenset[str]


@functools.cache
def _shape(table: type[Table]) -> _Shape:
    columns = [column for column in table._meta.columns if column is not table._meta.primary_key]
    defaults = []
    callables = set()
    for column in columns:
        default = column.get_default_value()
        if isinstance(default, Default):
            callables.add(column._meta.name)
        defaults.append(default)
    return _Shape(
        names=tuple(column._meta.name for column in columns),
        column_list=", ".join(f'"{column._meta.db_column_name}"' for column in columns),
        defaults=tuple(defaults),
        json_columns=frozenset(
            column._meta.name for column in columns if isinstance(column, (JSON, JSONB))
        ),
        callable_defaults=frozenset(callables),
    )


def _connection(table: type[Table]) -> Any:
    transaction = table._meta.db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_rows runs inside the caller's transaction")
    return transaction.connection


async def insert_rows(table: type[Table], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` into `table` with one multi-row `INSERT … RETURNING id` per 32k values,
    in the current transaction; the new ids, in order."""
    if not rows:
        return []
    connection = _connection(table)
    postgres = table._meta.db.engine_type == "postgres"
    shape = _shape(table)
    width = len(shape.names)
    ids: list[int] = []
    chunk = max(1, MAX_PARAMETERS // width)
    head = f'INSERT INTO "{table._meta.tablename}" ({shape.column_list}) VALUES '  # noqa: S608
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        values: list[Any] = []
        for row in part:
            for name, default in zip(shape.names, shape.defaults, strict=True):
                if name in row:
                    value = row[name]
                else:
                    value = default.python() if name in shape.callable_defaults else default
                if name in shape.json_columns and value is not None and not isinstance(value, str):
                    value = dump_json(value)
                values.append(value)
        if postgres:
            groups = (
                "(" + ", ".join(f"${n * width + i + 1}" for i in range(width)) + ")"
                for n in range(len(part))
            )
        else:
            groups = ("(" + ", ".join("?" * width) + ")" for _ in part)
        # Table and column names come from our table classes; every value is a bound parameter.
        sql = head + ", ".join(groups) + ' RETURNING "id"'
        if postgres:
            result = await connection.fetch(sql, *values)
        else:
            # SQLite: the engine's writer connection returns the rows in one call.
            result = await connection.execute_fetchall(sql, values)
        ids.extend(row["id"] for row in result)
    return ids
