"""Survey results for staff: per question and composite, aggregated in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from feedback.auth.roles import CurrentStaff
from feedback.metrics import Figure, composite, linear_mean, nps, rate, top_box
from surveys.definition import parse_definition
from surveys.tables import Answer, Invitation, Response, Survey, SurveyVersion


class ResultsError(ValueError):
    pass


@dataclass(frozen=True)
class ResultsQuery:
    survey_key: str
    start: dt.date
    end: dt.date  # inclusive
    location_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    type: str
    top_box: Figure
    linear_mean: Figure


@dataclass(frozen=True)
class Results:
    survey_name: str
    label: str
    responses: int
    response_rate: Figure
    recommend: Figure | None
    questions: list[QuestionResult]
    composites: list[tuple[str, Figure]]
    department_id: int | None


async def survey_choices() -> list[dict]:
    return await Survey.select(Survey.key, Survey.name).order_by(Survey.name)


async def survey_results(viewer: CurrentStaff, query: ResultsQuery) -> Results:
    if query.end < query.start:
        raise ResultsError("The end of the period is before its start.")
    survey = (
        await Survey.select(Survey.id, Survey.name, Survey.label)
        .where(Survey.key == query.survey_key)
        .first()
    )
    if survey is None:
        raise ResultsError("There is no survey with that key.")
    latest = await (
        SurveyVersion.select(SurveyVersion.definition)
        .where((SurveyVersion.survey == survey["id"]) & (SurveyVersion.status != "draft"))
        .order_by(SurveyVersion.number, ascending=False)
        .output(load_json=True)
        .first()
    )
    if latest is None:
        raise ResultsError("That survey has never been published.")
    definition = parse_definition(latest["definition"])
    # A lead's results are always their own department's, whatever the form asked for.
    department_id = viewer.department_scope() or query.department_id
    start_at = dt.datetime.combine(query.start, dt.time.min, tzinfo=dt.UTC)
    end_at = dt.datetime.combine(query.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    def responses_in_scope(column):  # type: ignore[no-untyped-def]
        condition = (
            (column.survey_version.survey == survey["id"])
            & (column.submitted_at >= start_at)
            & (column.submitted_at < end_at)
        )
        if query.location_id:
            condition &= column.location == query.location_id
        if department_id:
            condition &= column.department == department_id
        return condition

    counts: dict[str, dict[str, int]] = {}
    rows = await (
        Answer.select(Answer.question_key, Answer.value, Count(alias="n"))
        .where(responses_in_scope(Answer.response))
        .group_by(Answer.question_key, Answer.value)
    )
    for row in rows:
        counts.setdefault(row["question_key"], {})[row["value"]] = row["n"]
    responses = await Response.count().where(responses_in_scope(Response))

    sent = Invitation.count().where(
        (Invitation.survey_version.survey == survey["id"])
        & (Invitation.sent_at >= start_at)
        & (Invitation.sent_at < end_at)
    )
    answered = Invitation.count().where(
        (Invitation.survey_version.survey == survey["id"])
        & (Invitation.sent_at >= start_at)
        & (Invitation.sent_at < end_at)
        & Invitation.used_at.is_not_null()
    )
    if query.location_id:
        sent = sent.where(Invitation.visit.location == query.location_id)
        answered = answered.where(Invitation.visit.location == query.location_id)
    if department_id:
        sent = sent.where(Invitation.visit.department == department_id)
        answered = answered.where(Invitation.visit.department == department_id)

    questions: list[QuestionResult] = []
    by_composite: dict[str, list[Figure]] = {}
    recommend = None
    for question in definition.questions:
        if question.type in ("free_text", "single_choice", "multiple_choice"):
            continue
        answers = counts.get(question.key, {})
        mean = linear_mean(question.type, answers)
        questions.append(
            QuestionResult(
                question.key,
                question.text_in("en"),
                question.type,
                top_box(question.type, answers),
                mean,
            )
        )
        if question.composite:
            by_composite.setdefault(question.composite, []).append(mean)
        if question.type == "nps" and recommend is None:
            recommend = nps({int(value): n for value, n in answers.items() if value.isdigit()})
    return Results(
        survey_name=survey["name"],
        label=survey["label"],
        responses=responses,
        response_rate=rate(await answered, await sent),
        recommend=recommend,
        questions=questions,
        composites=[(name, composite(items)) for name, items in by_composite.items()],
        department_id=department_id,
    )
