"""A small hospital's quarter, seeded row by row, with figures worked out by hand: the
dashboard, PDF and CSV tests check the numbers they print against these."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from feedback.tables import FeedbackItem, Improvement, ImprovementTicket, Ticket, TicketFeedback
from integrations.tables import OutboxMessage
from surveys.service import install_library
from surveys.tables import Answer, Invitation, Patient, Response, SurveyVersion, Visit
from tests import factories

START = dt.date(2026, 7, 1)
END = dt.date(2026, 9, 29)  # 91 days
PREVIOUS_DAY = dt.date(2026, 5, 15)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Seeded:
    cardiology: int
    oncology: int
    riverside: int
    hilltop: int


async def seed_quarter() -> Seeded:
    await install_library()
    cardiology = await factories.department("Cardiology")
    oncology = await factories.department("Oncology")
    riverside = await factories.location("Riverside")
    hilltop = await factories.location("Hilltop")
    version = (
        await SurveyVersion.select(SurveyVersion.id).where(SurveyVersion.status == "published")
    )[0]["id"]

    # 40 survey responses this quarter at Riverside/Cardiology: 20 promoters (10), 12 passives
    # (8), 8 detractors (3) -> NPS (20 - 8) / 40 = 30.0; overall rating 9 for 30 of 40 -> 75%.
    # Last quarter: 30 responses, 15 promoters, 15 detractors -> NPS 0.0.
    async def respond(day: dt.date, score: int, rating: int, department: int) -> None:
        patient = await Patient.insert(
            Patient(
                given_name="Ann",
                family_name="Example",
                mrn=f"M-{day}-{score}-{rating}-{await Patient.count()}",
            )
        ).returning(Patient.id)
        visit = await Visit.insert(
            Visit(
                patient=patient[0]["id"],
                location=riverside,
                department=department,
                visit_date=day,
                visit_type="clinic",
            )
        ).returning(Visit.id)
        response = await Response.insert(
            Response(
                survey_version=version,
                location=riverside,
                department=department,
                visit=visit[0]["id"],
                submitted_at=at(day),
            )
        ).returning(Response.id)
        await Answer.insert(
            Answer(
                response=response[0]["id"],
                question_key="recommend",
                value=str(score),
                numeric_value=score,
            ),
            Answer(
                response=response[0]["id"],
                question_key="overall_rating",
                value=str(rating),
                numeric_value=rating,
            ),
        )
        if score >= 9:  # every promoter came back two months later
            await Visit.insert(
                Visit(
                    patient=patient[0]["id"],
                    location=riverside,
                    department=department,
                    visit_date=day + dt.timedelta(days=60),
                    visit_type="clinic",
                )
            )

    for i in range(40):
        score = 10 if i < 20 else 8 if i < 32 else 3
        await respond(START + dt.timedelta(days=i), score, 9 if i < 30 else 6, cardiology)
    for i in range(30):
        await respond(PREVIOUS_DAY + dt.timedelta(days=i % 20), 10 if i < 15 else 2, 9, cardiology)

    # 100 invitations sent this quarter, 40 answered -> response rate 40%.
    visit = await factories.visit(cardiology, riverside)
    for i in range(100):
        await Invitation.insert(
            Invitation(
                visit=visit,
                survey_version=version,
                token_hash=f"{i:064d}",
                expires_at=at(END),
                sent_at=at(START + dt.timedelta(days=i % 90)),
                used_at=at(START + dt.timedelta(days=i % 90)) if i < 40 else None,
            )
        )

    # Feedback this quarter: 60 items; 24 negative with the billing theme in Cardiology (12
    # ticketed), 4 negative about parking (facilities) in Oncology (a small cell), 32 positive.
    items = []
    for i in range(60):
        negative = i < 28
        theme = "billing" if i < 24 else "facilities"
        items.append(
            FeedbackItem(
                source="survey" if i % 2 else "staff",
                text=(
                    f"The bill was wrong again, call me on 07700 900{i:03d} or mail "
                    f"jo{i}@example.org. Dr Smith never answered."
                    if negative
                    else "Lovely staff."
                ),
                location=riverside if i < 24 or i >= 28 else hilltop,
                department=cardiology if i < 24 or i >= 28 else oncology,
                received_at=at(START + dt.timedelta(days=i)),
                sentiment="negative" if negative else "positive",
                themes=json.dumps(
                    [{"theme": theme, "sentiment": "negative" if negative else "positive"}]
                ),
            )
        )
    feedback_ids = [
        row["id"] for row in await FeedbackItem.insert(*items).returning(FeedbackItem.id)
    ]
    # Last quarter: 20 items, 10 negative.
    await FeedbackItem.insert(
        *(
            FeedbackItem(
                source="survey",
                text="x",
                location=riverside,
                department=cardiology,
                received_at=at(PREVIOUS_DAY + dt.timedelta(days=i)),
                sentiment="negative" if i < 10 else "positive",
                themes="[]",
            )
            for i in range(20)
        )
    )

    # Tickets resolved this quarter: 4, three within SLA; resolved after 1, 2, 3 and 10 days
    # -> median 2.5 days. One open ticket in Oncology is overdue now.
    ticket_ids = []
    for i, days in enumerate((1, 2, 3, 10)):
        created = at(START + dt.timedelta(days=i))
        row = await Ticket.insert(
            Ticket(
                title=f"Billing {i}",
                department=cardiology,
                status="resolved",
                created_at=created,
                resolved_at=created + dt.timedelta(days=days),
                resolve_due_at=created + dt.timedelta(days=5),
                theme="billing",
                source="survey",
                location=riverside,
            )
        ).returning(Ticket.id)
        ticket_ids.append(row[0]["id"])
    await Ticket.insert(
        Ticket(
            title="Parking",
            department=oncology,
            status="new",
            created_at=at(START),
            resolve_due_at=at(START + dt.timedelta(days=7)),
            theme="facilities",
            location=hilltop,
        )
    )
    for i in range(12):
        await TicketFeedback.insert(
            TicketFeedback(ticket=ticket_ids[i % 4], feedback_item=feedback_ids[i])
        )

    # One improvement published on day 50, answering ticket 0 (items 0, 4, 8).
    improvement = await Improvement.insert(
        Improvement(
            title="Itemised bills explained at check-out",
            body="We now explain every bill.",
            department=cardiology,
            location=riverside,
            change_date=START + dt.timedelta(days=49),
            status="published",
            published_at=at(START + dt.timedelta(days=50)),
        )
    ).returning(Improvement.id)
    await ImprovementTicket.insert(
        ImprovementTicket(improvement=improvement[0]["id"], ticket=ticket_ids[0])
    )
    # Items 0 and 4 came from two patients; one of them has been told (1 of 2 -> 50%).
    for item, told in ((feedback_ids[0], True), (feedback_ids[4], False)):
        patient = await Patient.insert(
            Patient(given_name="Told", family_name="Person", mrn=f"TOLD-{item}")
        ).returning(Patient.id)
        await FeedbackItem.update({FeedbackItem.patient: patient[0]["id"]}).where(
            FeedbackItem.id == item
        )
        if told:
            await OutboxMessage.insert(
                OutboxMessage(
                    kind="improvement",
                    business_key=f"improvement:{improvement[0]['id']}:patient:{patient[0]['id']}",
                    recipient="told@example.org",
                    subject="We made a change",
                    body_text="Thank you",
                    status="sent",
                )
            )
    return Seeded(cardiology, oncology, riverside, hilltop)
