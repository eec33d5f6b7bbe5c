"""The `feedback` command."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import click

from feedback.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


def _run_with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the engine bound and opened, and closed afterwards."""
    from feedback.db import bind_engine, close_engine, make_engine, start_engine

    async def runner() -> T:
        engine = make_engine(settings)
        bind_engine(engine)
        await start_engine(engine, settings)
        try:
            return await work()
        finally:
            await close_engine(engine)

    try:
        return asyncio.run(runner())
    except OSError as exc:
        click.echo(f"Cannot reach the database: {exc.strerror or exc}", err=True)
        sys.exit(3)


@click.group()
def main() -> None:
    """Closed-loop patient feedback tracker."""


@main.command()
def migrate() -> None:
    """Apply every pending database migration."""
    from feedback.db import run_migrations

    _run_with_database(_settings(), run_migrations)
    click.echo("Database is up to date.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the web service."""
    settings = _settings()
    from feedback.db import pending_migrations

    pending = _run_with_database(settings, pending_migrations)
    if pending:
        click.echo(
            f"The database has {pending} pending migration(s): run `feedback migrate` first.",
            err=True,
        )
        sys.exit(4)
    _serve(settings, host, port, workers)


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from feedback.app import SetupIncomplete, create_app

    try:
        if workers == 1:
            uvicorn.run(
                create_app(settings),
                host=host,
                port=port,
                access_log=False,
                log_config=None,
                # The app reads X-Forwarded-For itself, from TRUSTED_PROXIES only.
                proxy_headers=False,
            )
        else:
            # Each worker process reads the same environment and builds its own app.
            uvicorn.run(
                "feedback.asgi:app",
                host=host,
                port=port,
                workers=workers,
                access_log=False,
                log_config=None,
                proxy_headers=False,
            )
    except SetupIncomplete as exc:
        click.echo(str(exc), err=True)
        sys.exit(5)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Seed and print the sign-ins, but do not serve.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create a demo hospital (if the database is empty) and serve it."""
    settings = _settings()
    if settings.environment == "production":
        click.echo("Refusing to load demo data into a production environment.", err=True)
        sys.exit(2)
    from feedback.db import run_migrations
    from feedback.demo import demo_survey_link, issue_demo_credentials, seed_demo

    async def prepare() -> tuple[list[tuple[str, str, str]], str]:
        await run_migrations()
        created = await seed_demo(
            settings.base_url, settings.blind_index_key, keyring=settings.keyring
        )
        if created:
            click.echo(f"Demo hospital created: {created}.")
        return await issue_demo_credentials(), await demo_survey_link(settings.base_url)

    credentials, survey_link = _run_with_database(settings, prepare)
    click.echo("\nDemo sign-ins (new passwords are issued at every start; shown only now):")
    for role, email, password in credentials:
        click.echo(f"  {role:<10} {email:<40} {password}")
    click.echo(f"\nA patient's survey link (new at every start): {survey_link}")
    click.echo(f"The kiosk survey at Eastside Urgent Care: {settings.base_url}/k/eastside")
    click.echo(f"Staff sign in at http://{host}:{port}/login")
    if settings.mfa_required_roles:
        click.echo(
            f"Roles {settings.mfa_required_roles.replace(',', ', ')} set up two-step sign-in "
            "at their first sign-in (any authenticator app).\n"
        )
    if not no_serve:
        _serve(settings, host, port)


@main.command()
def worker() -> None:
    """Run background work (the email outbox) in this process until stopped."""
    from feedback.worker import run_worker

    settings = _settings()
    click.echo("Worker running; Ctrl+C to stop.")
    _run_with_database(settings, lambda: run_worker(settings))


@main.command()
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000))
def rescore(batch_size: int) -> None:
    """Re-analyse stored feedback scored by an older analyzer (resumable, in batches)."""
    from feedback.analysis import ANALYZER_VERSION
    from feedback.services.feedback_items import rescore as rescore_items

    settings = _settings()
    progress = _run_with_database(
        settings, lambda: rescore_items(batch_size=batch_size, keyring=settings.keyring)
    )
    click.echo(
        f"Re-analysed {progress.rescored} item(s) with {ANALYZER_VERSION}; "
        f"{progress.remaining} left."
    )


@main.command()
def summaries() -> None:
    """Build the executive figures' daily summaries now: days never built and days changed
    since (the worker does this every minute; run it after a large import)."""
    from feedback.services.summaries import build_pending

    settings = _settings()
    days = _run_with_database(settings, build_pending)
    click.echo(f"Summarised {days} day(s).")


@main.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000))
@click.option(
    "--max-batches",
    type=click.IntRange(1),
    default=None,
    help="Stop after this many batches (spread the work out); run again to continue.",
)
def rotate_keys(batch_size: int, max_batches: int | None) -> None:
    """Re-encrypt stored PHI under the first ENCRYPTION_KEYS key (resumable, in batches).

    Exit status 1 while anything is left under an older key (or unreadable)."""
    from feedback.services.key_rotation import rotate_keys as rotate

    settings = _settings()
    keyring = settings.keyring

    def report(totals, batch) -> None:  # type: ignore[no-untyped-def]
        click.echo(
            f"{totals.table}: {batch.rotated} re-encrypted in this batch, "
            f"{totals.rotated} so far (up to id {batch.last_id})"
        )
        sys.stdout.flush()  # a killed run has still said how far it got

    click.echo(f"Rotating to key {keyring.current_id!r}.")
    progress = _run_with_database(
        settings,
        lambda: rotate(keyring, batch_size=batch_size, max_batches=max_batches, report=report),
    )
    for totals in progress:
        click.echo(
            f"{totals.table}: {totals.rotated} re-encrypted, {totals.changed_meanwhile} "
            f"changed meanwhile, {totals.unreadable} unreadable, {totals.remaining} left"
        )
    if any(totals.remaining for totals in progress):
        click.echo("Run `feedback rotate-keys` again to finish (keep the old keys until then).")
        sys.exit(1)
    click.echo("Every value is under the current key; older keys may be removed.")


@main.command()
@click.option(
    "--source", "source_ids", multiple=True, type=int, help="Only this source id (repeatable)."
)
def scrape(source_ids: tuple[int, ...]) -> None:
    """Collect online reviews now: every enabled source, or the ones named."""
    from feedback.services.reviews import ReviewConfig, list_sources, run_source

    settings = _settings()
    config = ReviewConfig.from_settings(settings)

    async def work() -> list[tuple[dict, object]]:
        sources = await list_sources()
        known = {source["id"] for source in sources}
        unknown = sorted(set(source_ids) - known)
        if unknown:
            raise click.BadParameter(
                f"no review source with id {unknown[0]}", param_hint="--source"
            )
        chosen = [
            source
            for source in sources
            if (source["id"] in source_ids if source_ids else source["enabled"])
            and source["kind"] != "csv"
        ]
        return [
            (source, await run_source(source["id"], config, trigger="cli")) for source in chosen
        ]

    results = _run_with_database(settings, work)
    failed = False
    for source, summary in results:
        if summary is None:
            click.echo(f"{source['name']}: skipped, another process is collecting it right now")
            continue
        click.echo(
            f"{source['name']}: {summary.status}; {summary.pages} page(s), "
            f"{summary.fetched} fetched, {summary.added} added, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.failed} failed"
        )
        for problem in summary.problems:
            click.echo(f"  - {problem}")
        failed = failed or summary.status == "failed"
    if not results:
        click.echo("No review sources to collect.")
    if failed:
        sys.exit(1)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None)
@click.option("--source", type=click.Choice(["api", "review", "survey"]), default="api")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 2000))
@click.option("--workers", default=None, type=click.IntRange(0, 16), help="Analysis processes.")
@click.option("--resume-after", default=0, type=click.IntRange(0), help="Last committed line.")
def import_(
    file: Path,
    fmt: str | None,
    source: str,
    batch_size: int,
    workers: int | None,
    resume_after: int,
) -> None:
    """Import comments (CSV or JSON Lines): checked first, then analysed, stored and routed."""
    from feedback.services.bulk_import import ImportRejected, Progress, default_workers, import_file

    last_report = [0.0]

    def report(progress: Progress) -> None:
        if progress.seconds - last_report[0] < 2:  # a line every two seconds, not every batch
            return
        last_report[0] = progress.seconds
        click.echo(
            f"{progress.items} item(s), committed through line {progress.last_line}, "
            f"{progress.items_per_second:,.0f} items/s",
            err=True,
        )

    # A stopped import unwinds like Ctrl+C, so its analysis processes are shut down too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
    work = partial(
        import_file,
        file,
        fmt,
        source,
        batch_size=batch_size,
        workers=default_workers() if workers is None else workers,
        resume_after=resume_after,
        on_progress=report,
    )
    try:
        done = _run_with_database(_settings(), work)
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        if exc.total > len(exc.problems):
            click.echo(f"... and {exc.total - len(exc.problems)} more problem(s)", err=True)
        click.echo(f"{exc.total} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {done.items} item(s), opened {done.tickets} ticket(s) in "
        f"{done.seconds:.1f} s ({done.items_per_second:,.0f} items/s)."
    )


@main.group()
def audit() -> None:
    """The audit log: append-only and hash-chained."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit 1 if any entry was edited, deleted, reordered or
    inserted. Prints the head hash: keep it somewhere else to detect a rewritten chain."""
    from feedback.services.audit import verify_chain

    report = _run_with_database(_settings(), verify_chain)
    for problem in report.problems:
        click.echo(f"✗ {problem}", err=True)
    if not report.intact:
        sys.exit(1)
    older = f" ({report.unchained} older entries predate the chain)" if report.unchained else ""
    click.echo(f"✓ {report.entries} audit entries, chain intact{older}. Head: {report.head}")


@main.command()
@click.option("--deploy", is_flag=True, required=True, help="Check production settings.")
def check(deploy: bool) -> None:
    """Refuse insecure production settings (exit status 1, with what to change)."""
    from feedback.db import sqlite_durability
    from feedback.deploy_check import deploy_problems

    settings = _settings()
    problems = deploy_problems(settings)
    if settings.is_sqlite:
        problems += _run_with_database(settings, sqlite_durability)
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("✓ Settings are fit for production.")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["admin", "executive", "lead", "staff"]), required=True)
@click.option("--department", default=None, help="Department name (leads and staff).")
def create_user(email: str, display_name: str, role: str, department: str | None) -> None:
    """Create a staff account. The password is asked for, never taken as a flag."""
    settings = _settings()
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    from feedback.services.staff import FieldErrors, NewStaff, create_staff
    from surveys.tables import Department

    async def work() -> int:
        department_id = None
        if department:
            row = (
                await Department.select(Department.id).where(Department.name == department).first()
            )
            if row is None:
                raise FieldErrors({"department": f"No department is named {department!r}."})
            department_id = row["id"]
        return await create_staff(NewStaff(email, display_name, role, department_id, password))

    try:
        user_id = _run_with_database(settings, work)
    except FieldErrors as exc:
        for field, message in exc.errors.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    click.echo(f"Created account #{user_id} ({role}).")


def _register_analysis_commands() -> None:
    from feedback.analysis.cli import analyze_command, evaluate_command

    main.add_command(analyze_command)
    main.add_command(evaluate_command)


_register_analysis_commands()
