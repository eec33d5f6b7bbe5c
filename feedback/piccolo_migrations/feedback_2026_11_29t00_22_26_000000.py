from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

APPEND_ONLY_SQLITE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_event_sequence_unique ON audit_event (sequence)",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)
APPEND_ONLY_POSTGRES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_event_sequence_unique ON audit_event (sequence)",
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)

ID = "2026-11-29T00:22:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event is append-only: a unique chain sequence and triggers"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def append_only() -> None:
        # Updates and deletes of audit rows are refused by the database itself, whatever
        # code (or person with a SQL prompt but no DDL rights) attempts them.
        db = engine_finder()
        statements = (
            APPEND_ONLY_POSTGRES if db.engine_type == "postgres" else APPEND_ONLY_SQLITE
        )
        for statement in statements:
            await db.run_querystring(QueryString(statement))

    manager.add_raw(append_only)
    return manager
