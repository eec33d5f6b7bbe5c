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
import re
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
    response's answers hold the response's id), written together.

    A plan may also carry a claim, a conditional `UPDATE … RETURNING` without which none of
    its rows are written (an invitation marked used: of two concurrent submissions, one
    wins), and further statements that run whatever the claim says (a rate-limit count).
    Statements are written with Piccolo's `{}` placeholders; every value is a parameter.

    SQLite runs the claim, one `insert_rows` per table, then the rest: its writer sits on
    the event loop's thread and a statement costs microseconds. PostgreSQL runs a small plan
    as one statement of data-modifying CTEs: a round trip costs the server and PostgreSQL
    ~100 µs of CPU between them whatever the statement, and a survey submission writes to up
    to six tables; `commit` then needs no `BEGIN` and `COMMIT` either, since one statement
    is its own transaction. Ids are given in row order within a step (one INSERT numbers
    its rows in order), as with `insert_rows`. Work that needs the new ids (an alert naming
    its ticket) is registered with `then` and runs, in the same transaction, once they are
    known."""

    def __init__(self) -> None:
        self._steps: list[tuple[type[Table], list[dict[str, Any]]]] = []
        self._claim: tuple[type[Table], str, tuple[Any, ...]] | None = None
        self._statements: list[tuple[type[Table], str, tuple[Any, ...]]] = []
        self._follow_ups: list[Callable[[], Awaitable[object]]] = []
        self._ids: list[list[int]] | None = None

    def claim(self, table: type[Table], sql: str, *args: Any) -> None:
        """Write the rows only if `sql`, an `UPDATE … RETURNING` on `table`, changes a row."""
        self._unrun()
        if self._claim is not None:
            raise ValueError("a plan has at most one claim")
        self._claim = (table, sql, args)

    def execute(self, table: type[Table], sql: str, *args: Any) -> None:
        """Also run `sql` on `table` (after the rows), whether or not the claim holds."""
        self._unrun()
        self._statements.append((table, sql, args))

    def insert(self, table: type[Table], rows: Sequence[dict[str, Any]]) -> list[NewId]:
        """Plan `rows` for `table`; what stands for their ids until the plan has run."""
        self._unrun()
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

    async def commit(self) -> bool:
        """Run the plan as a transaction of its own (or as part of the caller's, if one is
        open); False when the claim changed nothing (and so nothing but the plan's other
        statements was written)."""
        self._unrun()
        table = self._table()
        engine = table._meta.db
        pool = getattr(engine, "pool", None)
        alone = engine.current_transaction.get() is None
        if alone and pool is not None and self._as_one_statement() and not self._follow_ups:
            async with pool.acquire() as connection:
                return await self._run_as_one_statement(connection)
        async with engine.transaction():
            return await self.run()

    async def run(self) -> bool:
        """Run the plan in the caller's transaction; False as for `commit`."""
        self._unrun()
        table = self._table()
        connection = _connection(table)
        if self._as_one_statement():
            claimed = await self._run_as_one_statement(connection)
        else:
            claimed = True
            if self._claim is not None:
                claim_table, sql, args = self._claim
                claimed = bool(await _execute(claim_table, connection, sql, args))
            self._ids = []
            for step_table, rows in self._steps:
                resolved = [self._resolved(row) for row in rows] if claimed else []
                self._ids.append(await insert_rows(step_table, resolved))
            for step_table, sql, args in self._statements:
                await _execute(step_table, connection, sql, args)
        if claimed:
            for follow_up in self._follow_ups:
                await follow_up()
        return claimed

    def _unrun(self) -> None:
        if self._ids is not None:
            raise RuntimeError("this plan has already run")

    def _table(self) -> type[Table]:
        """A table of the plan, whose engine runs it (all of a plan's share one)."""
        if self._steps:
            return self._steps[0][0]
        if self._claim is not None:
            return self._claim[0]
        if self._statements:
            return self._statements[0][0]
        raise ValueError("an empty plan has nothing to run")

    def _as_one_statement(self) -> bool:
        planned = sum(len(rows) for _, rows in self._steps)
        return self._table()._meta.db.engine_type == "postgres" and planned <= SINGLE_STATEMENT_ROWS

    def _resolved(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: self.id_of(v) if isinstance(v, NewId) else v for k, v in row.items()}

    async def _run_as_one_statement(self, connection: Any) -> bool:
        parts: list[str] = []
        values: list[Any] = []

        def parameters(sql: str, args: Sequence[Any]) -> str:
            numbered = _numbered(sql, args, first=len(values) + 1)
            values.extend(args)
            return numbered

        if self._claim is not None:
            _, sql, args = self._claim
            parts.append(f"claim AS ({parameters(sql, args)})")
        for step, (table, rows) in enumerate(self._steps):
            if rows:
                parts.append(f"s{step} AS ({self._insert_sql(table, rows, values)})")
        for n, (_, sql, args) in enumerate(self._statements):
            parts.append(f"x{n} AS ({parameters(sql, args)})")
        claimed = "(SELECT count(*) FROM claim)" if self._claim else "1"
        columns = ", ".join(
            f"(SELECT array_agg(id ORDER BY id) FROM s{step})" if rows else "NULL"  # noqa: S608
            for step, (_, rows) in enumerate(self._steps)
        )
        # Table and column names come from our table classes; every value is a parameter.
        sql = f"WITH {', '.join(parts)} SELECT {claimed}" + (f", {columns}" if columns else "")
        row = await connection.fetchrow(sql, *values)
        self._ids = [list(ids or []) for ids in list(row)[1:]]
        return bool(row[0])

    def _insert_sql(self, table: type[Table], rows: list[dict[str, Any]], values: list[Any]) -> str:
        shape = _shape(table)
        # Gated on the claim, the rows are a SELECT, whose values need their types spelt out
        # (an INSERT's own VALUES list takes them from the columns).
        casts = _pg_casts(table) if self._claim else None
        groups = []
        for row in rows:
            terms = []
            for n, value in enumerate(_stored_values(shape, row)):
                if isinstance(value, NewId):
                    terms.append(self._id_subquery(value))
                    continue
                values.append(value)
                terms.append(f"${len(values)}::{casts[n]}" if casts else f"${len(values)}")
            groups.append("(" + ", ".join(terms) + ")")
        head = f'INSERT INTO "{table._meta.tablename}" ({shape.column_list}) '
        if casts:
            return (
                f"{head}SELECT * FROM (VALUES {', '.join(groups)}) AS v "  # noqa: S608
                'WHERE EXISTS (SELECT 1 FROM claim) RETURNING "id"'
            )
        return f'{head}VALUES {", ".join(groups)} RETURNING "id"'

    def _id_subquery(self, ref: NewId) -> str:
        # Only the plan's own step and row numbers are written into the SQL.
        if len(self._steps[ref.step][1]) == 1:
            return f"(SELECT id FROM s{ref.step})"  # noqa: S608
        return f"(SELECT id FROM s{ref.step} ORDER BY id LIMIT 1 OFFSET {ref.row})"  # noqa: S608


async def _execute(table: type[Table], connection: Any, sql: str, args: Sequence[Any]) -> list:
    """A planned statement with `{}` placeholders, on the transaction's connection."""
    if table._meta.db.engine_type == "postgres":
        return await connection.fetch(_numbered(sql, args, first=1), *args)
    return await connection.execute_fetchall(sql.replace("{}", "?"), list(args))


def _numbered(sql: str, args: Sequence[Any], first: int) -> str:
    """`sql` with its `{}` placeholders numbered for asyncpg, from `$first` on."""
    pieces = sql.split("{}")
    if len(pieces) != len(args) + 1:
        raise ValueError("a statement needs one argument per {} placeholder")
    return pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], start=first))


@functools.cache
def _pg_casts(table: type[Table]) -> tuple[str, ...]:
    """Each inserted column's PostgreSQL type, without a length: a cast to VARCHAR(200)
    would cut a longer value short, where the column itself refuses it."""
    columns = [c for c in table._meta.columns if c is not table._meta.primary_key]
    return tuple(re.sub(r"\(.*?\)", "", column.column_type) for column in columns)
