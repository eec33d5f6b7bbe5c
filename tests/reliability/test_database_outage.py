"""The database briefly out of reach: clear 503s with Retry-After, and recovery on its own.

PostgreSQL: a scratch database of this test's own is closed to connections and its backends
terminated (what a failover or a restart looks like from the application), then reopened; the
same app object, never restarted, must answer again. SQLite is a file in the process, so it
has no server to lose; its real brief outage is another process holding the write lock past
the busy timeout (a backup, a long import by `feedback worker`), which is what is tested.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar

from feedback.app import create_app
from feedback.web.outage import OUTAGE_MESSAGE, RETRY_AFTER_SECONDS, database_unavailable
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL, _migrate, make_settings, sign_in, unavailable


async def _csrf(client: httpx.AsyncClient) -> str:
    page = await client.get("/")
    return page.text.split('"x-csrftoken": "')[1].split('"')[0]


@asynccontextmanager
async def _running(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's event loop, as tests/conftest.py `client` runs it."""
    for hook in app.on_startup:
        await hook(app)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1:8000"
        ) as client:
            yield client
    finally:
        for hook in app.on_shutdown:
            await hook(app)


def _assert_friendly_outage_page(response: httpx.Response, *hidden: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["content-type"].startswith("text/html")
    assert "briefly unavailable" in response.text and "it was not saved" in response.text
    for text in ("Traceback", "asyncpg", "sqlite3", "Incident", *hidden):
        assert text not in response.text


def _assert_api_outage(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"status_code": 503, "detail": OUTAGE_MESSAGE}


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A migrated database of this test's own, and an admin connection to take it away."""
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({exc})",
            "CI requires the PostgreSQL half of the suite",
        )
    name = f"feedback_outage_{os.getpid()}_{secrets.token_hex(3)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await _migrate(url)
        yield name, admin
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_postgres_going_away_answers_503_and_the_app_recovers_without_restart(
    scratch_postgres: tuple[str, asyncpg.Connection],
) -> None:
    name, admin = scratch_postgres
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    app = create_app(make_settings(url))
    async with _running(app) as client:
        email = await factories.staff("admin")
        await sign_in(client, email, factories.PASSWORD)
        headers = {"x-csrftoken": await _csrf(client)}
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/tickets")).status_code == 200

        # The outage: no new connections, and every open one (the app's pool) cut.
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )

        _assert_friendly_outage_page(await client.get("/tickets"), name, email)
        _assert_api_outage(await client.get("/api/v1/me"))
        _assert_api_outage(
            await client.post(
                "/api/v1/feedback",
                headers=headers,
                json={"text": "The ward was cold all night.", "channel": "phone"},
            )
        )
        health = await client.get("/healthz")
        assert health.status_code == 503 and health.json()["status_code"] == 503

        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

        # Same process, same app object, same session cookie: the pool reconnects on demand.
        me = await client.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["email"] == email
        assert (await client.get("/healthz")).status_code == 200
        created = await client.post(
            "/api/v1/feedback",
            headers=headers,
            json={"text": "The ward was cold all night.", "channel": "phone"},
        )
        assert created.status_code == 201, created.text
        page = await client.get("/tickets")
        assert page.status_code == 200 and "briefly unavailable" not in page.text


async def test_sqlite_locked_by_another_process_answers_503_then_writes_again(
    sqlite_database_url: str,
) -> None:
    # A short busy timeout so the test does not wait the production 5 s for each refusal.
    app = create_app(make_settings(sqlite_database_url, SQLITE_BUSY_TIMEOUT_MS="200"))
    path = Path(sqlite_database_url.removeprefix("sqlite:///"))
    async with _running(app) as client:
        email = await factories.staff("admin")
        await sign_in(client, email, factories.PASSWORD)
        headers = {"x-csrftoken": await _csrf(client)}
        note = {"text": "Nobody told me when the scan would be.", "channel": "front_desk"}

        # Another connection, as another process would, takes the write lock and keeps it.
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            _assert_api_outage(await client.post("/api/v1/feedback", headers=headers, json=note))
            token = await _csrf(client)
            form = {"text": note["text"], "channel": "front_desk", "_csrf_token": token}
            _assert_friendly_outage_page(await client.post("/feedback/new", data=form), email)
            # WAL readers are not blocked by a writer: reading stays possible throughout.
            assert (await client.get("/api/v1/me")).status_code == 200
            assert (await client.get("/healthz")).status_code == 200
        finally:
            other.rollback()
            other.close()

        created = await client.post("/api/v1/feedback", headers=headers, json=note)
        assert created.status_code == 201, created.text


async def test_only_unreachable_database_errors_count_as_outages() -> None:
    # A bug must stay a logged 500; only "cannot reach / busy" becomes a 503.
    assert database_unavailable(sqlite3.OperationalError("database is locked"))
    assert database_unavailable(sqlite3.OperationalError("unable to open database file"))
    assert not database_unavailable(sqlite3.OperationalError("no such table: ticket"))
    assert not database_unavailable(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not database_unavailable(asyncpg.UndefinedTableError("relation does not exist"))
    assert database_unavailable(asyncpg.AdminShutdownError("terminating connection"))
    assert database_unavailable(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    # What asyncpg raises when the server hangs up while a query is on its way (a race the
    # PostgreSQL test above meets about one time in four).
    tripped = "cannot switch to state 11; another operation (2) is in progress"
    assert database_unavailable(asyncpg.exceptions.InternalClientError(tripped))
    assert not database_unavailable(asyncpg.exceptions.InternalClientError("unexpected"))
    assert not database_unavailable(FileNotFoundError("templates/missing.html"))
    try:
        raise RuntimeError("wrapped") from sqlite3.OperationalError("database is locked")
    except RuntimeError as exc:
        assert database_unavailable(exc)
    # A refused socket counts only when asyncpg raised it (see the next test for the real one).
    assert not database_unavailable(ConnectionRefusedError())


async def test_a_refused_connection_from_asyncpg_counts_as_an_outage() -> None:
    # A port nothing listens on: asyncpg's own OSError, raised inside asyncpg.
    from tests.servers import free_port

    with pytest.raises(OSError) as raised:
        await asyncio.wait_for(
            asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=2), 5
        )
    assert database_unavailable(raised.value)
