"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

SQLite: a fresh file per test, copied from a migrated template. PostgreSQL: one fresh database
per test run (created here, dropped at the end), emptied before each test. In CI (CI=true) an
unreachable PostgreSQL fails the run; elsewhere its half is skipped with a message saying so.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import asyncpg
import httpx
import pytest

from feedback.app import create_app
from feedback.db import bind_engine, close_engine, make_engine, run_migrations, start_engine
from feedback.settings import Settings, load_settings
from tests.servers import SmtpServer

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_SECRET_KEY = "test-secret-key-" + "x" * 40
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str, ci_needs: str) -> NoReturn:
    """Something a test needs is missing here: a failure in CI, where every test must run,
    and a skip on a developer's machine that lacks it."""
    if IN_CI:
        pytest.fail(f"{message}; {ci_needs}", pytrace=False)
    pytest.skip(message)


def make_settings(database_url: str, **overrides: str) -> Settings:
    environ = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_URL": "http://127.0.0.1:8000",
        "LOG_LEVEL": "WARNING",
        # Tests drive the dispatcher themselves (run_once) so mail arrives deterministically.
        "DISPATCH_IN_PROCESS": "false",
        # Sign-in with a second step is tested on its own (test_two_step_sign_in.py); the
        # other tests sign in with a password so each does not have to play an authenticator.
        "MFA_REQUIRED_ROLES": "none",
        **overrides,
    }
    return load_settings(environ)


async def _migrate(database_url: str) -> None:
    settings = make_settings(database_url)
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    try:
        await run_migrations()
    finally:
        await close_engine(engine)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"feedback_test_{os.getpid()}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({exc})",
            "CI requires the PostgreSQL half of the suite",
        )
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# The audit log refuses deletes by trigger, and foreign keys are triggers too; a superuser may
# switch triggers off for this session only, which is what emptying a test database needs.
# DELETE and a sequence reset rather than TRUNCATE: a test leaves a few rows, and TRUNCATE of
# the 36 tables costs ~180 ms (new files, fsyncs) where this costs ~7 ms, before each of
# the suite's ~230 PostgreSQL tests (43 of them: 52-58 s -> 43 s).
EMPTY_POSTGRES = """
SET session_replication_role = replica;
DO $$
DECLARE name text;
BEGIN
  FOR name IN SELECT tablename FROM pg_tables
              WHERE schemaname = 'public' AND tablename <> 'migration' LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
  PERFORM setval(format('%I', sequencename)::regclass, 1, false)
  FROM pg_sequences WHERE schemaname = 'public';
END $$;
"""


def _empty_postgres(url: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(EMPTY_POSTGRES)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "feedback.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_database_url(postgres_url: str) -> str:
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_database_url")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[object]:
    """The engine, bound to every table, for service-level tests."""
    engine = make_engine(settings)
    bind_engine(engine)
    await start_engine(engine, settings)
    yield engine
    await close_engine(engine)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the whole app, run in the test's own event loop (so factories and the app
    share one engine and one connection pool); the app's start-up binds the tables."""
    app = create_app(settings)
    # Litestar's lifespan() holds an anyio cancel scope that cannot span a fixture's setup and
    # teardown tasks, so the app's start-up and shutdown hooks are called directly.
    for hook in app.on_startup:
        await hook(app)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1:8000"
        ) as test_client:
            yield test_client
    finally:
        for hook in app.on_shutdown:
            await hook(app)


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The CSRF token a page hands out (and, with it, the CSRF cookie on the client)."""
    response = await client.get(path, follow_redirects=True)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A server on a free port, not started."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mail_server(smtp_server: SmtpServer) -> SmtpServer:
    return smtp_server.start()
