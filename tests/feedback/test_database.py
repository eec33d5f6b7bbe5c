"""The database layer: migrations match the tables, SQLite is durable and safe under
concurrency, PostgreSQL's pool opens at start-up and closes at shutdown."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.engine.postgres import PostgresEngine

from feedback import db as db_module
from feedback.app import create_app
from feedback.db import (
    DurableSQLiteEngine,
    bind_engine,
    close_engine,
    make_engine,
    pending_migrations,
    start_engine,
)
from feedback.piccolo_conf import APP_REGISTRY
from integrations.sql import point_read
from surveys.tables import Department
from tests.conftest import make_settings, unavailable


@pytest.mark.parametrize("app_name", ["integrations", "surveys", "feedback"])
async def test_tables_do_not_drift_from_the_committed_migrations(db, app_name):
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(
        APP_REGISTRY.get_app_config(app_name)
    )
    missing = [line for group in statements for line in group.statements]
    assert missing == [], f"tables changed without a migration in {app_name}: {missing}"


async def test_every_migration_has_been_applied(db):
    assert await pending_migrations() == 0


async def test_sqlite_runs_in_wal_with_full_synchronous_and_a_busy_timeout(sqlite_database_url):
    settings = make_settings(sqlite_database_url)
    db = make_engine(settings)
    assert isinstance(db, DurableSQLiteEngine)
    await start_engine(db, settings)
    async with db.transaction() as transaction:
        connection = transaction.connection
        [journal] = await connection.execute_fetchall("PRAGMA journal_mode")
        [synchronous] = await connection.execute_fetchall("PRAGMA synchronous")
        [timeout] = await connection.execute_fetchall("PRAGMA busy_timeout")
    assert next(iter(journal.values())) == "wal"
    assert next(iter(synchronous.values())) == 2  # FULL
    assert next(iter(timeout.values())) == settings.sqlite_busy_timeout_ms
    await close_engine(db)


async def test_concurrent_read_then_write_transactions_all_commit(db):
    """The pattern that fails with deferred SQLite transactions ("database is locked")."""

    async def read_then_write(number: int) -> None:
        async with Department._meta.db.transaction():
            await Department.count()
            await asyncio.sleep(0)
            await Department.insert(Department(name=f"D{number}", slug=f"d-{number}"))

    await asyncio.gather(*(read_then_write(number) for number in range(60)))
    assert await Department.count() == 60


async def test_sqlite_write_transactions_are_serialised(sqlite_database_url):
    """IMMEDIATE transactions on one writer: a read-modify-write never loses an update."""
    settings = make_settings(sqlite_database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    rows = await Department.insert(Department(name="Counter", slug="counter")).returning(
        Department.id
    )
    department_id = rows[0]["id"]

    async def bump() -> None:
        async with engine.transaction():
            row = (
                await Department.select(Department.description)
                .where(Department.id == department_id)
                .first()
            )
            await asyncio.sleep(0)
            await Department.update(
                {Department.description: str(int(row["description"] or 0) + 1)}
            ).where(Department.id == department_id)

    await asyncio.gather(*(bump() for _ in range(60)))
    row = (
        await Department.select(Department.description)
        .where(Department.id == department_id)
        .first()
    )
    await close_engine(engine)
    assert row["description"] == "60"


@pytest.fixture
async def sqlite_engine(sqlite_database_url) -> DurableSQLiteEngine:
    settings = make_settings(sqlite_database_url)
    engine = make_engine(settings)
    assert isinstance(engine, DurableSQLiteEngine)
    bind_engine(engine)
    await start_engine(engine, settings)
    yield engine
    await close_engine(engine)


def _committed_slugs(engine: DurableSQLiteEngine) -> set[str]:
    """What another process would see: read through a connection of its own."""
    with sqlite3.connect(engine.path) as connection:
        return {row[0] for row in connection.execute("SELECT slug FROM department")}


def _count_commits(engine: DurableSQLiteEngine, monkeypatch) -> list[int]:
    commits: list[int] = []
    commit_group = engine._commit_group

    async def counted() -> None:
        commits.append(len(engine._group or ()))
        await commit_group()

    monkeypatch.setattr(engine, "_commit_group", counted)
    return commits


async def test_concurrent_sqlite_transactions_share_durable_commits(sqlite_engine, monkeypatch):
    """Sixty writers queued at once need far fewer than sixty commits (fsyncs), and none is
    told its transaction is done before another connection can read what it wrote."""
    commits = _count_commits(sqlite_engine, monkeypatch)
    seen_by_others_on_return: list[bool] = []

    async def write(number: int) -> None:
        async with sqlite_engine.transaction():
            await Department.insert(Department(name=f"D{number}", slug=f"d-{number}"))
        seen_by_others_on_return.append(f"d-{number}" in _committed_slugs(sqlite_engine))

    await asyncio.gather(*(write(number) for number in range(60)))
    assert all(seen_by_others_on_return) and len(seen_by_others_on_return) == 60
    assert sum(commits) == 60
    assert len(commits) < 20, commits


async def test_a_failing_member_is_rolled_back_alone(sqlite_engine):
    """One transaction of a group raises: its writes are undone, its neighbours' are kept."""

    async def write(number: int) -> None:
        async with sqlite_engine.transaction():
            await Department.insert(Department(name=f"D{number}", slug=f"d-{number}"))
            await asyncio.sleep(0)
            if number % 5 == 0:
                raise ValueError(number)

    results = await asyncio.gather(*(write(number) for number in range(30)), return_exceptions=True)
    failed = {number for number, result in enumerate(results) if isinstance(result, ValueError)}
    assert failed == set(range(0, 30, 5))
    assert _committed_slugs(sqlite_engine) == {f"d-{n}" for n in range(30) if n % 5}


async def test_a_failed_group_commit_fails_every_member(sqlite_engine, monkeypatch):
    """If the commit itself fails, nobody in the group is told their write is stored."""
    commit_group = sqlite_engine._commit_group
    writer = sqlite_engine._writer
    attempts: list[int] = []

    async def failing_commit() -> None:
        attempts.append(len(sqlite_engine._group or ()))
        real_in_thread = writer.in_thread

        async def refuse_commit(sql):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return await real_in_thread(sql)

        monkeypatch.setattr(writer, "in_thread", refuse_commit)
        try:
            await commit_group()
        finally:
            monkeypatch.setattr(writer, "in_thread", real_in_thread)

    monkeypatch.setattr(sqlite_engine, "_commit_group", failing_commit)

    async def write(number: int) -> None:
        async with sqlite_engine.transaction():
            await Department.insert(Department(name=f"D{number}", slug=f"d-{number}"))

    results = await asyncio.gather(*(write(number) for number in range(20)), return_exceptions=True)
    assert all(isinstance(result, Exception) for result in results), results
    assert sum(attempts) == 20
    assert _committed_slugs(sqlite_engine) == set()
    monkeypatch.setattr(sqlite_engine, "_commit_group", commit_group)
    await write(99)
    assert _committed_slugs(sqlite_engine) == {"d-99"}


async def test_a_cancelled_queued_transaction_does_not_strand_its_group(sqlite_engine, monkeypatch):
    """The member that hands the group on to a queued transaction relies on it to commit; if
    that one is cancelled before it runs, the group is still committed."""
    should_commit = sqlite_engine._should_commit
    queued: list[asyncio.Task] = []

    def cancel_the_next_one() -> bool:
        answer = should_commit()
        if not answer and queued:
            queued.pop().cancel()
        return answer

    monkeypatch.setattr(sqlite_engine, "_should_commit", cancel_the_next_one)
    inside = asyncio.Event()
    proceed = asyncio.Event()

    async def first() -> None:
        async with sqlite_engine.transaction():
            await Department.insert(Department(name="First", slug="first"))
            inside.set()
            await proceed.wait()

    async def second() -> None:
        async with sqlite_engine.transaction():
            await Department.insert(Department(name="Second", slug="second"))

    first_task = asyncio.create_task(first())
    await inside.wait()
    queued.append(asyncio.create_task(second()))
    await asyncio.sleep(0.01)  # the second is now queued for the writer
    proceed.set()
    await asyncio.wait_for(first_task, timeout=5)
    assert _committed_slugs(sqlite_engine) == {"first"}


def test_two_processes_writing_one_sqlite_file_do_not_lock_each_other_out(
    sqlite_database_url, tmp_path
):
    database_url = sqlite_database_url
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, sys
            from feedback.db import bind_engine, close_engine, make_engine, start_engine
            from feedback.settings import load_settings
            from surveys.tables import Location

            async def main(tag):
                settings = load_settings({{"DATABASE_URL": {database_url!r}}})
                engine = make_engine(settings)
                bind_engine(engine)
                await start_engine(engine, settings)
                for number in range(150):
                    async with engine.transaction():
                        await Location.count()
                        await Location.insert(Location(name=tag, slug=f"{{tag}}-{{number}}"))
                await close_engine(engine)

            asyncio.run(main(sys.argv[1]))
            """
        )
    )
    processes = [
        subprocess.Popen([sys.executable, str(script), tag], stderr=subprocess.PIPE, text=True)
        for tag in ("a", "b")
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors

    async def count() -> int:
        settings = make_settings(database_url)
        app = create_app(settings)
        for hook in app.on_startup:
            await hook(app)
        try:
            from surveys.tables import Location

            return await Location.count()
        finally:
            for hook in app.on_shutdown:
                await hook(app)

    assert asyncio.run(count()) == 300


async def test_postgres_pool_opens_at_start_up_and_closes_at_shutdown(postgres_database_url):
    app = create_app(make_settings(postgres_database_url))
    engine = app.state.engine
    assert isinstance(engine, PostgresEngine)
    assert engine.pool is None
    for hook in app.on_startup:
        await hook(app)
    assert engine.pool is not None
    assert await Department.count() == 0
    for hook in app.on_shutdown:
        await hook(app)
    assert engine.pool is None


async def test_postgres_pool_hands_connections_back_without_a_reset_round_trip(
    postgres_database_url,
):
    """asyncpg's default reset (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) was one more
    round trip per query outside a transaction; the pool skips it, yet a transaction left
    open is still rolled back before the connection is reused."""
    settings = make_settings(postgres_database_url, DATABASE_POOL_SIZE="1")
    engine = make_engine(settings)
    await start_engine(engine, settings)
    try:
        async with engine.pool.acquire() as connection:
            await connection.execute("SET application_name = 'kept'")
        async with engine.pool.acquire() as connection:
            assert await connection.fetchval("SHOW application_name") == "kept"
            await connection.execute("BEGIN")
            await connection.execute("INSERT INTO department (name, slug) VALUES ('X', 'x')")
        async with engine.pool.acquire() as connection:
            assert await connection.fetchval("SELECT count(*) FROM department") == 0
    finally:
        await close_engine(engine)


async def test_postgres_through_its_unix_socket(postgres_database_url):
    """README: on the same machine, DATABASE_URL may name PostgreSQL's socket directory."""
    socket_dir = Path("/var/run/postgresql")
    if not (socket_dir / ".s.PGSQL.5432").exists():
        unavailable(f"no PostgreSQL socket in {socket_dir}", "CI's PostgreSQL listens there")
    database = postgres_database_url.rsplit("/", 1)[1]
    settings = make_settings(f"postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/{database}")
    engine = make_engine(settings)
    await start_engine(engine, settings)
    try:
        rows = await engine.run_ddl("SELECT inet_server_addr() AS address")
        assert rows[0]["address"] is None  # NULL: not a TCP connection
    finally:
        await close_engine(engine)


async def test_postgres_sessions_run_without_jit_and_price_ssd_reads(postgres_database_url):
    """The dashboard's aggregates cross PostgreSQL's JIT threshold and spent most of their time
    compiling; every pooled session turns it off, and prices random reads for SSD storage."""
    settings = make_settings(postgres_database_url)
    engine = make_engine(settings)
    await start_engine(engine, settings)
    try:
        rows = await engine.run_ddl("SHOW jit")
        assert rows[0]["jit"] == "off"
        rows = await engine.run_ddl("SHOW random_page_cost")
        assert rows[0]["random_page_cost"] == "1.1"
    finally:
        await close_engine(engine)


async def _insert_departments(engine: DurableSQLiteEngine, names: range, log: list[str]) -> None:
    async with engine.transaction():
        for number in names:
            await Department.insert(Department(name=f"D{number}", slug=f"d-{number}"))
            log.append("write")


async def _note_turns(log: list[str], turns: int) -> None:
    for _ in range(turns):
        log.append("other")
        await asyncio.sleep(0)


async def test_a_write_transaction_runs_its_statements_back_to_back(sqlite_engine, monkeypatch):
    """Once it holds the writer, a short transaction does not wait for other work between
    its statements: everyone else queued for the writer is waiting for it to finish."""
    monkeypatch.setattr(db_module, "SHARE_LOOP_AFTER", 60.0)
    async with sqlite_engine.transaction():  # the group is open: no BEGIN in a thread below
        log: list[str] = []
        other = asyncio.create_task(_note_turns(log, 50))
        await _insert_departments(sqlite_engine, range(20), log)
        await other
    assert log[:20] == ["write"] * 20


async def test_a_long_write_transaction_lets_other_work_run(sqlite_engine, monkeypatch):
    """A transaction that has held the event loop for SHARE_LOOP_AFTER lets others have a turn
    before its next statement, so one long import does not freeze every page."""
    monkeypatch.setattr(db_module, "SHARE_LOOP_AFTER", 0.0)
    async with sqlite_engine.transaction():
        log: list[str] = []
        other = asyncio.create_task(_note_turns(log, 50))
        await _insert_departments(sqlite_engine, range(20), log)
        await other
    assert log.index("other") < log.index("write") + 2 < 20
    assert _committed_slugs(sqlite_engine) == {f"d-{n}" for n in range(20)}


async def test_waiting_for_another_process_lock_does_not_block_the_event_loop(sqlite_engine):
    """BEGIN IMMEDIATE waits (busy timeout) in a thread while another process writes."""
    other_process = sqlite3.connect(sqlite_engine.path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        log: list[str] = []
        write = asyncio.create_task(_insert_departments(sqlite_engine, range(1), log))
        turns = 0
        while turns < 20:  # the loop keeps turning while the write waits for the lock
            await asyncio.sleep(0.005)
            turns += 1
        assert log == [] and not write.done()
    finally:
        other_process.execute("COMMIT")
        other_process.close()
    await write
    assert _committed_slugs(sqlite_engine) == {"d-0"}


async def test_a_point_read_runs_on_the_event_loop_and_sees_every_commit(sqlite_engine):
    """integrations.sql.point_read: no trip to a reader's thread (the loop never turns while
    it runs), and it reads what the writer last committed."""
    slugs = Department.raw("SELECT slug FROM department ORDER BY slug")
    await _insert_departments(sqlite_engine, range(3), [])
    log: list[str] = []
    other = asyncio.create_task(_note_turns(log, 5))
    rows = await point_read(slugs)
    log.append("read")
    await other
    assert [row["slug"] for row in rows] == ["d-0", "d-1", "d-2"]
    assert log[0] == "read"
    assert sqlite_engine._idle_readers == []
    await _insert_departments(sqlite_engine, range(3, 4), [])
    rows = await point_read(Department.raw("SELECT slug FROM department ORDER BY slug"))
    assert [row["slug"] for row in rows] == ["d-0", "d-1", "d-2", "d-3"]


async def test_a_cancelled_commit_wait_still_leaves_the_writer_idle(sqlite_engine):
    """Cancelling a task waiting for COMMIT (or BEGIN) in the writer's thread does not free the
    connection for the loop's thread while the statement is still running there."""
    writer = sqlite_engine._writer
    log: list[str] = []

    def slow() -> int:
        time.sleep(0.2)
        log.append("finished")
        return 1

    writer._connection.create_function("slow", 0, slow)
    waiting = asyncio.create_task(writer.in_thread("SELECT slow()"))
    await asyncio.sleep(0.02)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert log == ["finished"]


async def _second_engine(path: str, busy_timeout_ms: int = 5000) -> DurableSQLiteEngine:
    """Another writer on the same file, as another process would have (its own lock file
    descriptor, so the two contend for the writer lock as processes do)."""
    engine = DurableSQLiteEngine(path=path, busy_timeout_ms=busy_timeout_ms)
    await engine.start()
    return engine


async def _write_slug(engine: DurableSQLiteEngine, slug: str) -> None:
    async with engine.transaction() as transaction:
        await transaction.connection.execute(
            "INSERT INTO department (name, slug) VALUES (?, ?)", [slug.upper(), slug]
        )


async def _holding_the_writer(engine: DurableSQLiteEngine) -> tuple[asyncio.Task, asyncio.Event]:
    """A transaction that has written department "a" and stays open until the event is set."""
    holding, let_go = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with engine.transaction():
            await Department.insert(Department(name="A", slug="a"))
            holding.set()
            await let_go.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    return holder, let_go


async def test_processes_take_turns_at_the_writer(sqlite_engine):
    """A second writer waits for the first one's transaction (within its busy timeout) and
    goes on once the first commits; neither keeps the lock when its transaction is over."""
    other = await _second_engine(sqlite_engine.path)
    try:
        holder, let_go = await _holding_the_writer(sqlite_engine)
        waiter = asyncio.create_task(_write_slug(other, "b"))
        await asyncio.sleep(0.2)
        assert not waiter.done()  # waiting for the lock, not failing
        let_go.set()
        await holder
        await asyncio.wait_for(waiter, timeout=5)
        assert _committed_slugs(sqlite_engine) == {"a", "b"}
        # and back again: neither keeps the lock once its transaction is over
        await _write_slug(sqlite_engine, "c")
        await _write_slug(other, "d")
        assert _committed_slugs(sqlite_engine) == {"a", "b", "c", "d"}
    finally:
        await other.close()


async def test_a_writer_lock_held_past_the_busy_timeout_fails_as_locked(sqlite_engine):
    """Waiting longer than the busy timeout for another process fails like SQLite's own lock
    ("database is locked": a 503 for the pages), and leaves nothing held behind it."""
    other = await _second_engine(sqlite_engine.path, busy_timeout_ms=100)
    try:
        holder, let_go = await _holding_the_writer(sqlite_engine)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            await _write_slug(other, "b")
        let_go.set()
        await holder
        await _write_slug(other, "b")  # the abandoned wait did not keep the lock
        await _write_slug(sqlite_engine, "c")
        assert _committed_slugs(sqlite_engine) == {"a", "b", "c"}
    finally:
        await other.close()


async def test_a_waiting_process_gets_the_writer_between_two_of_a_busy_ones_transactions(
    sqlite_engine,
):
    """The holder's queue never empties; the waiter still gets its turn after a transaction
    or two, not when SQLite's busy handler, sleeping 1, 2, 5 ... 100 ms between tries, happens
    to wake in a gap."""
    other = await _second_engine(sqlite_engine.path)
    try:
        holder_commits = 0
        waiter_done = asyncio.Event()

        async def busy_holder() -> None:
            nonlocal holder_commits
            while not waiter_done.is_set() and holder_commits < 2000:
                await _write_slug(sqlite_engine, f"a-{holder_commits}")
                holder_commits += 1

        async def waiter() -> int:
            await asyncio.sleep(0.05)  # the holder is going by now
            asked_at = holder_commits
            await _write_slug(other, "b")
            waiter_done.set()
            return holder_commits - asked_at

        _, holder_commits_while_waiting = await asyncio.gather(busy_holder(), waiter())
        assert holder_commits_while_waiting <= 2
    finally:
        await other.close()
