"""Scrubbing a quoted patient comment: identifying details go, the story stays readable."""

from __future__ import annotations

import pytest

from feedback.reports.scrub import scrub_comment


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        # contact details and links
        ("Email me at jane.doe+nhs@example.co.uk please", "Email me at [email] please"),
        ("Ring 07700 900123 any time", "Ring [phone] any time"),
        ("My number is +44 7700 900123.", "My number is [phone]."),
        ("Call +44 (0)20 7946 0958 or 0161 496 0000", "Call [phone] or [phone]"),
        ("US cell (555) 123-4567, office 555.123.4567", "US cell [phone], office [phone]"),
        ("reach me on +1 555-123-4567!", "reach me on [phone]!"),
        ("Full review at https://example.com/r?id=9&x=1.", "Full review at [link]"),
        ("See www.example.org/complaints for more", "See [link] for more"),
        # record numbers and dates of birth
        ("MRN 12345678 was on the wrong wristband", "MRN [number] was on the wrong wristband"),
        ("My NHS number is 943 476 5919.", "My NHS number is [number]."),
        ("patient ID: RX-00123456 lost", "patient ID: [number] lost"),
        ("Ref 4471203 still not answered", "Ref [number] still not answered"),
        ("letter quoted 88812345 twice", "letter quoted [number] twice"),
        ("DOB 01/02/1980 printed on the label", "DOB [date] printed on the label"),
        ("born 3rd March 1980 and still waiting", "born [date] and still waiting"),
        ("seen on 2026-03-04 in clinic", "seen on [date] in clinic"),
        ("appointment on March 4, 2026 was cancelled", "appointment on [date] was cancelled"),
        # names after a title: the title stays
        ("Dr. Patel explained everything", "Dr. [name] explained everything"),
        ("Nurse Jackie was amazing", "Nurse [name] was amazing"),
        ("Mr Smith on Ward 7 was rude", "Mr [name] on Ward 7 was rude"),
        ("Mrs. O'Brien and Ms Jones helped", "Mrs. [name] and Ms [name] helped"),
        ("Sister Agnes Murphy runs a tight ship", "Sister [name] runs a tight ship"),
        ("Doctor Okafor-Williams was kind", "Doctor [name] was kind"),
        ("thanks to Dr J. Smith and Prof. Williams", "thanks to Dr [name] and Prof. [name]"),
        ("the nurse Kelly stayed late", "the nurse [name] stayed late"),
        (
            "Staff Nurse Kelly O'Neil at the Royal Infirmary",
            "Staff Nurse [name] at the Royal Infirmary",
        ),
        ("Dr Patel Monday morning", "Dr [name] Monday morning"),
        ("Dr Ólafsson was great", "Dr [name] was great"),
        # introductions
        ("My name is john smith and I waited", "My name is [name] and I waited"),
        ("Hello, my name is Maria.", "Hello, my name is [name]."),
        ("I am Sarah Connor, a patient", "I am [name], a patient"),
        ("I'm Tom and this is my story", "I'm [name] and this is my story"),
        ("My husband Robert Brown drove me", "My husband [name] drove me"),
        # first and last names after with/by/saw/named
        ("I was seen by Priya Patel in A&E", "I was seen by [name] in A&E"),
        ("I saw Anna Lee for my scan", "I saw [name] for my scan"),
        ("spoke with Tom Hardy at reception", "spoke with [name] at reception"),
        ("a nurse named Jackie helped me", "a nurse named [name] helped me"),
        ("a porter called Big Dave Jones", "a porter called [name]"),
        ("quoted RX-0012345 on the form", "quoted [number] on the form"),
    ],
)
def test_identifying_details_are_replaced(comment: str, expected: str) -> None:
    assert scrub_comment(comment) == expected


@pytest.mark.parametrize(
    "comment",
    [
        "The Emergency Department was packed on Monday night.",
        "A&E was busy but the triage nurse was kind.",
        "I was seen with Cardiology and then by Radiology.",
        "Discharged by Acute Medical Unit staff in March.",
        "Waited 4 hours on 3 March and paid £12.50 for parking.",
        "The doctor was late. The nurse was lovely. dr said to wait.",
        "I am very grateful to everyone on Ward 12.",
        "I am British and I expected better.",
        "Great care in Maternity, thank you NHS!",
        "Clinic at 10.30, seen at 11.45, out by 1pm.",
        "It cost £1,250,000 to build this car park?",
        "In 2019 and 2020 the service was better.",
        "My name is not important, the care was.",
        "Parking was £3.50 for 2 hours, ward 5B.",
        "Friday with Children's Outpatients was fine.",
        "Score 9/10, would recommend.",
    ],
)
def test_ordinary_words_survive(comment: str) -> None:
    assert scrub_comment(comment) == comment


def test_known_names_are_whole_words_any_case() -> None:
    text = "Jane Smith was with me; later JANE and jane's sister; Jane-Marie is someone else"
    assert scrub_comment(text, ["Jane Smith", "Jane"]) == (
        "[name] was with me; later [name] and [name]'s sister; Jane-Marie is someone else"
    )


def test_known_names_ignore_blanks_and_single_letters() -> None:
    assert scrub_comment("a b c", ["", " ", "a"]) == "a b c"


def test_known_names_are_regex_safe() -> None:
    assert scrub_comment("Dr. A.(B) was here", ["A.(B)"]) == "Dr. [name] was here"


def test_a_long_comment_with_everything_in_it() -> None:
    comment = (
        "My name is Mary Jones (DOB 12/05/1961, MRN 00423199). I was seen by Omar Haddad in the\n"
        "Emergency Department on Tuesday. Dr. Patel was great but please call my daughter on\n"
        "07700 900123 or email mary.jones@example.com - see www.example.com/story"
    )
    assert scrub_comment(comment, max_chars=None) == (
        "My name is [name] (DOB [date], MRN [number]). I was seen by [name] in the Emergency "
        "Department on Tuesday. Dr. [name] was great but please call my daughter on [phone] or "
        "email [email] - see [link]"
    )


def test_truncates_at_a_word_boundary_with_an_ellipsis() -> None:
    comment = "The staff were kind and the ward was clean, " * 20
    out = scrub_comment(comment)
    assert len(out) <= 280 and out.endswith("…")
    assert comment.startswith(out[:-1])
    assert not out[:-1].endswith((" ", ","))
    assert scrub_comment(comment, max_chars=30) == "The staff were kind and the…"


def test_short_comments_are_not_truncated_and_whitespace_is_tidied() -> None:
    assert scrub_comment("  Lovely\n\nstaff  ") == "Lovely staff"
    assert scrub_comment("x" * 400, max_chars=None) == "x" * 400


def test_one_enormous_word_is_cut_rather_than_dropped() -> None:
    assert scrub_comment("a " + "x" * 400, max_chars=20) == "a " + "x" * 17 + "…"


def test_placeholders_are_never_scrubbed_again() -> None:
    once = scrub_comment("Dr Name emailed name@example.com", ["name", "email"])
    assert once == "Dr [name] emailed [email]"
    assert scrub_comment(once, ["name", "email", "phone"]) == once
