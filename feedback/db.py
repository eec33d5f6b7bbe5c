"""Database engines, chosen by settings, and their life cycle.

SQLite is the embedded default, and Piccolo's stock SQLite engine opens a new connection (and a
new thread) for every query and leaves writes in deferred transactions, which fail with
"database is locked" under concurrency. `DurableSQLiteEngine` keeps one long-lived writer
connection whose every transaction is `BEGIN IMMEDIATE` (serialised in-process by a lock, and
across processes by SQLite's busy timeout), plus a small pool of reader connections; every
connection runs in WAL mode with `synchronous=FULL`, so an acknowledged write survives a crash.
PostgreSQL uses Piccolo's asyncpg pool, opened at start-up and closed at shutdown.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import aiosqlite
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from feedback.settings import Settings

PICCOLO_CONF_MODULE = "feedback.piccolo_conf"
READER_POOL_SIZE = 4


class DurableSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, busy_timeout_ms: int = 5000) -> None:
        super().__init__(path=path, timeout=busy_timeout_ms / 1000)
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._writer_lock: asyncio.Lock | None = None
        self._idle_readers: list[aiosqlite.Connection] = []

    async def _configure(self, connection: aiosqlite.Connection) -> aiosqlite.Connection:
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = FULL")
        await connection.execute("PRAGMA foreign_keys = ON")
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._configure(await aiosqlite.connect(**self.connection_kwargs))

    async def start(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        await self._writer_connection()

    async def close(self) -> None:
        connections = [*self._idle_readers, *([self._writer] if self._writer else [])]
        self._idle_readers.clear()
        self._writer = None
        self._writer_lock = None
        for connection in connections:
            await connection.close()

    async def _writer_connection(self) -> aiosqlite.Connection:
        if self._writer is None:
            self._writer = await self.get_connection()
        return self._writer

    def writer_lock(self) -> asyncio.Lock:
        if self._writer_lock is None:
            self._writer_lock = asyncio.Lock()
        return self._writer_lock

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return WriterTransaction(self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if _is_read_only(query):
            connection = (
                self._idle_readers.pop() if self._idle_readers else await self.get_connection()
            )
            try:
                async with connection.execute(query, args or []) as cursor:
                    rows = await cursor.fetchall()
            except BaseException:
                await connection.close()
                raise
            if len(self._idle_readers) < READER_POOL_SIZE:
                self._idle_readers.append(connection)
            else:
                await connection.close()
            return rows
        # A lone write is a transaction of one statement, on the writer, IMMEDIATE like the rest.
        async with self.transaction() as transaction:
            return await self._run_in_existing_connection(
                transaction.connection, query=query, args=args, query_type=query_type, table=table
            )


class WriterTransaction(SQLiteTransaction):
    """A transaction on the engine's single writer connection, which it borrows, not closes."""

    engine: DurableSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        lock = self.engine.writer_lock()
        await lock.acquire()
        try:
            self.connection = await self.engine._writer_connection()
            await self.begin()
        except BaseException:
            lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except BaseException:
                    await self.rollback()
                    raise
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine.writer_lock().release()
        return exception is None


def _is_read_only(query: str) -> bool:
    head = query.lstrip().split(None, 1)[0].upper() if query.strip() else ""
    return head == "SELECT"


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        return DurableSQLiteEngine(
            path=str(settings.sqlite_path), busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
    return PostgresEngine(config={"dsn": settings.database_url})


async def start_engine(engine: Engine, settings: Settings) -> None:
    if isinstance(engine, DurableSQLiteEngine):
        await engine.start()
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=settings.database_pool_size)


async def close_engine(engine: Engine) -> None:
    if isinstance(engine, DurableSQLiteEngine):
        await engine.close()
    elif isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def all_tables() -> Iterator[type[Table]]:
    from feedback.piccolo_conf import APP_REGISTRY

    for app_config in APP_REGISTRY.app_configs.values():
        yield from app_config.table_classes


def bind_engine(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration machinery, at `engine`.

    This is the only place that sets PICCOLO_CONF: Piccolo's migration runner finds its engine
    through that module, and we want it to use the engine built from our settings.
    """
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF_MODULE
    from feedback import piccolo_conf

    piccolo_conf.bind(engine)
    for table in [*all_tables(), Migration]:
        table._meta.db = engine


async def run_migrations() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def check_database(engine: Engine) -> None:
    """Raise when the database cannot answer a trivial query (used by /healthz)."""
    await engine.run_querystring(_select_one())


def _select_one():  # type: ignore[no-untyped-def]
    from piccolo.querystring import QueryString

    return QueryString("SELECT 1")


async def pending_migrations() -> int:
    """How many migrations, over every app, have not been applied."""
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    statuses = await CheckMigrationManager(app_name="all").get_migration_statuses()
    return sum(1 for status in statuses if not status.has_ran)


async def sqlite_durability() -> list[str]:
    """Problems with how the SQLite file is opened (WAL and synchronous=FULL are required)."""
    from feedback.piccolo_conf import DB  # the bound engine

    problems = []
    async with DB.transaction() as transaction:
        cursor = await transaction.connection.execute("PRAGMA journal_mode")
        journal = next(iter((await cursor.fetchone()).values()))
        cursor = await transaction.connection.execute("PRAGMA synchronous")
        synchronous = next(iter((await cursor.fetchone()).values()))
    if str(journal).lower() != "wal":
        problems.append(f"SQLite journal_mode is {journal}, not WAL.")
    if synchronous != 2:
        problems.append("SQLite synchronous is not FULL: a crash could lose acknowledged writes.")
    return problems
