"""One test per rule, each with real patient-style sentences."""

import threading

import pytest

from feedback.analysis import ANALYZER_VERSION, THEMES, Analysis, analyze
from feedback.analysis.engine import run_rules
from feedback.analysis.urgency import detect_urgent


def sentiment(text: str, question: str | None = None) -> str:
    return analyze(text, question).sentiment


def themes(text: str) -> set[str]:
    return {t.theme for t in analyze(text).themes}


def cue_themes(text: str) -> set[str]:
    """The themes the rule cues mark. Since 4.0 the theme models may add or drop one on top
    of them, as the labelled comments taught; evaluation measures that, these tests the cues."""
    run = run_rules(text)
    assert run is not None
    return set(run.found_themes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Honestly not bad at all.", "positive"),
        ("The food wasn't great.", "negative"),
        ("Never felt rushed, even on a busy day.", "positive"),
        ("They've never once made me feel like a number.", "positive"),
    ],
)
def test_negation(text: str, expected: str) -> None:
    assert sentiment(text) == expected


def test_contrast_makes_mixed_and_splits_theme_sentiment() -> None:
    result = analyze("Great doctor, but the billing office is a nightmare.")
    assert result.sentiment == "mixed"
    by_theme = {t.theme: t.sentiment for t in result.themes}
    assert by_theme["billing"] == "negative"
    assert any("contrast" in line for line in result.explanation)


def test_although_clause() -> None:
    assert sentiment("Although the nurses were lovely, the room was filthy.") == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "Left three voicemails about my scan. Nobody called back.",
        "Asked for my records twice and never received them.",
        "Got charged twice for the same appointment.",
    ],
)
def test_factual_complaint_without_opinion_words(text: str) -> None:
    assert sentiment(text) == "negative"


def test_waits_and_durations() -> None:
    assert sentiment("On hold 45 minutes, then disconnected.") == "negative"
    assert sentiment("Sat in the waiting room for three hours.") == "negative"
    assert sentiment("Seen within 10 minutes of arriving.") == "positive"
    assert "wait_time" in themes("Sat in the waiting room for three hours.")


@pytest.mark.parametrize(
    "text",
    [
        "Appointment was at 2pm and I was seen at 4:30pm.",
        "Booked for 9:00, called in at 10:45.",
        "My slot was 11.15 and the consultant finally saw me at 12.40",
        "Told we could go at 10am, eventually discharged at 6pm.",
    ],
)
def test_a_wait_told_by_the_clock_is_a_complaint(text: str) -> None:
    result = analyze(text)
    assert result.sentiment == "negative"
    assert any(line.startswith("long wait:") for line in result.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "Appointment at 10:30, seen at 10:40.",  # ten minutes: no complaint
        "Visiting is 2pm to 8pm.",  # opening hours, not a wait
        "Paid £4.50 for parking at 9:15.",  # a price is not a time
        "Surgery scheduled for 8am and I was back on the ward by 2pm.",  # nobody waited
    ],
)
def test_clock_times_that_are_not_a_wait(text: str) -> None:
    assert not any(line.startswith("long wait:") for line in analyze(text).explanation)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Video visit on time. So much easier than taking half a day off work.", "positive"),
        ("Rather than waiting six weeks for a letter, they phoned me the next day.", "positive"),
        # The wait itself, with a comparison after it, is still a wait.
        ("Sat for three hours instead of the 20 minutes they promised.", "negative"),
        ("Waited more than three hours to be seen.", "negative"),
    ],
)
def test_a_duration_someone_was_spared_is_not_a_wait(text: str, expected: str) -> None:
    assert sentiment(text) == expected


def test_getting_through_on_the_phone_and_praise_adverbs() -> None:
    assert sentiment("You can never get through to them.") == "negative"
    assert sentiment("Got through to someone straight away.") == "positive"
    assert sentiment("The receptionist sorted it brilliantly.") == "positive"
    assert (
        sentiment(
            "The district nurses dressed his leg beautifully. Shame you can never get through."
        )
        == "mixed"
    )


def test_wording_the_rules_learned_from_held_out_12() -> None:
    assert sentiment("The health visitors were brill.") == "positive"
    assert sentiment("Honestly never felt so looked after in my life.") == "positive"
    assert sentiment("They stopped my inhaler without saying a word.") == "negative"
    assert sentiment("Sent home without anyone telling me what the scan showed.") == "negative"


def test_sarcasm() -> None:
    result = analyze("Great, another surprise bill. Love that for me.")
    assert result.sentiment == "negative"
    assert any("sarcasm" in line for line in result.explanation)


def test_intensity_raises_magnitude() -> None:
    calm = analyze("Good experience.").polarity
    loud = analyze("GOOD EXPERIENCE!!!").polarity
    assert loud > calm > 0
    assert sentiment("Super friendly 😊") == "positive"
    assert sentiment("cold food, cold room 🥶") == "negative"


def test_question_context() -> None:
    assert sentiment("Nothing", "What could we improve?") == "positive"
    assert sentiment("Nothing, they were amazing.", "What could we improve?") == "positive"
    assert sentiment("More staff on the night shift.", "What could we improve?") == "negative"
    assert sentiment("Visited at home.", "What was good about your care?") == "positive"


@pytest.mark.parametrize("text", ["N/A", "-", "", "   ", "no comment"])
def test_non_answers(text: str) -> None:
    result = analyze(text)
    assert result.sentiment == "neutral"
    assert result.themes == ()
    assert not result.urgent


def test_suggestion_is_neutral_with_a_lean() -> None:
    result = analyze("Maybe add a couple of benches along the walkway.")
    assert result.sentiment == "neutral"
    assert result.polarity < 0
    assert "facilities" in {t.theme for t in result.themes}


def test_typos_are_repaired() -> None:
    result = analyze("The docter was very freindly and profesional.")
    assert result.sentiment == "positive"
    assert any(line.startswith("typo:") for line in result.explanation)
    assert sentiment("never recieved my test results. ever.") == "negative"


def test_long_review() -> None:
    body = (
        "The ward was clean and the nurses were kind. " * 40
        + "But nobody explained my discharge medication and I waited six hours to leave."
    )
    result = analyze(body)
    assert result.sentiment == "mixed"
    assert {"discharge_followup", "wait_time", "staff_attitude"} <= {t.theme for t in result.themes}


def test_spanish_is_detected_and_scored() -> None:
    good = analyze("La doctora fue muy amable y me explicó todo. Excelente atención.")
    bad = analyze("Esperé cuatro horas y nadie me dio información. Pésimo servicio.")
    assert (good.language, good.sentiment) == ("es", "positive")
    assert (bad.language, bad.sentiment) == ("es", "negative")


def test_other_languages_and_short_english() -> None:
    assert analyze("Le personnel était très gentil et le service excellent.").language == "fr"
    assert analyze("Das Personal war sehr freundlich und gut.").language == "de"
    assert analyze("Fine.").language == "en"
    assert analyze("-").language == "und"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The nurse gave my father the wrong medication and he had a seizure.", "medication_error"),
        ("My mother fell out of bed because the rails were left down.", "fall"),
        (
            "I was in agony with a kidney stone and they refused any pain relief.",
            "severe_pain_untreated",
        ),
        (
            "My son told the nurse he was suicidal and she told him to stop being silly.",
            "self_harm",
        ),
        ("A carer slapped my grandmother when she asked for water.", "abuse"),
        (
            "The receptionist refused to help us because we are Muslim, she said it to our face, "
            "because she is muslim.",
            "discrimination",
        ),
        ("They mailed my results to my old employer without my permission.", "privacy_breach"),
        ("The doctor examined my wound without washing his hands.", "infection_control"),
        ("Dad was left in a soiled bed all night and got bed sores.", "neglect"),
        (
            "They said it was just a virus and sent me home. It was appendicitis and it ruptured.",
            "misdiagnosis_harm",
        ),
    ],
)
def test_urgent_categories(text: str, reason: str) -> None:
    result = analyze(text)
    assert result.urgent
    assert reason in result.urgent_reasons
    assert result.sentiment in ("negative", "mixed")


def test_not_urgent_for_ordinary_complaints() -> None:
    assert not analyze("Parking was expensive and the coffee was cold.").urgent
    assert not analyze("Doctor was 45 minutes late.").urgent


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Could not get an appointment for six weeks, the phone line is always busy.", "access"),
        ("Waited two hours past my appointment time.", "wait_time"),
        ("Nobody explained the results to us.", "communication"),
        ("The receptionist was rude and dismissive.", "staff_attitude"),
        ("The surgeon misdiagnosed my fracture.", "clinical_care"),
        ("Got a surprise bill from my insurance.", "billing"),
        ("The bathroom was filthy and parking cost a fortune.", "facilities"),
        ("No discharge instructions and no follow-up call.", "discharge_followup"),
        ("The patient portal keeps logging me out.", "digital"),
        ("The nurse discussed my diagnosis out loud in the hallway.", "privacy"),
    ],
)
def test_each_theme(text: str, theme: str) -> None:
    assert theme in themes(text)


def test_contract_shape_and_purity() -> None:
    result = analyze("Good care, terrible parking.")
    assert isinstance(result, Analysis)
    payload = result.to_contract("c1")
    assert list(payload) == [
        "id",
        "sentiment",
        "polarity",
        "language",
        "themes",
        "urgent",
        "urgent_reasons",
        "analyzer",
        "explanation",
    ]
    assert payload["analyzer"] == ANALYZER_VERSION
    assert -1 <= payload["polarity"] <= 1
    assert all(t["theme"] in THEMES for t in payload["themes"])
    assert len(THEMES) == 10
    assert analyze("Good care, terrible parking.") == result


def test_thread_safe_and_deterministic() -> None:
    texts = ["Rude staff.", "Lovely nurses!", "On hold 45 minutes."] * 50
    expected = [analyze(t) for t in texts]
    results: list[list[Analysis]] = []

    def work() -> None:
        results.append([analyze(t) for t in texts])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r == expected for r in results)


# --- heuristic-2.2 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # A topic noun in passing does not make a theme when another theme is being judged.
        ("No one explained what the new meds were for.", "communication", "clinical_care"),
        ("Follow-up call after my surgery never happened.", "discharge_followup", "clinical_care"),
        ("Exam room hadn't been wiped down.", "facilities", "clinical_care"),
        # ... but it does when it is the subject of the judgement.
        ("The meds made me feel so much worse.", "clinical_care", "communication"),
        # Incidental words are not cues.
        (
            "Sent a records request and heard nothing for my son's kindergarten form.",
            "communication",
            "staff_attitude",
        ),
        ("The clinic didn't lift a finger to help.", None, "facilities"),
        ("Gave me the number to call.", None, "clinical_care"),
        ("Nobody seemed to be in charge.", None, "billing"),
    ],
)
def test_theme_cues_need_a_judgement(text: str, present: str | None, absent: str) -> None:
    found = themes(text)
    assert absent not in found
    if present:
        assert present in found


def test_weak_cue_needs_an_evaluative_clause() -> None:
    assert "access" not in themes("My appointment was at 2:15.")
    assert "access" in themes("Could not get an appointment for weeks, awful.")


def test_leading_no_is_not_cut_from_no_one() -> None:
    result = analyze("no one told us visiting hours changed")
    assert "communication" in {t.theme for t in result.themes}
    assert sentiment("Nothing, they were brilliant.", "What could we improve?") == "positive"
    assert sentiment("Nothing was explained to me.") == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Nothing could have been better.",
        "Could not do anything better.",
        "Don't think you could have done anything better.",
        "The staff explained everything and nothing was too much trouble.",
        "Dr. Okafor never once made me feel rushed.",
    ],
)
def test_praise_that_looks_like_criticism(text: str) -> None:
    assert sentiment(text) == "positive"
    assert sentiment(text, "What could we improve?") == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "Great service, more continuity would be better.",
        "The staff were lovely. Make the wait shorter.",
        "Clean the showers more often.",
        "Could be a little less noisy at night.",
    ],
)
def test_request_to_an_improve_question_leans_negative(text: str) -> None:
    result = analyze(text, "What could we improve?")
    assert result.sentiment in ("negative", "mixed")
    assert result.polarity < 0


def test_praise_with_a_request_leans_negative_without_question() -> None:
    result = analyze("Treatment is good, staff could be more organised.")
    assert result.sentiment == "mixed"
    assert result.polarity < 0
    assert analyze("Treatment is good and the staff are organised.").sentiment == "positive"


def test_not_quite_so_good_is_negated() -> None:
    assert sentiment("The food was not quite so good.") == "negative"


def test_spent_negation_and_no_change_idioms() -> None:
    assert sentiment("You can't improve on excellent!", "What could we improve?") == "positive"
    assert (
        sentiment("Spot on, keep doing what you are doing.", "What could we improve?") == "positive"
    )
    assert sentiment("Would change nothing.") == "positive"


def test_no_as_a_noun_phrase_is_not_nothing_to_improve() -> None:
    assert sentiment("No windows open. Stuffy room.", "What could we improve?") == "negative"
    assert sentiment("No, it was all fine.", "What could we improve?") == "positive"


# 3.1: urgent events told without the category's name (concept lexicons: a harm act joined
# to a clinical object or a vulnerable person), with a negation/hedge check.
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "They gave my nan the wrong tablets at teatime, ones meant for the lady in the "
            "next bed.",
            "medication_error",
        ),
        ("She was given 10mg instead of 1mg of morphine.", "medication_error"),
        ("My dad was given a double dose of his blood thinner.", "medication_error"),
        ("His insulin wasn't given for two days because the chart was lost.", "medication_error"),
        ("The pharmacist mixed up my tablets with another patient's.", "medication_error"),
        ("Me dieron la medicina equivocada y terminé en urgencias.", "medication_error"),
        ("Grandad ended up on the floor of the bathroom and nobody came for an hour.", "fall"),
        ("Mum slipped in the shower on the ward and banged her head.", "fall"),
        ("My aunt took a tumble getting off the trolley.", "fall"),
        (
            "I told the GP I had been stockpiling my pills and he just said to see how I go.",
            "self_harm",
        ),
        ("She has been cutting herself again and nobody will see her.", "self_harm"),
        (
            "When I told the triage nurse I'd been thinking about ending things she shrugged.",
            "self_harm",
        ),
        ("A nurse shouted at my mother and dragged her back into bed.", "abuse"),
        ("One of the carers was rough with dad and left bruises on his arms.", "abuse"),
        ("The doctor told me I was faking it and to stop wasting his time.", "abuse"),
        ("The male nurse kept touching my thigh while taking my blood pressure.", "abuse"),
        (
            "The receptionist said people like us shouldn't expect to be seen quickly.",
            "discrimination",
        ),
        ("I was refused a bed because I'm a traveller.", "discrimination"),
        ("She made jokes about my headscarf and asked if I understood English.", "discrimination"),
        ("The nurse shared my results with my mother without asking me.", "privacy_breach"),
        (
            "The consultant discussed my diagnosis in the waiting room where everyone could hear.",
            "privacy_breach",
        ),
        ("My discharge letter was sent to my old address and my ex opened it.", "privacy_breach"),
        ("They handed me another patient's letter with all her details.", "privacy_breach"),
        ("The same cloth was used to wipe the toilet and then the bed table.", "infection_control"),
        (
            "He dropped the cannula on the floor and then tried to put it in my arm.",
            "infection_control",
        ),
        ("The nurse took my blood without gloves.", "infection_control"),
        ("Dad was left lying in his own mess for hours.", "neglect"),
        (
            "Nobody came when I pressed the buzzer for over an hour, so I wet myself.",
            "neglect",
        ),
        ("Her water jug was out of reach all day and she was never offered a drink.", "neglect"),
        ("Mum had not eaten for three days and nobody noticed.", "neglect"),
        ("She was begging for pain relief all night after her operation.", "severe_pain_untreated"),
        (
            "They told me it was just a pulled muscle. It was a blood clot and I nearly lost "
            "my leg.",
            "misdiagnosis_harm",
        ),
        (
            "The GP said it was nothing to worry about; six months later it had spread.",
            "misdiagnosis_harm",
        ),
        (
            "Sent home twice with 'a virus'. Turned out to be meningitis.",
            "misdiagnosis_harm",
        ),
    ],
)
def test_urgent_concepts(text: str, reason: str) -> None:
    result = analyze(text)
    assert result.urgent, result.explanation
    assert reason in result.urgent_reasons


@pytest.mark.parametrize(
    "text",
    [
        "They gave me the wrong date for my appointment.",
        "The nurse double-checked my allergies and my wristband before every dose.",
        "The falls team came to my house after discharge and fitted rails.",
        "I was worried my mum might fall so they gave her a sensor mat.",
        "Staff always washed their hands and changed gloves between patients.",
        "Never felt neglected, someone was always there.",
        "The atmosphere was calm and non-threatening.",
        "The nurse gave me time to explain how I was feeling.",
        "We need more people like her.",
        "The care fell short of what I expected.",
        "My pain was well controlled and the nurses came quickly whenever I pressed the buzzer.",
        "The doctor explained my diagnosis clearly in a private room.",
        "The nurse helped me up when I felt dizzy, so I didn't fall.",
        "They asked before sharing anything with my family, which I appreciated.",
        "The doctor made a comment about my weight in front of my kids. I felt humiliated.",
    ],
)
def test_urgent_concepts_keep_precision(text: str) -> None:
    result = analyze(text)
    assert not result.urgent, result.explanation


def test_urgent_event_marks_its_theme_not_its_setting() -> None:
    fall = themes("Mum slipped on the bathroom floor on the ward and banged her head.")
    assert "clinical_care" in fall
    assert "facilities" not in fall
    assert "privacy" in themes("The nurse read out my diagnosis to the whole waiting room.")
    assert "staff_attitude" in themes("A carer dragged my father back into bed by his arm.")


def test_plain_visit_fact_stays_neutral() -> None:
    assert sentiment("Came in for my annual flu jab.") == "neutral"
    assert sentiment("Had a knee X-ray today.") == "neutral"
    assert sentiment("Three cancellations of my operation, each one the day before.") != "neutral"


def test_sarcasm_idioms() -> None:
    assert sentiment("Got three different answers. Great system you have there.") == "negative"
    assert analyze("The express clinic. Express my foot. Two and a half hours.").polarity < 0
    assert sentiment("Great team you have here, thank you all.") == "positive"


@pytest.mark.parametrize(
    ("text", "expected", "ironic"),
    [
        # Describing someone, "brilliant" and "perfect" are praise even in a comment that
        # also reports a failure: the comment is mixed.
        ("The nurses were brilliant but we waited four hours for a bed.", "mixed", False),
        (
            "Perfect care from the surgeons, but the discharge letter never reached my GP.",
            "mixed",
            False,
        ),
        (
            "Physio team were brilliant. Pity about the parking, nothing free within a mile.",
            "mixed",
            False,
        ),
        # Said on their own beside a failure, they are irony.
        ("Brilliant. Waited four hours and nobody told us anything.", "negative", True),
        ("Perfect. They lost my referral again.", "negative", True),
        ("Just perfect, lost my bloods again.", "negative", True),
    ],
)
def test_brilliant_or_perfect_beside_a_failure(text: str, expected: str, ironic: bool) -> None:
    result = analyze(text)
    assert result.sentiment == expected
    assert any("sarcasm" in line for line in result.explanation) == ironic


def test_spanish_superlative_and_contrast() -> None:
    assert sentiment("El hospital está limpio pero la comida es malísima.") == "mixed"
    assert sentiment("La atención fue buenísima.") == "positive"


def test_new_theme_cues() -> None:
    assert "staff_attitude" in themes("Shoutout to the lady on reception, an absolute star.")
    assert "communication" in themes("Been told three different things by three different people.")
    assert "wait_time" in themes("In at 7 and home by 1, brilliant.")
    assert "clinical_care" in themes("The nurse caught that his oxygen was dropping. So grateful.")


# --- hybrid-3.2 and 3.4: theme cues from held-out 5's and 6's misses --------------------


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("My appointment got pushed back again, third time this year.", "access", None),
        ("Ninety minutes past my appointment time and still sitting here.", "wait_time", None),
        ("Nobody returned my calls for a week.", "communication", None),
        ("The registrar kept interrupting me.", "communication", None),
        ("He couldn't answer any of my questions.", "communication", None),
        ("The receptionist made me feel ashamed for asking.", "staff_attitude", None),
        ("Our community midwife has been brilliant.", "staff_attitude", None),
        ("Two nurses chatting at the desk while the buzzer rang.", "staff_attitude", None),
        ("They read out my diagnosis in the waiting room.", "privacy", None),
        ("The nurse drew the curtains and checked I was ready.", "privacy", None),
        # The patient's own wheelchair or chair is not a comment on the building.
        (
            "Sat in my wheelchair in the corridor for an hour, nobody came.",
            "wait_time",
            "facilities",
        ),
        ("They had no wheelchairs at the entrance.", "facilities", None),
        # 3.4, from held-out 6's theme misses
        ("He fell at 2am and nobody rang us until the morning.", "communication", None),
        ("The consultant talks at you, not to you.", "communication", None),
        ("I came out more confused than when I went in.", "communication", None),
        ("She sighed every time I asked a question.", "communication", None),
        ("Nadie nos dijo nada en toda la noche.", "communication", None),
        # A call about results is follow-up, not a failure to keep the family informed.
        ("Nobody rang me with my results.", "discharge_followup", "communication"),
        ("The nurse rang me two days later to see how the wound was.", "discharge_followup", None),
        ("They arranged an OT home visit for the week after.", "discharge_followup", None),
        ("The results letter was clear and came within a week.", "discharge_followup", None),
        # 3.6, from held-out 8's theme misses
        ("The receptionist refused to register my husband.", "access", None),
        ("The appointment was cancelled by text an hour before.", "access", None),
        ("Can I pay in instalments?", "billing", None),
        ("The pharmacist spoke to me privately about my new tablets.", "privacy", None),
        # Paying to be seen privately is about money, not confidentiality.
        ("In the end I paid to be seen privately.", "billing", "privacy"),
        ("From check-in to scan it all ran like clockwork.", "wait_time", None),
        ("Spent seven hours in A&E on Saturday.", "wait_time", None),
        ("The district nurse visited the day after we got home.", "discharge_followup", None),
        ("Physio was arranged before she left the ward.", "discharge_followup", None),
        ("The prescription never reached the pharmacy.", "discharge_followup", None),
        ("The hospital and the GP clearly don't talk to each other.", "discharge_followup", None),
        # 3.7, from held-out 9's theme misses
        ("Clinic was an hour late starting and nobody said a word.", "communication", None),
        ("Fed up of telling my story to every new doctor.", "communication", None),
        ("She asked my address loud enough for the whole queue to hear.", "privacy", None),
        ("The nurse asked her questions once my husband had stepped out.", "privacy", None),
        ("Slipped on a wet floor by reception with no sign up.", "facilities", None),
        ("A handrail on the entrance ramp would help.", "facilities", None),
        # A facility fee is billing, not the building.
        ("A $200 facility fee for a phone call.", "billing", "facilities"),
        ("Had a new care coordinator every few months.", "discharge_followup", None),
        ("The nurse phoned every Friday just to check in.", "discharge_followup", None),
        ("Dr Osei remembered my daughter's name from last year.", "staff_attitude", None),
        ("After the physio I'm walking without a stick.", "clinical_care", None),
        ("It took four days to get a simple repeat sorted.", "wait_time", None),
        ("La doctora fue muy paciente con mi abuela.", "staff_attitude", None),
        ("Nos atendieron a la hora, muy bien.", "wait_time", None),
        # 3.8, from held-out 10's theme misses
        ("The nurse left without even saying sorry.", "staff_attitude", None),
        ("Booked through the app in a couple of minutes.", "access", None),
        ("The drive-through line took forever.", "wait_time", None),
        ("Nobody bothered to mention the extra charge.", "communication", None),
        ("They closed my file without telling me.", "communication", None),
        ("Who do I ask for a copy of my son's scan report?", "communication", None),
        ("Please warn people beforehand about the fire alarm test.", "communication", None),
        ("Two students came in to watch without asking me.", "privacy", None),
        ("Please add a way to upload my referral letter.", "digital", None),
        ("After six weeks of physio I'm cycling again.", "clinical_care", None),
        ("They deliver prescriptions for free.", "billing", None),
        ("The nurse rang the day after my operation.", "discharge_followup", None),
        # A bill that is wiped is no cleaning.
        ("The hardship fund wiped most of my bill.", "billing", "facilities"),
    ],
)
def test_theme_cues_from_heldout_misses(text: str, present: str, absent: str | None) -> None:
    found = cue_themes(text)
    assert present in found, analyze(text).explanation
    if absent:
        assert absent not in found


# --- hybrid-3.3 and 3.5: urgent events from held-out 6's and 7's misses, checked on the rules
# alone (the word model may add a flag, so `analyze` could hide a pattern that stopped
# matching) ---------------------------------------------------------------------------------


def rule_urgent(text: str) -> tuple[str, ...]:
    run = run_rules(text, None)
    assert run is not None
    return detect_urgent(run.text, run.starts)[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Pain was 9/10 with my gallstones and all I got was two paracetamol overnight.",
            "severe_pain_untreated",
        ),
        (
            "My son was in a sickle cell crisis and they refused him anything stronger.",
            "severe_pain_untreated",
        ),
        (
            "The nurse said he didn't look like he was in much pain and walked off.",
            "severe_pain_untreated",
        ),
        ("A healthcare assistant would slap his hand when he reached for the rail.", "abuse"),
        ("She told my mother to shut up and stop ringing the bell.", "abuse"),
        ("The porter called my dad a stupid old man.", "abuse"),
        ("Two staff pinned him down to take bloods without a word to us.", "abuse"),
        ("He said we should go back to where we came from.", "discrimination"),
        ("They turned us away because we are refugees.", "discrimination"),
        (
            "A receptionist looked up my records for no reason and now my whole street knows.",
            "privacy_breach",
        ),
        (
            "My neighbour works there and now the whole village knows about my scan.",
            "privacy_breach",
        ),
        ("I told them I couldn't keep myself safe and they still discharged me.", "self_harm"),
        ("I said I wished I was dead and the doctor just nodded.", "self_harm"),
        (
            "I was told twice it was just a sprain. It was a fracture and I needed surgery.",
            "misdiagnosis_harm",
        ),
        (
            "We were told it was just colic. He has permanent damage to his kidney now.",
            "misdiagnosis_harm",
        ),
        # 3.5, from held-out 7's misses
        ("His blood thinners were given twice on Monday night.", "medication_error"),
        (
            "The pharmacy made up her liquid morphine ten times stronger than prescribed.",
            "medication_error",
        ),
        ("Lo encontraron en el suelo del baño a las cinco de la mañana.", "fall"),
        (
            "In a sickle cell crisis for hours with nothing stronger than paracetamol.",
            "severe_pain_untreated",
        ),
        ("They said they don't do hoist transfers for people like me.", "discrimination"),
        ("The only way he could have known about my diagnosis is from my file.", "privacy_breach"),
        ("The receptionist was opening my records for no reason at all.", "privacy_breach"),
        # 3.6, from held-out 8's misses
        ("The bag they hung on my drip was meant for the man in the next bed.", "medication_error"),
        (
            "The nurse asked for my ID but didn't ask the white family behind me for anything.",
            "discrimination",
        ),
        ("The man at the desk mocked my dad's accent in front of everyone.", "discrimination"),
        ("La enfermera se burló de su acento y no nos atendió.", "discrimination"),
        ("My pregnancy test result was texted to my mum's phone.", "privacy_breach"),
        (
            "I have never told anyone about my diagnosis, yet a woman who works at the hospital "
            "asked me about it at church.",
            "privacy_breach",
        ),
        (
            "The hygienist used the tools from the previous patient without cleaning them.",
            "infection_control",
        ),
        ("She wiped the probe with a tissue and used it on me.", "infection_control"),
        ("Twelve hours in the corridor with no food or water.", "neglect"),
        ("No one emptied his catheter bag all night.", "neglect"),
        (
            "The GP told us for two years that her tiredness was just stress. The scan found a "
            "tumour.",
            "misdiagnosis_harm",
        ),
        # 3.7, from held-out 9's misses
        ("The night nurse held him against the bed by his throat.", "abuse"),
        ("A carer had her round the neck to keep her still.", "abuse"),
        (
            "He says he won't be around for the next appointment and has sorted his affairs out.",
            "self_harm",
        ),
        ("I told the crisis team I'd been saving up my pills.", "self_harm"),
        ("Estaba aislado por C. difficile y entraban sin guantes.", "infection_control"),
        (
            "The nurse took bloods and didn't change her gloves before the next patient.",
            "infection_control",
        ),
        ("The chemist gave Dad 10mg tablets rather than his usual 2.5mg.", "medication_error"),
        ("Left on a trolley all night and no one brought him a drink.", "neglect"),
        ("She wet herself waiting for a commode and was left sitting in it.", "neglect"),
        (
            "His pain was 9 out of 10 after the op and nothing was given because the doctor had to "
            "sign it off.",
            "severe_pain_untreated",
        ),
        ("Her epidural stopped working and she was screaming all night.", "severe_pain_untreated"),
        # 3.8, from held-out 10's misses
        ("No me atendieron porque mi mamá no habla inglés.", "discrimination"),
        ("Me dijo que volviera con alguien que hable normal.", "discrimination"),
        ("The receptionist told my boss what medication I take.", "privacy_breach"),
        (
            "Le dijeron que era solo un virus y luego tuvo un derrame cerebral.",
            "misdiagnosis_harm",
        ),
        # 4.0, from held-out 11's misses
        (
            "She got her insulin two times in the same morning from two different nurses.",
            "medication_error",
        ),
        (
            "He was moaning out in pain all night and the nurse said the doctor was too busy.",
            "severe_pain_untreated",
        ),
        (
            "There was a list of patients' names and dates of birth pinned up by the lift.",
            "privacy_breach",
        ),
        ("La dejaron dos noches sin que nadie la cambiara.", "neglect"),
        # a past event is set aside only when the comment says it was put right
        (
            "Last time I was given the wrong tablets. This time they did it again!",
            "medication_error",
        ),
        # 4.0, from NHS comments the 3.9 word model flagged and the retrained one does not
        ("Rang the crisis line three times and nobody answered.", "patient_safety"),
        ("I told them I felt at risk to myself and was sent home.", "self_harm"),
        ("My discharge letter was sent to a different GP across town.", "privacy_breach"),
        ("That is a breach of confidentiality.", "privacy_breach"),
        ("She had to sit in the corridor with a broken hip for hours.", "severe_pain_untreated"),
    ],
)
def test_urgent_rules_from_heldout_misses(text: str, reason: str) -> None:
    assert reason in rule_urgent(text)


@pytest.mark.parametrize(
    "text",
    [
        "Not life threatening, but three hours for a cut hand is too long.",
        "MRSA screen came back clear and the op went ahead on time.",
        "The counsellor asked if I'd had any thoughts of hurting myself. I haven't, but "
        "good that they ask.",
        "They let me write my symptoms down instead of saying it out loud at reception.",
        "Broken wrist, waited three hours, then a bill for the splint.",
        # 3.5
        "Nearly died laughing at the physio's terrible jokes.",
        "I almost died of embarrassment when my phone rang in the scan.",
        # 3.6: how a child came to need care; a hypothetical; discretion
        "My daughter fell off her bike, and A&E stitched her chin beautifully.",
        "If I ever get the wrong dose, who should I tell?",
        "They let me write my reason for visit down rather than say it out loud.",
        "Please put no food or water after midnight on the letter in bigger print.",
        # 3.7
        "Asked three times what the new tablets were for and still don't know.",
        "If I'd tripped on that loose carpet I would have complained.",
        "The pharmacist explained the overdose risk with the new painkillers.",
        "The sepsis information leaflet was really clear.",
        # 3.8: the fall that brought someone in; an idiom
        "Came in after a fall at home, I'd tripped on the rug, and the ED team were brilliant.",
        "An overdose of kindness from the whole team.",
        # 4.0: a conditional is not an event; nor is a past one the comment says was put right
        "What happens if a patient falls at night? Is someone with them?",
        "Who do I call if I think I've been given the wrong tablets?",
        "Last year Dad was given the wrong dose here. This time everything was double-checked.",
        "Back in May my letter went to my old address. PALS handled it brilliantly.",
    ],
)
def test_urgent_rules_from_heldout_misses_keep_precision(text: str) -> None:
    assert rule_urgent(text) == ()


# --- hybrid-3.6 and 3.7: sentiment from held-out 8's and 9's misses --------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An information question is not a complaint; a "why" question is.
        ("Can I get a copy of my discharge letter by email?", "neutral"),
        ("Is there a car park for blue badge holders?", "neutral"),
        ("Why does nobody ever answer the phone?", "negative"),
        # The internet's sarcasm tag takes back the praise before it.
        ("Fantastic, four hours for a blood test. Really efficient. /s", "negative"),
        ("Nearly died laughing at the physio's jokes, she made rehab fun.", "positive"),
        ("Rubbish.", "negative"),
        ("The chairs in outpatients are torture.", "negative"),
        ("The surgeon was excellent; the parking was not.", "mixed"),
        ("Lovely dentist, but the price was eye-watering.", "mixed"),
        ("The physio sorted my knee out in three sessions.", "positive"),
        ("For once nobody dropped the ball.", "positive"),
        ("They waived the late fee.", "positive"),
        ("Great GP, but the blood test wasn't covered and I paid out of pocket.", "mixed"),
        # 3.7, from held-out 9's misses
        # "free" in "stress-free" is no price.
        ("Stress-free from start to finish.", "positive"),
        ("Seen by four different registrars in a week.", "negative"),
        ("My pain was kept well under control and I never had to ask twice.", "positive"),
        ("The community nurse phoned to check in every week and it kept me going.", "positive"),
        ("Lovely nurses, but I'm sick of being charged for parking.", "mixed"),
        ("The prices have gone through the roof.", "negative"),
        ("Fed up of telling my story to every new doctor.", "negative"),
        (
            "Friendly pharmacist, but she read my medication out loud enough for everyone to hear.",
            "mixed",
        ),
        ("La enfermera estaba sonriendo y nos explicó todo.", "positive"),
        # 3.8, from held-out 10's misses
        ("Nearly had a heart attack when I opened the bill.", "negative"),
        ("Lovely nurses but the car park is a death trap.", "mixed"),
        ("It'd help to have the clinic's phone number on the letter.", "neutral"),
        ("Might be worth putting a sign on the door.", "neutral"),
        ("Next available appointment is nine weeks away.", "negative"),
        ("Oh good, another automated message. 50 minutes on hold.", "negative"),
        ("Surgery went well but nobody called afterwards.", "mixed"),
        ("The physio was great, parking was £12 😬", "mixed"),
        ("The portal never shows my letters.", "negative"),
        # 4.0, from held-out 11's misses: a question with the facts it is about is neutral
        ("My husband came in by ambulance this morning. Which ward is he on?", "neutral"),
        (
            "Rang at 8am every day this week, engaged every time and then the slots were gone.",
            "negative",
        ),
        ("Great surgeon, but the food was beige mush.", "mixed"),
    ],
)
def test_sentiment_from_heldout_misses(text: str, expected: str) -> None:
    assert sentiment(text) == expected, analyze(text).explanation


# --- hybrid-3.9: cues that marked a theme more often wrongly than rightly in the labelled
# sets (a phone queue, a waiting list, a cup of tea, a chair someone sat in, "the ward") ---


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Number 14 in the phone queue at 8am again.", "wait_time"),
        ("Nine months on the waiting list for an assessment.", "wait_time"),
        ("The healthcare assistant made Mum a cup of tea when she was upset.", "facilities"),
        ("He sat in a chair all night waiting for a doctor.", "facilities"),
        ("Dad had an awful week on the ward.", "facilities"),
    ],
)
def test_theme_cues_that_overfired(text: str, absent: str) -> None:
    assert absent not in cue_themes(text), analyze(text).explanation


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("The chairs in outpatients are broken and filthy.", "facilities"),
        ("Someone had the TV on really loud until 2am.", "facilities"),
        ("Two nurses laughing loudly at the desk all night.", "facilities"),
        ("Waited an hour in the queue at reception.", "wait_time"),
        ("Nine months on the waiting list for an assessment.", "access"),
    ],
)
def test_narrowed_cues_still_mark_their_theme(text: str, present: str) -> None:
    assert present in cue_themes(text), analyze(text).explanation


IMPROVE = "What could we improve?"


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        # An idea offered politely reports no failure: neutral, by the labelling guide, even
        # as the answer to "what could we improve?" (hybrid-4.9; 4.8 said negative).
        ("Could you list the visiting hours on the ward door, not only on the website?", None,
         "neutral"),
        ("Could someone explain the parking refunds at the front desk?", IMPROVE, "neutral"),
        ("Perhaps a water dispenser in the eye clinic waiting room.", IMPROVE, "neutral"),
        # A bare request to an improve question is still its criticism, and a polite opening
        # does not hide a failure or a rhetorical question.
        ("More parking.", IMPROVE, "negative"),
        ("Could the nurses answer the call bell? I lay in my own mess for an hour.", None,
         "negative"),
        ("Can you believe they charged me twice?", None, "negative"),
    ],
)  # fmt: skip
def test_a_polite_suggestion_without_complaint_is_neutral(
    text: str, question: str | None, expected: str
) -> None:
    assert sentiment(text, question) == expected, analyze(text, question).explanation
