from __future__ import annotations

import pytest

from feedback.kudos import staff_mentions
from feedback.services.feedback_items import NewFeedback, record_feedback
from tests import factories
from tests.conftest import sign_in


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Dr. Ansah explained everything so well.", ["Dr. Ansah"]),
        ("Nurse Maria Lopez and Dr Chen were wonderful", ["Nurse Maria Lopez", "Dr Chen"]),
        ("A nurse called Grace held my hand.", ["called Grace"]),
        ("The nurses were kind.", []),
    ],
)
def test_staff_mentions(text, names):
    assert staff_mentions(text) == names


async def test_kudos_lists_praise_of_the_department_naming_staff_first(client):
    mine = await factories.department("Pediatrics")
    other = await factories.department("Oncology")
    await record_feedback(
        NewFeedback(source="survey", department_id=mine, text="The whole team was lovely and kind.")
    )
    await record_feedback(
        NewFeedback(
            source="review", department_id=mine, text="Dr. Ansah was wonderful with my son."
        )
    )
    await record_feedback(
        NewFeedback(source="survey", department_id=mine, text="Rude receptionist and a long wait.")
    )
    await record_feedback(
        NewFeedback(source="survey", department_id=other, text="Nurse Kim was amazing.")
    )
    await sign_in(client, await factories.staff("lead", mine), factories.PASSWORD)
    page = await client.get("/kudos")
    assert page.status_code == 200
    text = page.text
    assert "Dr. Ansah was wonderful" in text and "The whole team was lovely" in text
    assert "Rude receptionist" not in text and "Nurse Kim" not in text
    assert text.index("Dr. Ansah was wonderful") < text.index("The whole team was lovely")
    assert "Names: Dr. Ansah" in text
