"""Triggers that mark a day's summaries stale when a change reaches a day already summarised.

Every write that can change a figure of a past day (an item imported with an old date,
re-analysed or erased; a ticket linked; an invitation answered; a later visit that makes an
earlier patient a returning one) writes a `summary_stale` row for that day in its own
transaction, whatever code made it. Changes to today are not marked: today is never
summarised (the dashboard reads it live), so a survey submission pays nothing here.

The statements are written out here rather than imported, so that this migration keeps doing
what it did when it was applied, whatever the application code becomes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-29T05:21:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that mark summarised days stale; covering indexes for the dashboard"

# (table, event, the rows giving the days a change touches). `X` is replaced by NEW or OLD;
# `day(...)` by the dialect's UTC day of a timestamp.
FEEDBACK_ITEM_DAYS = ("SELECT day(X.received_at) AS d",)
TICKET_FEEDBACK_DAYS = (
    "SELECT day(f.received_at) AS d FROM feedback_item f WHERE f.id = X.feedback_item",
)
RESPONSE_DAYS = ("SELECT day(X.submitted_at) AS d",)
ANSWER_DAYS = ("SELECT day(r.submitted_at) AS d FROM survey_response r WHERE r.id = X.response",)
INVITATION_DAYS = ("SELECT day(X.sent_at) AS d",)
VISIT_DAYS = (
    # Invitations are counted under their visit's location and department.
    "SELECT day(i.sent_at) AS d FROM invitation i WHERE i.visit = X.id",
    # Responses about this visit (its patient, location, department).
    "SELECT day(r.submitted_at) AS d FROM survey_response r WHERE r.visit = X.id",
    # Earlier visits of the same patient within a year: this one may make them "returned".
    "SELECT day(r.submitted_at) AS d FROM survey_response r JOIN visit v ON v.id = r.visit "
    "WHERE v.patient = X.patient AND v.visit_date < X.visit_date "
    "AND v.visit_date >= year_before(X.visit_date)",
)

TRIGGERS = (
    ("feedback_item", "INSERT", FEEDBACK_ITEM_DAYS),
    ("feedback_item", "DELETE", FEEDBACK_ITEM_DAYS),
    (
        "feedback_item",
        "UPDATE OF received_at, sentiment, themes, location, department, source",
        FEEDBACK_ITEM_DAYS,
    ),
    ("ticket_feedback", "INSERT", TICKET_FEEDBACK_DAYS),
    ("ticket_feedback", "DELETE", TICKET_FEEDBACK_DAYS),
    ("ticket_feedback", "UPDATE OF feedback_item", TICKET_FEEDBACK_DAYS),
    ("survey_response", "INSERT", RESPONSE_DAYS),
    ("survey_response", "DELETE", RESPONSE_DAYS),
    ("survey_response", "UPDATE OF submitted_at, location, department, visit", RESPONSE_DAYS),
    ("survey_answer", "INSERT", ANSWER_DAYS),
    ("survey_answer", "DELETE", ANSWER_DAYS),
    ("survey_answer", "UPDATE OF response, question_key, numeric_value", ANSWER_DAYS),
    ("invitation", "INSERT", INVITATION_DAYS),
    ("invitation", "DELETE", INVITATION_DAYS),
    ("invitation", "UPDATE OF sent_at, used_at, visit", INVITATION_DAYS),
    ("visit", "INSERT", VISIT_DAYS),
    ("visit", "DELETE", VISIT_DAYS),
    ("visit", "UPDATE OF patient, location, department, visit_date", VISIT_DAYS),
)

POSTGRES = {
    "day": "CAST(({} AT TIME ZONE 'UTC') AS date)",
    "year_before": "({} - 365)",
    "past": "CAST((now() AT TIME ZONE 'UTC') AS date)",
}
SQLITE = {
    "day": "substr({}, 1, 10)",
    "year_before": "date({}, '-365 days')",
    "past": "date('now')",
}


def _dialect(sql: str, words: dict[str, str]) -> str:
    for function in ("day", "year_before"):
        while f"{function}(" in sql:
            start = sql.index(f"{function}(")
            end = sql.index(")", start)
            inner = sql[start + len(function) + 1 : end]
            sql = sql[:start] + words[function].format(inner) + sql[end + 1 :]
    return sql


def _name(table: str, event: str) -> str:
    return f"summary_stale_{table}_{event.split()[0].lower()}"


def _rows(event: str) -> tuple[str, ...]:
    if event.startswith("UPDATE"):
        return ("NEW", "OLD")
    return ("NEW",) if event == "INSERT" else ("OLD",)


def _when(event: str, days: tuple[str, ...], words: dict[str, str]) -> str:
    """For days read off the changed row itself, a condition that skips the trigger's body
    (the common case: a change to today), so a survey submission pays nothing for it."""
    if any(" FROM " in select for select in days):
        return ""
    tests = [
        f"{_dialect(select.removeprefix('SELECT ').removesuffix(' AS d').replace('X.', f'{row}.'), words)} "
        f"< {words['past']}"
        for row in _rows(event)
        for select in days
    ]
    return " WHEN (" + " OR ".join(tests) + ")"


def _marks(event: str, days: tuple[str, ...], words: dict[str, str]) -> str:
    selects = " UNION ALL ".join(
        _dialect(select.replace("X.", f"{row}."), words) for row in _rows(event) for select in days
    )
    return (
        f"INSERT INTO summary_stale (day) SELECT d FROM ({selects}) AS changed "
        f"WHERE d IS NOT NULL AND d < {words['past']}"
    )


# The dashboard's largest reads, answered from the index alone (PostgreSQL's INCLUDE; on
# SQLite the same columns as trailing key columns). Open tickets by due date is partial: the
# overdue count never looks at closed tickets, which are most of them.
OPEN = "status IN ('new', 'acknowledged', 'in_progress')"
INDEXES = (
    ("summary_feedback_cover", "summary_feedback", "day",
     "source, sentiment, location, department, n, ticketed", ""),
    ("summary_theme_cover", "summary_theme", "day",
     "department, theme, source, location, n", ""),
    ("summary_recommend_cover", "summary_recommend", "question_key, day",
     "grp, patient, returned, location, department", ""),
    ("summary_score_cover", "summary_score", "question_key, day",
     "score, n, location, department", ""),
    ("ticket_open_due", "ticket", "resolve_due_at", "department, location, source", OPEN),
)


def _indexes(postgres: bool) -> list[str]:
    out = []
    for name, table, keys, covered, where in INDEXES:
        columns = f"({keys}) INCLUDE ({covered})" if postgres else f"({keys}, {covered})"
        partial = f" WHERE {where}" if where else ""
        out.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}{partial}")
    return out


def statements(postgres: bool) -> list[str]:
    out = _indexes(postgres)
    if postgres:
        for table, event, days in TRIGGERS:
            name = _name(table, event)
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {_marks(event, days, POSTGRES)}; RETURN NULL; END $$"
            )
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
                f"{_when(event, days, POSTGRES)} EXECUTE FUNCTION {name}()"
            )
    else:
        for table, event, days in TRIGGERS:
            name = _name(table, event)
            out.append(f"DROP TRIGGER IF EXISTS {name}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
                f"{_when(event, days, SQLITE)} BEGIN {_marks(event, days, SQLITE)}; END"
            )
    return out


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def create_triggers() -> None:
        db = engine_finder()
        for statement in statements(db.engine_type == "postgres"):
            await db.run_querystring(QueryString(statement))

    manager.add_raw(create_triggers)
    return manager
