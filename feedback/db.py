"""Database engines, chosen by settings, and their life cycle.

SQLite is the embedded default, and Piccolo's stock SQLite engine opens a new connection (and a
new thread) for every query and leaves writes in deferred transactions, which fail with
"database is locked" under concurrency. `DurableSQLiteEngine` keeps one long-lived writer
connection, driven from the event loop (`LoopWriter`), serialised in-process by a lock and
across processes by a kernel lock they take in turn (`ProcessLock`); a small pool of reader
connections, and one on the loop's thread for hot point reads. Every connection runs in WAL
mode with `synchronous=FULL`, so an acknowledged write survives a crash.

Writes are committed in groups. Every durable commit costs an fsync (5 ms or more on ordinary
disks), so one commit per transaction caps a process at a couple of hundred transactions a
second whatever the CPU. Each transaction runs as a savepoint inside one `BEGIN IMMEDIATE`
shared with the transactions queued behind it; the last of the group (or the 64th) commits,
and every member's `async with` returns only once that commit is durable. A member that fails
is rolled back to its savepoint and never touches the others; a commit that fails fails every
member of its group. See docs/performance.md.

PostgreSQL uses Piccolo's asyncpg pool, opened at start-up and closed at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiosqlite
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from feedback.settings import Settings
from integrations.sql import in_point_read

PICCOLO_CONF_MODULE = "feedback.piccolo_conf"
READER_POOL_SIZE = 6
GROUP_COMMIT_LIMIT = 64
# How long a write transaction's statements may hold the event loop before it lets others run.
SHARE_LOOP_AFTER = 0.005
MEMBER_SAVEPOINT = "group_member"


class GroupCommitFailed(RuntimeError):
    """The commit of the group this transaction belonged to failed: nothing of it was stored."""


class DurableSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, busy_timeout_ms: int = 5000) -> None:
        super().__init__(path=path, timeout=busy_timeout_ms / 1000)
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: LoopWriter | None = None
        self._writer_lock: asyncio.Lock | None = None
        self._idle_readers: list[aiosqlite.Connection] = []
        self._loop_reader: sqlite3.Connection | None = None
        self._readers: asyncio.Semaphore | None = None
        # The members of the open group waiting for its commit (None: no transaction is open),
        # and how many transactions are queued for the writer.
        self._group: list[asyncio.Future[None]] | None = None
        self._queued = 0
        self._flushes: set[asyncio.Task[None]] = set()

    async def _configure(self, connection: aiosqlite.Connection) -> aiosqlite.Connection:
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in _pragmas(self.busy_timeout_ms):
            await connection.execute(pragma)
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._configure(await aiosqlite.connect(**self.connection_kwargs))

    async def start(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        await self._writer_connection()

    async def close(self) -> None:
        if self._group is not None and not self.writer_lock().locked():
            async with self.writer_lock():
                await self._commit_group()
        connections = [*self._idle_readers, *([self._writer] if self._writer else [])]
        self._idle_readers.clear()
        if self._loop_reader is not None:
            self._loop_reader.close()
            self._loop_reader = None
        self._writer = None
        self._writer_lock = None
        self._readers = None
        for connection in connections:
            await connection.close()

    async def _writer_connection(self) -> LoopWriter:
        if self._writer is None:
            self._writer = await LoopWriter.open(
                self.connection_kwargs, self.busy_timeout_ms, ProcessLock(self.path)
            )
        return self._writer

    def _point_reader(self) -> sqlite3.Connection:
        """The reader for integrations.sql.point_read: used only from the event loop's thread.
        In WAL mode a read never waits for the writer, so it never blocks the loop for long."""
        if self._loop_reader is None:
            connection = sqlite3.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory
            for pragma in _pragmas(self.busy_timeout_ms):
                connection.execute(pragma)
            self._loop_reader = connection
        return self._loop_reader

    def _reader_slots(self) -> asyncio.Semaphore:
        if self._readers is None:
            self._readers = asyncio.Semaphore(READER_POOL_SIZE)
        return self._readers

    def writer_lock(self) -> asyncio.Lock:
        if self._writer_lock is None:
            self._writer_lock = asyncio.Lock()
        return self._writer_lock

    async def _join_group(self) -> LoopWriter:
        """With the writer lock held: open a group if none is open, and a member's savepoint."""
        connection = await self._writer_connection()
        if self._group is None:
            await connection.begin(self.busy_timeout_ms / 1000)
            self._group = []
        await connection.start_member()
        return connection

    def _should_commit(self) -> bool:
        return self._queued == 0 or len(self._group or ()) >= GROUP_COMMIT_LIMIT

    async def _commit_group(self) -> None:
        """With the writer lock held: commit the open group and tell its members how it went."""
        group, self._group = self._group, None
        if group is None or self._writer is None:
            return
        try:
            await self._writer.in_thread("COMMIT")  # the fsync: off the loop
        except BaseException as exc:
            with contextlib.suppress(Exception):
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
            self._fail(group, exc)
            raise
        finally:
            self._writer.release_if_idle()
        for member in group:
            if not member.done():
                member.set_result(None)

    def _lose_group(self, cause: BaseException) -> None:
        """SQLite rolled the whole transaction back by itself (disk full, I/O error)."""
        group, self._group = self._group, None
        self._fail(group or [], cause)

    @staticmethod
    def _fail(group: list[asyncio.Future[None]], cause: BaseException) -> None:
        for member in group:
            if not member.done():
                failure = GroupCommitFailed("the transaction's group could not be committed")
                failure.__cause__ = cause
                member.set_exception(failure)

    def _flush_abandoned_group(self) -> None:
        """A queued transaction was cancelled while the group waited for it: commit for it."""
        if self._group is None or self._queued or self.writer_lock().locked():
            return

        async def flush() -> None:
            # A failed commit has already failed every member; nobody awaits this task.
            with contextlib.suppress(Exception):
                async with self.writer_lock():
                    await self._commit_group()

        task = asyncio.get_running_loop().create_task(flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return WriterTransaction(self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_existing_connection(
        self,
        connection: LoopWriter,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        # Piccolo's version re-sends `PRAGMA foreign_keys = 1` before every statement in a
        # transaction, a second trip to the connection's thread each time; ours are configured
        # once, when opened. (SQLite here always has RETURNING, so no last-rowid fallback.)
        return await connection.execute_fetchall(query, args or [])

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if _is_read_only(query):
            if in_point_read():
                return self._point_reader().execute(query, args or []).fetchall()
            # At most READER_POOL_SIZE readers, kept open: under load, waiting a moment for one
            # is cheaper than opening (and configuring, and closing) a connection per query.
            async with self._reader_slots():
                connection = (
                    self._idle_readers.pop() if self._idle_readers else await self.get_connection()
                )
                try:
                    # One trip to the reader's thread: `execute` then `fetchall` would make
                    # three (execute, fetch, close the cursor).
                    rows = list(await connection.execute_fetchall(query, args or []))
                except BaseException:
                    await connection.close()
                    raise
                self._idle_readers.append(connection)
                return rows
        # A lone write is a transaction of one statement, on the writer, IMMEDIATE like the rest.
        async with self.transaction() as transaction:
            return await self._run_in_existing_connection(
                transaction.connection, query=query, args=args, query_type=query_type, table=table
            )


class LoopWriter:
    """The single writer connection, driven from the event loop's own thread.

    A statement of a write transaction takes tens of microseconds; sending it to a
    connection's own thread (as aiosqlite does) costs more than that, and the transaction,
    which holds the only writer, then advances one statement per turn of a busy event loop:
    under load every other submission waits behind it. Here its statements run inline,
    back to back, and only what can wait on the disk or on another process, `BEGIN
    IMMEDIATE` (another process's write lock) and `COMMIT` (the fsync), runs in a thread.
    The engine's writer lock guarantees one user at a time, so the connection is never used
    from two threads at once.

    A long transaction (a large visit import, say) would hold the loop for its whole length,
    and every page would wait for it; so once a transaction has run inline for
    SHARE_LOOP_AFTER seconds, it lets the loop serve others for one turn before its next
    statement. Writers still queue behind it, as they would anyway.
    """

    def __init__(self, connection: sqlite3.Connection, process_lock: ProcessLock) -> None:
        self._connection = connection
        self._process_lock = process_lock
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._inline_since = time.perf_counter()

    @classmethod
    async def open(
        cls, connection_kwargs: dict[str, Any], busy_timeout_ms: int, process_lock: ProcessLock
    ) -> LoopWriter:
        try:
            connection = sqlite3.connect(**connection_kwargs, check_same_thread=False)
        except BaseException:
            process_lock.close()
            raise
        connection.row_factory = dict_factory
        writer = cls(connection, process_lock)
        try:
            for pragma in _pragmas(busy_timeout_ms):
                await writer.in_thread(pragma)
        except BaseException:
            await writer.close()
            raise
        return writer

    @property
    def in_transaction(self) -> bool:
        return self._connection.in_transaction

    async def execute_fetchall(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        rows = self._connection.execute(query, args).fetchall()
        if time.perf_counter() - self._inline_since > SHARE_LOOP_AFTER:
            await asyncio.sleep(0)
            self._inline_since = time.perf_counter()
        return rows

    async def execute(self, query: str, args: Sequence[Any] = ()) -> None:
        await self.execute_fetchall(query, args)

    async def begin(self, timeout: float) -> None:
        """Open a group's transaction: first this database's writer lock between processes,
        then `BEGIN IMMEDIATE`, which may still wait (busy timeout) for a program that does not
        take that lock, such as the sqlite3 shell; off the loop."""
        await self._process_lock.acquire(timeout)
        try:
            await self.in_thread("BEGIN IMMEDIATE")
        except BaseException:
            self.release_if_idle()
            raise

    def release_if_idle(self) -> None:
        """Hand the writer lock to the next process once no transaction is open."""
        if not self._connection.in_transaction:
            self._process_lock.release()

    async def start_member(self) -> None:
        """A transaction joins the open group: its own savepoint, and its own inline time."""
        self._inline_since = time.perf_counter()
        self._connection.execute(f"SAVEPOINT {MEMBER_SAVEPOINT}")

    async def in_thread(self, query: str) -> list[Any]:
        def run() -> list[Any]:
            return self._connection.execute(query).fetchall()

        statement = asyncio.get_running_loop().run_in_executor(self._thread, run)
        try:
            return await asyncio.shield(statement)
        except asyncio.CancelledError:
            # The statement goes on in the thread whatever its waiter does; the connection
            # must not be used from the loop's thread (the writer lock is about to be let go)
            # until it has finished.
            with contextlib.suppress(BaseException):
                await statement
            raise
        finally:
            self._inline_since = time.perf_counter()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._connection.close)
        self._thread.shutdown(wait=False)
        self._process_lock.close()


class ProcessLock:
    """Which process holds the database's writer, handed over by the kernel, in turn.

    Between processes (the server's workers, `feedback worker`, an import) SQLite's own lock
    is retried by its busy handler, which sleeps 1, 2, 5 … 100 ms between tries, while the
    holder, its queue never empty, takes the lock straight back: with two server processes
    under load, p99 was 1.5 s. Here a process takes an exclusive `flock` on a file beside the
    database before `BEGIN IMMEDIATE` and lets it go after the commit. To be taken, the lock
    must be reached through a turnstile (a second `flock`) that a waiting process holds while
    it waits, so a process that has just let the lock go queues behind the one waiting
    instead of taking it back: under contention they alternate. The kernel drops both when a
    process dies. A wait longer than the busy timeout fails as SQLite's would ("database is
    locked", a 503 for the pages).
    """

    def __init__(self, path: str) -> None:
        self._lock = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        self._turnstile = os.open(f"{path}-turnstile", os.O_RDWR | os.O_CREAT, 0o600)
        self._guard = threading.Lock()
        self._held = False
        # At most one thread waits in the kernel; a caller that gives up leaves it waiting,
        # and the lock it gets is let go at once unless a caller wants it by then.
        self._waiting: asyncio.Future[None] | None = None
        self._wanted = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer-lock")

    async def acquire(self, timeout: float) -> None:
        with self._guard:
            if self._held:
                return
            if self._waiting is None:
                if self._try(self._turnstile):
                    if self._try(self._lock):
                        fcntl.flock(self._turnstile, fcntl.LOCK_UN)
                        self._held = True
                        return
                    through_turnstile = True
                else:
                    through_turnstile = False
                self._waiting = asyncio.get_running_loop().run_in_executor(
                    self._thread, self._wait, through_turnstile
                )
            self._wanted = True
            waiting = self._waiting
        try:
            await asyncio.wait_for(asyncio.shield(waiting), timeout)
        except BaseException as exc:
            with self._guard:
                self._wanted = False
            self.release()  # in case it came just as the wait ended
            if isinstance(exc, TimeoutError):
                raise sqlite3.OperationalError("database is locked") from None
            raise

    @staticmethod
    def _try(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _wait(self, through_turnstile: bool) -> None:
        if not through_turnstile:
            fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        with self._guard:
            self._waiting = None
            if self._wanted:
                self._held, self._wanted = True, False
            else:
                fcntl.flock(self._lock, fcntl.LOCK_UN)

    def release(self) -> None:
        with self._guard:
            if self._held:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._held = False

    def close(self) -> None:
        self.release()
        self._thread.shutdown(wait=False)
        for fd in (self._lock, self._turnstile):
            with contextlib.suppress(OSError):
                os.close(fd)


def _pragmas(busy_timeout_ms: int) -> tuple[str, ...]:
    return (
        f"PRAGMA busy_timeout = {int(busy_timeout_ms)}",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
    )


class WriterTransaction(SQLiteTransaction):
    """A transaction on the engine's single writer connection, run as a member of a group
    commit (see the module's docstring); it borrows the connection, never closes it."""

    engine: DurableSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        lock = engine.writer_lock()
        engine._queued += 1
        try:
            await lock.acquire()
        except BaseException:
            engine._queued -= 1
            engine._flush_abandoned_group()
            raise
        engine._queued -= 1
        try:
            self.connection = await engine._join_group()
        except BaseException as exc:
            try:
                if engine._group is not None:
                    if engine._writer is not None and engine._writer.in_transaction:
                        await engine._commit_group()
                    else:
                        engine._lose_group(exc)
            finally:
                if engine._writer is not None:
                    engine._writer.release_if_idle()
                lock.release()
            raise
        self.context = engine.current_transaction.set(self)
        return self

    async def commit(self) -> None:
        await self.connection.execute(f"RELEASE {MEMBER_SAVEPOINT}")
        self._committed = True

    async def rollback(self) -> None:
        if self.connection.in_transaction:
            await self.connection.execute(f"ROLLBACK TO {MEMBER_SAVEPOINT}")
            await self.connection.execute(f"RELEASE {MEMBER_SAVEPOINT}")
        else:
            self.engine._lose_group(RuntimeError("SQLite rolled the transaction back"))
        self._rolled_back = True

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent:
            return exception is None
        engine = self.engine
        committed: asyncio.Future[None] | None = None
        try:
            try:
                if exception is None and not self._rolled_back:
                    committed = await self._finish_member()
                elif not self._rolled_back:
                    await self.rollback()
            finally:
                await self._settle_group()
        except BaseException:
            if committed is not None and committed.done() and not committed.cancelled():
                committed.exception()  # what is raised here already says it
            raise
        finally:
            engine.current_transaction.reset(self.context)
            if engine._writer is not None:
                engine._writer.release_if_idle()
            engine.writer_lock().release()
        if committed is not None:
            # Acknowledged only once the group's commit is durable.
            await committed
        return exception is None

    async def _finish_member(self) -> asyncio.Future[None]:
        """Release this member's savepoint and join the group's wait for its commit."""
        engine = self.engine
        if engine._group is None or not self.connection.in_transaction:
            raise GroupCommitFailed("SQLite rolled the transaction back")
        if not self._committed:
            try:
                await self.commit()
            except BaseException:
                await self.rollback()
                raise
        committed = asyncio.get_running_loop().create_future()
        engine._group.append(committed)
        return committed

    async def _settle_group(self) -> None:
        """Commit the group if nobody is queued behind this member (or it is full)."""
        engine = self.engine
        if engine._group is None:
            return
        if not self.connection.in_transaction:
            engine._lose_group(GroupCommitFailed("SQLite rolled the transaction back"))
        elif engine._should_commit():
            await engine._commit_group()


def _is_read_only(query: str) -> bool:
    head = query.lstrip().split(None, 1)[0].upper() if query.strip() else ""
    return head == "SELECT"


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        return DurableSQLiteEngine(
            path=str(settings.sqlite_path), busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
    # JIT compilation pays off for long analytical queries on big servers; here it cost the
    # dashboard's retention query 632 of its 719 ms (its estimate passes the JIT threshold),
    # and the short queries everything else runs never gain from it.
    # random_page_cost 1.1 instead of 4 (the default prices a spinning disk's seek): on SSD
    # storage an index walk is nearly as cheap as a sequential read, and with the default the
    # dashboard's live part scanned all 400k survey answers instead of looking up 1,200
    # (53 -> 14 ms).
    return PostgresEngine(
        config={
            "dsn": settings.database_url,
            "server_settings": {"jit": "off", "random_page_cost": "1.1"},
        }
    )


async def start_engine(engine: Engine, settings: Settings) -> None:
    if isinstance(engine, DurableSQLiteEngine):
        await engine.start()
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=1, max_size=settings.database_pool_size, reset=_keep_session
        )


async def _keep_session(connection: object) -> None:
    """Hand a connection back to the pool as it is. asyncpg's default sends `SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` on every release, one more
    round trip for each query Piccolo runs outside a transaction (a survey submission's
    point reads: three of them). Nothing here leaves session state behind: advisory locks are
    transaction-scoped (`pg_advisory_xact_lock`), cursors live inside transactions, nothing
    LISTENs and nothing SETs a session variable. asyncpg still rolls back a transaction left
    open before it calls this."""


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
        connection = transaction.connection
        [journal] = (await connection.execute_fetchall("PRAGMA journal_mode"))[0].values()
        [synchronous] = (await connection.execute_fetchall("PRAGMA synchronous"))[0].values()
    if str(journal).lower() != "wal":
        problems.append(f"SQLite journal_mode is {journal}, not WAL.")
    if synchronous != 2:
        problems.append("SQLite synchronous is not FULL: a crash could lose acknowledged writes.")
    return problems
