"""Urgent detection: patient-safety, serious-harm and legal-risk events.

Recall matters more than precision here (a missed fall is worse than an extra look by the
safety team), so each category is a broad pattern. A few categories need two parts (a
severe symptom and a sign it went untreated; a wrong diagnosis and a harm) because either
part alone is common in ordinary comments.
"""

from __future__ import annotations

from feedback.analysis.fastre import PatternSet, Starts, compile_fast, text_starts

_PERSON = (
    r"(?:i|he|she|they|we|mom|mum|mother|dad|father|son|daughter|wife|husband|baby|"
    r"grandma|grandmother|grandpa|grandfather|patient|brother|sister|child|my \w+)"
)

_SINGLE: tuple[tuple[str, str], ...] = tuple(
    (code, pattern)
    for code, pattern in (
        (
            "medication_error",
            r"\b(?:wrong|incorrect|someone else'?s) (?:\w+ ){0,3}(?:med\w*|pills?|doses?|drugs?|"
            r"prescriptions?|insulin|tablets?|injections?|iv|infusion)\b|"
            r"\b(?:overdos\w+|double dose|medication error|dosing error|"
            r"\w+ times the (?:dose|amount)|(?:insulin|dose|medication|meds|shot) twice)\b|"
            r"\b(?:gave|given|got|give) (?:me |him |her |them |my \w+ )?(?:my |his |her )?"
            r"(?:\w+ ){0,3}twice\b(?=.*\b(?:insulin|dose|med\w*|pill|shot))|"
            r"\b(?:allerg\w+)\b.*\b(?:anyway|prescribed|given|gave)\b|"
            r"\b(?:gave|given|prescribed|administered|injected|put (?:me|him|her) on|got)\b[^.!?]{0,80}"
            r"\b(?:even though|despite|although|though|when|while|after)\b[^.!?]{0,60}\ballerg\w+|"
            r"\ballerg\w+\b[^.!?]{0,80}\b(?:didn't|did not|never|nobody|no one)\b[^.!?]{0,30}"
            r"\b(?:check\w*|ask\w*|read|look\w*|notice\w*)\b|"
            r"\b(?:didn't|did not|never|nobody|no one)\b[^.!?]{0,30}\b(?:check\w*|ask\w*|read|"
            r"look\w*)\b[^.!?]{0,40}\ballerg\w+|"
            r"\b(?:meds|medications?) i'?ve never taken\b|\bleft off\b.*\b(?:insulin|meds)\b|"
            r"\b(?:missed|skipped|forgot(?:ten)?) (?:\w+ )?(?:doses?|medication|insulin)\b",
        ),
        (
            "fall",
            rf"\b{_PERSON} (?:had a |had another )?(?:fell|fall|falls|slipped|collapsed)\b|"
            r"\bfell (?:out of|off|trying|down|in the|on the|while|and)\b|"
            r"\bfound (?:\w+ ){0,3}on the (?:\w+ )?floor\b|\b(?:lying|lay|left) on the (?:\w+ )?floor\b|\bbed ?rails? (?:were |was )?(?:left )?down\b",
        ),
        (
            "self_harm",
            r"\bsuicid\w*|\bkill (?:myself|himself|herself|themselves|yourself)\b|"
            r"\bself[- ]harm\w*|\bwant(?:ed|s)? to die\b|\bend (?:my|his|her|their) life\b|"
            r"\bcutting (?:myself|herself|himself)\b|\btook an overdose\b|"
            r"\bharm (?:myself|himself|herself)\b|\bsuicidio\b|\bquitarse la vida\b|"
            r"\b(?:didn't|don't|did not|do not|doesn't|does not|no longer) want(?:ed)? to (?:be alive|"
            r"live|be here any ?more|wake up|go on)\b|\bbetter off dead\b|\bend it all\b|"
            r"\bno reason to live\b|\bhurt(?:ing)? (?:myself|himself|herself|themselves)\b|"
            r"\bsuicidal\b|\boverdosed\b",
        ),
        (
            "abuse",
            r"\babus\w+|\bassault\w*|\b(?:hit|slapped|shoved|pushed|grabbed|pinched|kicked|"
            r"punched|restrained|tied) (?:me|him|her|them|my \w+)\b(?! (?:just|to|a bit|a little|"
            r"harder|further|through|beyond|myself|hard to|every))|\bsexual\w*|"
            r"\bharass\w*|\binappropriate (?:comments?|remarks?|touch\w*|jokes?)\b|"
            r"\b(?:comments?|remarks?|jokes?) about (?:my|her|his) (?:body|breasts?|chest|figure|"
            r"bum|appearance|genitals?)\b|"
            r"\b(?:touched|groped) (?:me|her|him) inappropriately\b|\binappropriately touched\b|"
            r"\bthreaten\w*|\bscreamed at (?:my|her|him)\b|\bbeing dramatic\b|"
            r"\btreated (?:\w+ ){0,2}like a criminal\b",
        ),
        (
            "discrimination",
            r"\bracis\w*|\bracial\w*|\bslurs?\b|\bdiscriminat\w*|\bhomophob\w*|\btransphob\w*|"
            r"\bdeadname\w*|\bmisgender\w*|\blearn english\b|\bspeak english\b|"
            r"\bbecause (?:he'?s|she'?s|i'?m|they'?re|he is|she is|i am|we are|we're) "
            r"(?:black|brown|homeless|gay|lesbian|trans|fat|disabled|muslim|jewish|poor|"
            r"an immigrant|mexican|old|deaf|blind|on medicaid|latin[oa])\b|"
            r"\b(?:because of|due to) (?:my|his|her) (?:race|skin|religion|accent|weight|"
            r"disability|sexuality|gender)\b|\bdrug seeker\b(?=.*\b(?:because|black|race))",
        ),
        (
            "privacy_breach",
            r"\bsomeone else'?s (?:\w+ ){0,2}(?:notes|records?|chart|results?|information|info|"
            r"account|paperwork|list|letter|details|name|prescriptions?|medications?|scans?)\b|"
            r"\bbelonged to another patient\b|"
            r"\b(?:mailed|sent|faxed|emailed|gave|released|confirmed|disclosed|shared) (?:\w+ ){0,5}"
            r"(?:to (?:my |the )?(?:ex|employer|boss|hr|neighbou?r|family)|without my "
            r"(?:permission|consent))|\bwithout (?:my|his|her) (?:permission|consent)\b|"
            r"\b(?:facebook|instagram|social media|tiktok)\b|\bwhiteboard\b|"
            r"\b(?:gossip\w*|overheard)\b.*\b(?:diagnos\w+|name|condition|results?)\b|"
            r"\b(?:out loud|aloud|announced|in front of (?:the )?(?:whole|full|entire|everyone))"
            r"\b.*\b(?:hiv|diagnos\w*|uti|std|sti|pregnan\w*|results?|reason for (?:my )?visit|"
            r"meds|medications?|mental health|abortion|miscarr\w+|condition)\b|"
            r"\b(?:hiv|diagnos\w*|uti|std|pregnan\w*|results?|reason for (?:my )?visit|meds)\b"
            r".*\b(?:out loud|aloud|announced|in front of (?:the )?(?:whole|full|entire|everyone)|"
            r"full waiting room)\b|\bprotective order\b|\bdata breach\b|\bhipaa\b",
        ),
        (
            "infection_control",
            r"\bwithout (?:\w+ ){0,2}washing (?:\w+ ){0,2}hands\b|"
            r"\b(?:didn't|did not|never|no one|nobody) (?:\w+ ){0,2}wash(?:ed)? (?:\w+ ){0,2}"
            r"hands\b|\bsame gloves\b|\bwithout changing gloves\b|\bdirty (?:needles?|"
            r"instruments?|equipment|syringe)\b|\breused? (?:needles?|syringes?)\b|"
            r"\bcontaminat\w+|\bblood (?:all )?on the (?:sheets|floor|bed|chair)\b|"
            r"\b(?:c\.? ?diff|mrsa|sepsis)\b",
        ),
        (
            "neglect",
            r"\b(?:soiled|own urine|own feces|own faeces|own vomit|bed ?sores?|pressure "
            r"(?:sores?|ulcers?))\b|\bcall (?:button|bell|light)\b.*\b(?:reach|nobody|no one|"
            r"ignored|unanswered|answered)\b|\b(?:nobody|no one) answered (?:my |the |her |his )?"
            r"call (?:light|bell|button)\b|\b(?:no one|nobody) (?:turned|fed|checked on|"
            r"changed) (?:him|her|them|my)\b|\bleft (?:alone |unattended |lying |there )?for "
            r"(?:\w+ )?(?:hours|days)\b|\bdehydrated\b|\bstarving\b|\bneglect\w*",
        ),
        (
            "patient_safety",
            r"\b(?:could have died|almost died|nearly died|life[- ]threatening|woke up during|"
            r"cath lab|epinephrine|anaphyla\w+|throat (?:\w+ )?swell\w*|sugar dropped|"
            r"bled through|miscarr\w+|stopped breathing|code blue|unresponsive|stillb\w+|"
            r"(?:baby|she|he) (?:wasn't|was not|stopped|not) moving|(?:fetal|foetal) movements?|"
            r"(?:lips?|tongue|throat|face|mouth) (?:\w+ )?(?:swell\w*|swole|swollen|closing)|"
            r"(?:swell\w*|swollen) (?:up )?(?:lips?|tongue|throat|face)|couldn't breathe|"
            r"could not breathe|wander(?:ed|ing) off|pull(?:ed|ing|s)? out (?:his|her|their|"
            r"the|my) (?:\w+ )?(?:drip|iv|line|cannula|catheter|tubes?)|"
            r"without (?:\w+ ){0,3}(?:understanding|knowing) (?:it|what)|"
            r"(?:never|didn't|did not) (?:\w+ )?consent\w*|"
            r"(?:nobody|no one|didn't know|did not know|wasn't aware)\b[^.!?]{0,40}\b(?:diabetic|"
            r"allergic|epileptic|on blood thinners|pregnant))\b",
        ),
    )
)

_SINGLE_SET = PatternSet([pattern for _, pattern in _SINGLE])

_PAIN = compile_fast(
    r"\b(?:screaming in pain|in agony|agoni[sz]ing|excruciating|unbearable pain|severe pain|"
    r"crushing chest pain|chest pain|10 out of 10|ten out of ten|worst pain|writhing|"
    r"kidney stone|broken (?:\w+ )?(?:bone|leg|arm|hip))\b"
)
_UNTREATED = compile_fast(
    r"\b(?:refused|no pain (?:relief|medication|meds)|without (?:any )?(?:pain )?"
    r"(?:relief|medication|meds)|nothing for (?:the )?pain|couldn't have anything|"
    r"waited|sat in|for (?:\d+|two|three|four|five|six|several) hours|suffer\w*|"
    r"ignored|before anyone)\b"
)
_MISDIAGNOSIS = compile_fast(
    r"\b(?:misdiagnos\w+|missed (?:the |my |a |his |her )?(?:diagnosis|fracture|break|"
    r"cancer|infection|stroke|heart attack)|wrong diagnosis|said it was (?:just |only )?(?:a |an )?"
    r"\w+|told (?:me|him|her|us) (?:it was|my \w+ was) (?:just |only )?(?:a |an )?\w+|"
    r"as (?:gas|anxiety|stress|a sprain|a virus)|(?:was|were) actually|sent (?:me|him|her|us) "
    r"home)\b"
)
_HARM = compile_fast(
    r"\b(?:surgery|ruptured|fracture\w*|cancer|melanoma|spread|icu|emergency|died|worse|"
    r"hospitali[sz]ed|admitted|bone graft|sepsis|stroke|heart attack|amputat\w+)\b"
)


def detect_urgent(
    text: str, starts: Starts | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reason codes that fire on the normalised text, and the evidence for each."""
    codes: list[str] = []
    evidence: list[str] = []
    starts = text_starts(text) if starts is None else starts
    for (code, _), found in zip(_SINGLE, _SINGLE_SET.scan(text, starts), strict=True):
        match = found[0] if found else None
        if match:
            codes.append(code)
            evidence.append(f'urgent {code}: "{match.group(0)[:60]}"')
    pain = _PAIN.search(text)
    untreated = _UNTREATED.search(text) if pain else None
    if pain and untreated:
        codes.append("severe_pain_untreated")
        evidence.append(f'urgent severe_pain_untreated: "{pain.group(0)}" + "{untreated.group(0)}"')
    wrong = _MISDIAGNOSIS.search(text)
    harm = _HARM.search(text, wrong.end()) if wrong else None
    if wrong and harm:
        codes.append("misdiagnosis_harm")
        evidence.append(f'urgent misdiagnosis_harm: "{wrong.group(0)}" + "{harm.group(0)}"')
    return tuple(codes), tuple(evidence)
