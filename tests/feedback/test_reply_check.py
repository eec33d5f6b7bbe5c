"""Reply drafts to public reviews: a name together with health details is refused."""

from __future__ import annotations

import pytest

from feedback.reply_check import reply_problems


@pytest.mark.parametrize(
    "draft",
    [
        "Dear Sam, we are sorry your knee surgery was delayed.",
        "Hi Sam, we have looked into your appointment and the delay.",
        "Thank you Sam P. for telling us about your stay on the ward.",
        "Mrs. Okafor, we are sorry your chemotherapy was rescheduled twice.",
        "Sam, your test results should have been explained to you.",
        "Hello Maria, congratulations on the birth of your baby!",
    ],
)
def test_a_name_with_health_details_is_refused(draft: str) -> None:
    problems = reply_problems(draft, "Sam P.")
    assert len(problems) == 1
    assert "names the reviewer" in problems[0]


@pytest.mark.parametrize(
    "draft",
    [
        "Dear Sam, thank you for taking the time to write. Please call our patient experience "
        "office on the number on our website so we can look into this with you.",
        "We are sorry about the wait for surgery that you describe; we have added evening "
        "clinics this month.",
        "Thank you for your kind words about our team.",
    ],
)
def test_a_name_alone_or_health_details_alone_are_allowed(draft: str) -> None:
    assert reply_problems(draft, "Sam P.") == []


def test_empty_and_overlong_drafts_are_refused_with_a_reason() -> None:
    assert reply_problems("   ", "Sam") == ["Write the reply first."]
    assert reply_problems("x" * 5000, "Sam") == ["Keep the reply under 4000 characters."]
