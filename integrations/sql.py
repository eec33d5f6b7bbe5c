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
from collections.abc import Awaitable, Callable, Sequence
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


def _stored_values(shape: _Shape, row: dict[str, Any]) -> list[Any]:
    """A row's values in the table's column order, converted the way Piccolo stores them."""
    values = []
    for name, default in zip(shape.names, shape.defaults, strict=True):
        if name in row:
            value = row[name]
        else:
            value = default.python() if name in shape.callable_defaults else default
        if name in shape.json_columns and value is not None and not isinstance(value, str):
            value = dump_json(value)
        values.append(value)
    return values


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
        values = [value for row in part for value in _stored_values(shape, row)]
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


# A plan with more rows than this runs table by table even on PostgreSQL: a row that names
# another's id finds it by position in a subquery, fine for a submission's dozen rows, not
# for an imported batch's thousands (which pays one round trip per table per batch anyway).
SINGLE_STATEMENT_ROWS = 64


@dataclass(frozen=True)
class NewId:
    """Stands, in a planned row, for the id that row `row` of the plan's step `step` gets."""

    step: int
    row: int


class InsertPlan:
    """Rows for several tables, where a row may hold the id of a row planned before it (a
    response's answers hold the response's id), inserted together in the caller's transaction.

    SQLite runs one `insert_rows` per table: its writer sits on the event loop's thread and a
    statement costs microseconds. PostgreSQL runs a small plan as one statement of
    data-modifying CTEs: a round trip costs the server and PostgreSQL ~100 µs of CPU between
    them whatever the statement, and a survey submission writes to up to six tables. Ids are
    given in row order within a step (one INSERT numbers its rows in order), as with
    `insert_rows`. Work that needs the new ids (an alert naming its ticket) is registered with
    `then` and runs, in the same transaction, once they are known."""

    def __init__(self) -> None:
        self._steps: list[tuple[type[Table], list[dict[str, Any]]]] = []
        self._follow_ups: list[Callable[[], Awaitable[object]]] = []
        self._ids: list[list[int]] | None = None

    def insert(self, table: type[Table], rows: Sequence[dict[str, Any]]) -> list[NewId]:
        """Plan `rows` for `table`; what stands for their ids until the plan has run."""
        if self._ids is not None:
            raise RuntimeError("this plan has already run")
        step = len(self._steps)
        for row in rows:
            for value in row.values():
                if isinstance(value, NewId) and not (
                    value.step < step and value.row < len(self._steps[value.step][1])
                ):
                    raise ValueError(f"{value} names a row not planned before it")
        self._steps.append((table, list(rows)))
        return [NewId(step, n) for n in range(len(rows))]

    def then(self, follow_up: Callable[[], Awaitable[object]]) -> None:
        """Run `follow_up` after the rows are inserted, when `id_of` can answer."""
        self._follow_ups.append(follow_up)

    def id_of(self, ref: NewId) -> int:
        if self._ids is None:
            raise RuntimeError("the plan has not run yet")
        return self._ids[ref.step][ref.row]

    async def run(self) -> None:
        if self._ids is not None:
            raise RuntimeError("this plan has already run")
        planned = sum(len(rows) for _, rows in self._steps)
        if (
            self._steps
            and self._steps[0][0]._meta.db.engine_type == "postgres"
            and planned <= SINGLE_STATEMENT_ROWS
        ):
            self._ids = await self._run_as_one_statement()
        else:
            self._ids = []
            for table, rows in self._steps:
                self._ids.append(await insert_rows(table, [self._resolved(row) for row in rows]))
        for follow_up in self._follow_ups:
            await follow_up()

    def _resolved(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: self.id_of(v) if isinstance(v, NewId) else v for k, v in row.items()}

    async def _run_as_one_statement(self) -> list[list[int]]:
        parts: list[str] = []
        values: list[Any] = []
        for step, (table, rows) in enumerate(self._steps):
            if not rows:
                continue
            shape = _shape(table)
            groups = []
            for row in rows:
                terms = []
                for value in _stored_values(shape, row):
                    if isinstance(value, NewId):
                        terms.append(self._id_subquery(value))
                    else:
                        values.append(value)
                        terms.append(f"${len(values)}")
                groups.append("(" + ", ".join(terms) + ")")
            parts.append(
                f's{step} AS (INSERT INTO "{table._meta.tablename}" ({shape.column_list}) '  # noqa: S608
                f'VALUES {", ".join(groups)} RETURNING "id")'
            )
        if not parts:
            return [[] for _ in self._steps]
        columns = ", ".join(
            f"(SELECT array_agg(id ORDER BY id) FROM s{step})" if rows else "NULL"  # noqa: S608
            for step, (_, rows) in enumerate(self._steps)
        )
        # Table and column names come from our table classes; every value is a bound parameter.
        sql = f"WITH {', '.join(parts)} SELECT {columns}"
        row = await _connection(self._steps[0][0]).fetchrow(sql, *values)
        return [list(ids or []) for ids in row]

    def _id_subquery(self, ref: NewId) -> str:
        # Only the plan's own step and row numbers are written into the SQL.
        if len(self._steps[ref.step][1]) == 1:
            return f"(SELECT id FROM s{ref.step})"  # noqa: S608
        return f"(SELECT id FROM s{ref.step} ORDER BY id LIMIT 1 OFFSET {ref.row})"  # noqa: S608
