"""Schemathesis fuzzes the JSON API of the real server, signed in as an admin, from the OpenAPI
schema the server publishes: valid and invalid input alike must never produce a 5xx, invalid
input must be refused with a 4xx, and what the API answers must match its own schema.

Bounded for the suite (a few examples per operation and mode, deterministic, about 20 s per
database); `FUZZ_EXAMPLES=500 pytest tests/fuzz` explores further with a random seed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from feedback.services.feedback_items import NewFeedback, record_feedback
from feedback.services.routing import open_tickets
from feedback.tables import FeedbackItem
from tests import factories
from tests.conftest import TEST_SECRET_KEY
from tests.servers import free_port

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
CSRF_COOKIE = "fb_csrf"
CSRF_HEADER = re.compile(r'"x-csrftoken": "([^"]+)"')
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')

POSITIVE_CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Invalid input: no 5xx, and a 4xx rather than a 2xx (the data must not be accepted).
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection]


@pytest.fixture
def fuzz_server(database_url: str) -> Iterator[str]:
    """`feedback serve` in a subprocess, as an operator runs it, on the test's database.

    MFA is off for this server: the API is what is fuzzed, and the two-step sign-in has its
    own tests."""
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "ERROR",
        "DISPATCH_IN_PROCESS": "false",
        "MFA_REQUIRED_ROLES": "none",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "feedback", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("server did not become healthy in 30 s")
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _signed_in_session(base: str, email: str) -> tuple[requests.Session, str]:
    """A requests session holding the staff session and CSRF cookies, and the CSRF token that
    goes with them in the `x-csrftoken` header (docs/decisions.md, "CSRF")."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10)
    token = CSRF_INPUT.search(page.text)
    assert token, "no CSRF token on /login"
    signed_in = session.post(
        f"{base}/login",
        data={"email": email, "password": factories.PASSWORD, "_csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 303, signed_in.text
    home = session.get(f"{base}/", timeout=10)
    header = CSRF_HEADER.search(home.text)
    assert home.status_code == 200 and header, "signed-in home page has no CSRF token"
    assert session.cookies.get(CSRF_COOKIE), "no CSRF cookie"
    return session, header.group(1)


async def _seed() -> tuple[int, int]:
    """Something for the fuzzer to find: a department, a piece of feedback and its ticket."""
    department = await factories.department("Cardiology")
    item_id = await record_feedback(
        NewFeedback(
            source="survey",
            text="The nurse was rude and nobody explained my results.",
            department_id=department,
        )
    )
    item = await FeedbackItem.select().where(FeedbackItem.id == item_id).first()
    tickets = await open_tickets([item])
    return item_id, tickets[0]


def _has_input(operation: schemathesis.APIOperation, path_fixed: bool) -> bool:
    parts = (
        (operation.query, operation.body)
        if path_fixed
        else (operation.path_parameters, operation.query, operation.body)
    )
    return any(len(part) for part in parts)


def _run_operation(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    base: str,
    session: requests.Session,
    headers: dict[str, str],
    statuses: Counter[int],
    path_parameters: dict[str, int] | None = None,
) -> None:
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES or 15,
        deadline=None,
        derandomize=EXAMPLES is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=base, session=session, headers=headers, checks=checks, timeout=10
        )
        statuses[response.status_code] += 1

    run()


async def test_the_api_survives_fuzzing_from_its_own_schema(db, fuzz_server: str) -> None:
    item_id, ticket_id = await _seed()
    email = await factories.staff("admin")
    session, csrf = _signed_in_session(fuzz_server, email)
    headers = {"x-csrftoken": csrf}

    schema = schemathesis.openapi.from_url(f"{fuzz_server}/schema/openapi.json", timeout=10)
    api = schema.include(path_regex=r"^/api/v1/")
    operations = [result.ok() for result in api.get_all_operations()]
    labels = sorted(operation.label for operation in operations)
    # Everything the API offers is fuzzed; a new endpoint joins without touching this test.
    assert labels == [
        "GET /api/v1/feedback",
        "GET /api/v1/feedback/{item_id}",
        "GET /api/v1/me",
        "GET /api/v1/tickets",
        "GET /api/v1/tickets/{ticket_id}",
        "POST /api/v1/feedback",
        "POST /api/v1/tickets/{ticket_id}/notes",
        "POST /api/v1/tickets/{ticket_id}/status",
    ], labels

    # Random ids mostly answer 404 before any input is looked at, so each operation on one
    # object is also fuzzed with the id of a row that exists.
    existing = {"item_id": item_id, "ticket_id": ticket_id}
    statuses: dict[str, Counter[int]] = {}
    for operation in operations:
        names = [parameter.name for parameter in operation.path_parameters]
        rounds: list[dict[str, int] | None] = [None]
        if names:
            rounds.append({name: existing[name] for name in names})
        for path_parameters in rounds:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Nothing to make invalid in an operation without input of its own (GET /me).
                if mode is GenerationMode.NEGATIVE and not _has_input(
                    operation, path_fixed=path_parameters is not None
                ):
                    continue
                key = f"{mode.value} {operation.label}{' (existing)' if path_parameters else ''}"
                counted = statuses.setdefault(key, Counter())
                _run_operation(
                    operation, mode, fuzz_server, session, headers, counted, path_parameters
                )

    every = sum(statuses.values(), Counter())
    # Signed in and past CSRF throughout: no case was bounced at the door (401/403, since an
    # admin may do everything the API offers), so the fuzzing reached the handlers.
    assert every[401] == every[403] == 0, statuses
    # And input got past validation into the services: rows were created, notes added.
    assert statuses["positive POST /api/v1/feedback"][201] > 0, statuses
    assert statuses["positive POST /api/v1/tickets/{ticket_id}/notes (existing)"][201] > 0

    # The session survived the run, so the cases were answered signed in, not bounced at 401.
    me = session.get(f"{fuzz_server}/api/v1/me", timeout=10)
    assert me.status_code == 200 and me.json()["email"] == email
    seen = session.get(f"{fuzz_server}/api/v1/tickets/{ticket_id}", timeout=10)
    assert seen.status_code == 200 and seen.json()["feedback"][0]["id"] == item_id


async def test_what_the_fuzzer_found_is_refused_with_a_400_naming_the_field(client) -> None:
    """Each of these answered 500 before: ids past the 32-bit serials (overflow in the driver),
    a department or location that does not exist (foreign key), NUL in text (PostgreSQL)."""
    from tests.conftest import sign_in

    _, ticket_id = await _seed()
    await sign_in(client, await factories.staff("admin"), factories.PASSWORD)
    home = await client.get("/")
    headers = {"x-csrftoken": CSRF_HEADER.search(home.text).group(1)}

    async def errors(response: httpx.Response) -> dict[str, str]:
        assert response.status_code == 400, response.text
        return {error["field"]: error["message"] for error in response.json()["errors"]}

    huge = 300656687834839711744
    assert "ticket_id" in await errors(await client.get(f"/api/v1/tickets/{huge}"))
    assert "item_id" in await errors(await client.get(f"/api/v1/feedback/{2**31}"))
    assert "page" in await errors(await client.get("/api/v1/tickets?page=10000000000000"))
    refused = await errors(
        await client.post(
            "/api/v1/feedback",
            headers=headers,
            json={"text": "ok", "channel": "phone", "location_id": 2**40},
        )
    )
    assert refused == {"location_id": "Expected `int` <= 2147483647"}
    refused = await errors(
        await client.post(
            "/api/v1/feedback",
            headers=headers,
            json={"text": "ok", "channel": "phone", "department_id": 999, "location_id": 998},
        )
    )
    assert refused == {
        "department_id": "There is no such department.",
        "location_id": "There is no such location.",
    }
    refused = await errors(
        await client.post(
            "/api/v1/feedback", headers=headers, json={"text": "a\x00b", "channel": "phone"}
        )
    )
    assert refused == {"text": "Remove the NUL (\\0) character; it cannot be stored."}
    refused = await errors(
        await client.post(
            f"/api/v1/tickets/{ticket_id}/notes", headers=headers, json={"text": "call\x00back"}
        )
    )
    assert set(refused) == {"text"}
    # Nothing was stored by any of the refusals.
    assert await FeedbackItem.count() == 1
