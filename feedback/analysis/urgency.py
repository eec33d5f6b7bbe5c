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

# How someone came to need care ("fell off his bike"), not a fall in the hospital's care.
_FALL_BEFORE_CARE = (
    r"(?:off|from|out of) (?:the |a |an |his |her |my |their |our )?(?:\w+ )?(?:trampoline|"
    r"bike|bicycle|horse|pony|ladder|swing|scooter|skateboard|wall|tree|roof|climbing frame|"
    r"slide|monkey bars|bunk bed)s?\b|(?:over )?(?:at|in) (?:school|the park|the playground|"
    r"nursery|football|rugby|the gym)\b"
)
# Discretion, not disclosure: "wrote it down instead of saying it out loud".
_DISCREET = (
    r"(?<!instead of saying it )(?<!instead of say it )(?<!rather than saying it )"
    r"(?<!rather than say it )"
)

_SINGLE: tuple[tuple[str, str], ...] = tuple(
    (code, pattern)
    for code, pattern in (
        (
            "medication_error",
            r"\b(?:wrong|incorrect|someone else'?s) (?:\w+ ){0,3}(?:med\w*|pills?|doses?|drugs?|"
            r"prescriptions?|insulin|tablets?|injections?|iv|infusion)\b|"
            r"\b(?:overdos\w+(?! (?:risk|kit|advice|leaflet|information|of (?:kindness|love|"
            r"care|sugar|caffeine|cuteness)))|double dose|"
            r"medication error|dosing error|"
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
            rf"\b{_PERSON} (?:had a |had another )?(?:fell|fall|falls|slipped|collapsed)\b"
            rf"(?! {_FALL_BEFORE_CARE})|"
            rf"\bfell (?!{_FALL_BEFORE_CARE})(?:out of|off|trying|down|in the|on the|while|and)\b|"
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
            r"\bsuicidal\b|\boverdosed\b|\brisk to (?:myself|himself|herself|themselves)\b",
        ),
        (
            "abuse",
            r"\babus\w+|\bassault\w*|\b(?:hit|slapped|shoved|pushed|grabbed|pinched|kicked|"
            r"punched|restrained|tied|slap|smack\w*|punch|kick|pinch|shove) "
            r"(?:me|him|her|them|my \w+)\b(?! (?:just|to|a bit|a little|"
            r"harder|further|through|beyond|myself|hard to|every))|\bsexual\w*|"
            r"\b(?:slap\w*|smack\w*) (?:his|her|their) \w+|"
            r"\bharass\w*|\binappropriate (?:comments?|remarks?|touch\w*|jokes?)\b|"
            r"\b(?:comments?|remarks?|jokes?) about (?:my|her|his) (?:body|breasts?|chest|figure|"
            r"bum|appearance|genitals?)\b|"
            r"\b(?:touched|groped) (?:me|her|him) inappropriately\b|\binappropriately touched\b|"
            r"(?<!life )(?<!life-)\bthreaten\w*|\bscreamed at (?:my|her|him)\b|\bbeing dramatic\b|"
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
            r"(?:to (?:my |the )?(?:ex|employer|boss|hr|neighbou?r|family)\b|without my "
            r"(?:permission|consent))|\bwithout (?:my|his|her) (?:permission|consent)\b|"
            r"\b(?:facebook|instagram|social media|tiktok)\b|\bwhiteboard\b|"
            r"\b(?:gossip\w*|overheard)\b.*\b(?:diagnos\w+|name|condition|results?)\b|"
            rf"\b(?:{_DISCREET}(?:out loud|aloud)|announced|"
            r"in front of (?:the )?(?:whole|full|entire|everyone))"
            r"\b.*\b(?:hiv|diagnos\w*|uti|std|sti|pregnan\w*|results?|reason for (?:my )?visit|"
            r"meds|medications?|mental health|abortion|miscarr\w+|condition)\b|"
            r"\b(?:hiv|diagnos\w*|uti|std|pregnan\w*|results?|reason for (?:my )?visit|meds)\b"
            rf".*\b(?:{_DISCREET}(?:out loud|aloud)|announced|"
            r"in front of (?:the )?(?:whole|full|entire|everyone)|"
            r"full waiting room)\b|\bprotective order\b|\bdata breach\b|\bhipaa\b|"
            r"\b(?:breach\w*|break\w*) (?:of )?(?:my |patient )?confidentiality\b|"
            r"\bconfidentiality (?:was |has been |had been )?(?:breached|broken)\b|"
            r"\b(?:report|letter|referral)s? (?:has |have |had )?(?:\w+ )?"
            r"(?:gone|went|been sent|was sent|were sent) to (?:another|the wrong|a different) "
            r"(?:doctor|surgery|gp|practice|patient|hospital|address)\b",
        ),
        (
            "infection_control",
            r"\bwithout (?:\w+ ){0,2}washing (?:\w+ ){0,2}hands\b|"
            r"\b(?:didn't|did not|never|no one|nobody) (?:\w+ ){0,2}wash(?:ed)? (?:\w+ ){0,2}"
            r"hands\b|\bsame gloves\b|\bwithout changing gloves\b|\bdirty (?:needles?|"
            r"instruments?|equipment|syringe)\b|\breused? (?:needles?|syringes?)\b|"
            r"\bcontaminat\w+|\bblood (?:all )?on the (?:sheets|floor|bed|chair)\b|"
            r"\b(?:c\.? ?diff(?:icile)?|mrsa|sepsis)\b(?! (?:swab|screen|test|check|leaflet|"
            r"poster|information|awareness|training|signs|pathway))",
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
            r"\b(?:(?:could have|almost|nearly) died(?! (?:laughing|of (?:laughter|embarrassment|"
            r"shame|boredom)))|life[- ]threatening|woke up during|"
            r"cath lab|epinephrine|anaphyla\w+|throat (?:\w+ )?swell\w*|sugar dropped|"
            r"bled through|miscarr\w+|stopped breathing|code blue|unresponsive|stillb\w+|"
            r"(?:baby|she|he) (?:wasn't|was not|stopped|not) moving|(?:fetal|foetal) movements?|"
            r"(?:lips?|tongue|throat|face|mouth) (?:\w+ )?(?:swell\w*|swole|swollen|closing)|"
            r"(?:swell\w*|swollen) (?:up )?(?:lips?|tongue|throat|face)|couldn't breathe|"
            r"could not breathe|wander(?:ed|ing) off|crisis (?:team|line|number) (?:\w+ ){0,6}"
            r"(?:no answer|(?:didn't|did not|never|wouldn't) (?:answer|pick up|call back|"
            r"ring back)|nobody (?:answered|returned|called)|no one (?:answered|returned|"
            r"called))|pull(?:ed|ing|s)? out (?:his|her|their|"
            r"the|my) (?:\w+ )?(?:drip|iv|line|cannula|catheter|tubes?)|"
            r"without (?:\w+ ){0,3}(?:understanding|knowing) (?:it|what)|"
            r"(?:never|didn't|did not) (?:\w+ )?consent\w*|"
            r"(?:nobody|no one|didn't know|did not know|wasn't aware)\b[^.!?]{0,40}\b(?:diabetic|"
            r"allergic|epileptic|on blood thinners|pregnant))\b",
        ),
    )
)

# Concept lexicons (3.1): an event told in new words rather than a named category. Each
# is a harm act or state joined to a clinical object or a vulnerable person, so that a
# pattern covers a family of phrasings ("gave him the wrong …", "another patient's …",
# "ended up on the floor", "left in a wet bed", "picked it up and used it"). A match is
# dropped when a negator or hedge stands just before it in the same clause ("no one fell",
# "worried he might fall", "made sure she never ended up on the floor").
_MED = (
    r"(?:med\w*|pills?|tablets?|capsules?|doses?|dosage|drugs?|prescriptions?|insulin|"
    r"injections?|jabs?|shots?|infusions?|drips?|iv|antibiotics?|painkillers?|morphine|"
    r"warfarin|heparin|inhalers?|patch(?:es)?|eye ?drops|mg|ml|units|blood thinners?|"
    r"anticoagulants?)"
)
_KIN = r"(?:me|him|her|them|us|my \w+|his \w+|her \w+|the patient|mum|mom|dad|nan|gran)"
_SENSITIVE = (
    r"(?:hiv|diagnos\w*|results?|condition|pregnan\w*|miscarr\w+|abortion|std|sti|"
    r"mental health|cancer|medical (?:history|details|information)|history|scan|test|"
    r"why (?:i|he|she) was (?:there|here|in)|reason for (?:my |his |her )?(?:visit|"
    r"appointment|admission)|date of birth|address|notes|records?|medications?|meds)"
)
_CONCEPTS: tuple[tuple[str, str], ...] = (
    (
        "medication_error",
        rf"\b(?:gave|given|give|handed|dispensed|filled|injected|administered|put) "
        rf"(?:{_KIN} )?(?:\w+ ){{0,3}}(?:the )?(?:wrong|incorrect|another patient|other "
        rf"patient|someone else|a different patient)\b[^.!?]{{0,30}}\b{_MED}\b|"
        rf"\b(?:another|other|different|wrong) (?:patient|person|man|woman|lady) "
        rf"(?:\w+ ){{0,3}}{_MED}\b|"
        rf"\b{_MED} (?:\w+ ){{0,4}}(?:another|other|different|wrong) "
        rf"(?:patient|person|man|woman|lady)|"
        r"\b\d+ ?(?:mg|ml|mcg|micrograms?|milligrams?|units)\b[^.!?]{0,30}\b(?:instead of|"
        r"rather than|not (?:the|her|his|my) (?:usual|normal))\b|"
        r"\b(?:instead of|rather than) (?:the |my |his |her |their )?(?:usual |normal )?"
        r"\d+ ?(?:mg|ml|mcg|micrograms?|units)\b|"
        rf"\b{_MED} (?:\w+ ){{0,2}}(?:given|gave|administered|injected|had) twice\b|"
        rf"\b{_MED} (?:\w+ ){{0,6}}(?:two|2) times? (?:in|on) (?:the )?(?:same|one) "
        r"(?:day|night|morning|afternoon|evening|shift)\b|"
        r"\b(?:ten|\d+|two|three|four|five) times (?:stronger|weaker|too strong|the strength)\b|"
        rf"\b(?:ten|\d+|two|three|four|five|double|triple) times (?:the |more than )"
        rf"(?:\w+ ){{0,4}}(?:prescribed|wrote|dose|amount|should|{_MED})|"
        r"\b(?:ten|\d+|two|three|four|five|double|triple) times what (?:\w+ ){0,3}"
        r"(?:prescribed|wrote|ordered|should|dose|amount)|"
        rf"\b(?:double|doubled|two|extra|second) (?:\w+ )?(?:doses?|lots of (?:\w+ )?{_MED})|"
        rf"\b(?:mixed up|mix[- ]up (?:with|of)|muddled up) (?:\w+ ){{0,2}}{_MED}\b|"
        rf"\b{_MED} (?:\w+ ){{0,2}}(?:mixed up|muddled up|not given|never given|missed for|"
        rf"wasn't given|was not given|weren't given|were not given|withheld)\b|"
        rf"\b(?:wasn't|was not|weren't|were not|never|not) (?:even )?given (?:{_KIN} )?"
        rf"(?:\w+ ){{0,2}}"
        rf"(?:insulin|antibiotics?|epilepsy|seizure|parkinson|heart|blood thinners?|"
        rf"warfarin|doses?)\b|\bmedicin?a equivocad\w|\bmedicamento equivocado\b|"
        r"\bdosis (?:equivocada|incorrecta|doble)\b|"
        r"\b(?:was|were|had been) (?:meant|intended|prescribed|written up|made up) for "
        r"(?:another|a different|the other|someone else|the (?:lady|man|woman|gentleman|"
        r"patient|chap|girl|boy|baby) (?:across|opposite|next|in the (?:next|other) bed|"
        r"in bed))",
    ),
    (
        "fall",
        r"\b(?:ended up|end up|(?:he|she|mum|mom|dad|nan|gran|patient) (?:was|were) "
        r"(?:lying |left |found )?|found (?:\w+ ){0,3}|left (?:\w+ ){0,2}|lying) on the "
        r"(?:\w+ )?(?:floor|ground)\b|\b(?:went|gone) down (?:in|on|by|outside|near) the\b|"
        r"\b(?:tripped|slipped|stumbled|toppled|tumbled|keeled over)\b|\btook a (?:\w+ )?"
        r"(?:tumble|fall)\b|\b(?:hit|banged|cracked|cut|split) (?:his|her|my|their) "
        r"(?:head|hip|face|forehead)\b|\b(?:cracked|broke|fractured) (?:his|her|my) hip\b|"
        r"(?<!you )\bfell\b(?! (?:short|asleep|apart|through|behind|in love|pregnant|ill|sick|"
        rf"off the (?:list|system|radar)|out with|into place|silent|quiet|on deaf|"
        rf"{_FALL_BEFORE_CARE}))|"
        r"\bse cay[oó]\b|\bme ca[ií]\b|\bca[ií]da\b|\b(?:termin[oó]|acab[oó]|qued[oó]|"
        r"encontr\w+|tirad[oa]) (?:\w+ ){0,3}en el (?:suelo|piso)\b",
    ),
    (
        "self_harm",
        r"\b(?:ending|end) (?:things|it)\b|\b(?:take|taking|took) (?:all )?(?:my|his|her) "
        r"(?:own )?(?:life|lives)\b|\b(?:take|taking|took|swallow\w*) (?:all|the whole "
        r"(?:box|packet|bottle)) (?:of )?(?:my |his |her |the )?(?:tablets|pills|meds)\b|"
        r"\bstockpil\w+|\bsaving (?:up )?(?:all )?(?:my|his|her|their) (?:tablets|pills|meds|"
        r"medication|painkillers)\b|\b(?:told|telling) (?:them|him|her|the \w+) (?:that )?"
        r"(?:i|he|she) (?:had|have|has) a plan\b|\bwon't be (?:around|here) (?:for|by|much|"
        r"to see)\b|\b(?:sorted|put) (?:all )?my (?:things|affairs|stuff) (?:out|in order)\b|"
        r"\bwritten (?:the|my) (?:letters|goodbyes?|notes?)\b|"
        r"\bhurting (?:her|him|my|them)sel\w+|\bharming (?:her|him|my|them)"
        r"sel\w+|\bcut(?:ting|s)? (?:her|him|my|them)sel\w+|\bthoughts? of (?:dying|death|"
        r"ending|killing|not being)\b|\b(?:jump|jumping) (?:off|in front of)\b|"
        r"\bhang(?:ing)? (?:my|him|her)self\b|\bnot (?:want|wanting) to (?:live|"
        r"be alive|wake up)\b|\b(?:keep|keeping|kept) (?:my|him|her|them)sel\w+ safe\b|"
        r"\b(?:wasn't|was not|not|didn't feel|did not feel|don't feel|felt un) ?safe "
        r"(?:to go home|with (?:my|him|her)self)\b|"
        r"\bwish(?:ed)? (?:i|he|she) (?:was|were|had) (?:dead|died)\b|"
        r"\b(?:want|wanted|wants|wanting) to disappear\b|\bdo something stupid\b|"
        r"\b(?:no|didn't see the|don't see the|did not see the) point (?:in|of) "
        r"(?:living|going on|life|being alive)\b|\bunsafe (?:with|around) (?:my|him|her)sel\w+|"
        r"\b(?:hacerme|hacerse) da[nñ]o\b|\bquitarme la vida\b|\bno quiero vivir\b",
    ),
    (
        "abuse",
        rf"\b(?:yanked|dragged|manhandled|shook|jabbed|shouted at|swore at|sworn at|cursed at|"
        rf"mocked|humiliated|bullied|belittled|intimidated|forced) {_KIN}\b|"
        rf"\b(?:rough|roughly|aggressive|violent) (?:with|towards?|handled|handling) "
        rf"(?:{_KIN})?|\b(?:left|leaving) (?:\w+ ){{0,2}}bruis\w+|"
        r"\b(?:touching|touched|stroking|stroked|grabbing|groping) (?:my|her|his) (?:leg|legs|"
        r"thigh|thighs|breasts?|chest|bottom|bum|backside|hair|face|private\w*|crotch)\b|"
        r"\b(?:hand|hands) (?:on|up) (?:my|her|his) (?:leg|thigh|knee|breast|chest|bum|"
        r"bottom|skirt|gown)\b|\bmade a pass\b|\btried to kiss\b|\b(?:kept )?making "
        r"(?:\w+ )?(?:comments|remarks|jokes) (?:about (?:how|my|her|his) (?:\w+ )?"
        r"(?:pretty|sexy|hot|attractive|looks|body|figure|legs|breasts))|"
        r"\b(?:told|accused|said) (?:me|him|her|us) (?:\w+ ){0,2}(?:faking|making it up|"
        r"putting it on|attention[- ]seeking|exaggerating|a drug seeker)|\b(?:faking|"
        r"attention[- ]seeking|putting it on)\b(?=[^.!?]*\b(?:said|told|accused|called|"
        r"thought|assumed))|\blocked (?:me|him|her) in\b|"
        r"\b(?:shout\w*|yell\w*|scream\w*|snapp\w*|told|tells?|telling|said) (?:\w+ ){0,3}"
        r"['\"]?shut up\b|\bstupid (?:old )?(?:woman|man|cow|girl|boy|bitch|idiot)\b|"
        rf"\b(?:called|calling) {_KIN} (?:a |an )?(?:\w+ )?(?:idiot|bitch|cow|liar|junkie|"
        rf"pig|animal|waste of space)\b|\bpinned (?:{_KIN} )?down\b|"
        rf"\b(?:pinned|pushed|shoved|slammed|held|grabbed) {_KIN} (?:\w+ )?(?:against|into|up "
        rf"against|to) (?:the|a) (?:wall|bed|floor|door|chair)\b|"
        r"\b(?:by|round|around) (?:my|his|her|their|the) (?:throat|neck|hair)\b",
    ),
    (
        "discrimination",
        r"\b(?:my|his|her|our) (?:english|accent) (?:wasn't|was not|isn't|is not) (?:good|"
        r"clear)\b|\b(?:broken|poor|bad) english\b|\b(?:don't|do not|won't|can't|cannot|"
        r"wouldn't) (?:really )?(?:\w+ ){0,3}(?:for|with|to|on) people like (?:me|us|him|her|"
        r"them)\b|\bpeople like (?:me|us|him|her|them) "
        r"(?:shouldn't|should not|don't|do not|can't|"
        r"cannot|aren't|are not|never|always|get|deserve|are|like)\b(?! (?:great|lovely|"
        r"brilliant|amazing|wonderful|kind|helpful))|"
        r"\b(?:because|as) (?:i'?m|i am|he'?s|she'?s|he is|she is|we are|we're|they are) "
        r"(?:asian|african|arab|foreign|a foreigner|a refugee|an asylum seeker|polish|"
        r"romanian|indian|pakistani|chinese|somali|nigerian|jamaican|hispanic|transgender|"
        r"non[- ]binary|autistic|overweight|obese|a traveller|a gypsy|in a wheelchair|"
        r"elderly|a woman|female|a single mum|on benefits|uninsured|undocumented|"
        r"a wheelchair user|a drug user|an addict)\b|"
        r"\b(?:because of|due to|about|at) (?:my|his|her|our) (?:colou?r|hijab|headscarf|"
        r"turban|faith|nationality|ethnicity|immigration status|wheelchair|age|size)\b"
        r"(?=[^.!?]*\b(?:refus\w+|comment\w*|jok\w+|laugh\w*|treated|assum\w+|"
        r"mock\w*|rude|remark\w*|wouldn't|would not|ignor\w+|spoke|spoken|talked))|"
        r"\b(?:jokes?|joked|comments?|remarks?|laugh\w*) (?:about|at) (?:my|his|her|our) "
        r"(?:colou?r|skin|hijab|headscarf|turban|faith|religion|race|accent|nationality|"
        r"wheelchair|disability|sexuality|gender|pronouns)\b|"
        r"\b(?:go back to (?:your|his|her|their) (?:own )?country|where (?:i|he|she|they) "
        r"really came from|go back (?:to )?where (?:\w+ ){0,2}came from|your kind)\b|"
        r"\b(?:because|as) (?:we are|we're|they are|they're) (?:\w+ )?(?:asylum seekers|"
        r"refugees|immigrants|migrants|foreigners|travellers|gypsies|roma|muslims|black|"
        r"gay|trans|disabled|homeless)\b|\bassumed (?:i|he|she|we) (?:was|were) (?:drunk|on drugs|"
        r"a drug \w+|an addict|illiterate)|"
        r"\b(?:didn't|did not|never|wouldn't|didn't even|did not even) (?:ask|make|question|"
        r"check|stop|search|treat|id|charge) (?:\w+ ){0,2}(?:the |a |any of the )?(?:white|"
        r"english|british|local) (?:couple|man|woman|lady|guy|family|people|patients?|person|"
        r"mum|mom|dad|girl|boy|gentleman|men|women)\b|"
        r"\b(?:mocked|made fun of|mimicked|imitated|copied|laughed at|sniggered at) "
        r"(?:my|his|her|our|their|\w+'s) (?:\w+ )?(?:accent|english|name)\b|"
        r"\bse (?:rió|rio|rieron|burló|burlo|burlaron) de (?:su|mi|nuestro|nuestra) "
        r"(?:acento|inglés|ingles|español|nombre)\b|\baqu[ií] se habla ingl[eé]s\b|"
        r"\bporque (?:\w+ ){0,2}(?:no )?(?:hablo|habla|hablamos|hablaba|hablaban) (?:bien |mucho |"
        r"muy bien )?"
        r"ingl[eé]s\b|\bhable normal\b",
    ),
    (
        "privacy_breach",
        rf"\b(?:another|other|a different) (?:patient|person|man|woman|lady) (?:\w+ ){{0,2}}"
        r"(?:notes|records?|chart|results?|letters?|paperwork|discharge|summary|details|"
        r"forms?|files?|information|x-?rays?|scans?|name)\b|"
        r"\b(?:posted|sent|mailed|emailed|texted|went) (?:\w+ ){0,3}to (?:my |the |an? )?"
        r"(?:old|wrong|previous|former|ex\w*|different) (?:address|number|email|patient|"
        r"person|partner|husband|wife)\b|\bmy ex (?:now )?(?:knows|found out|saw|read)\b|"
        rf"\b(?:read out|reading out|shouted out|called out|discussed|talked about|"
        rf"mentioned|announced|told|shared|disclosed|revealed|blurted out) (?:\w+ ){{0,6}}"
        rf"{_SENSITIVE}\b[^.!?]{{0,40}}\b(?:to|in front of|with|across|in) (?:the |my |his |"
        rf"her |a |all )?(?:\w+ )?(?:entire|whole|full|packed|busy|other|waiting|colleague|"
        rf"boss|employer|neighbou?r|friend|visitors?|strangers|everyone|everybody|bay|ward|"
        rf"waiting room|corridor|reception|family|relatives?|kids|children|mum|mom|dad|"
        rf"husband|wife|partner)\w*|"
        rf"\b(?:shared|sent|gave|passed|showed|told|discussed|disclosed|released) "
        rf"(?:\w+ ){{0,2}}{_SENSITIVE} (?:\w+ ){{0,2}}(?:with|to) (?:my |his |her |the |a )?"
        rf"(?:employer|boss|work|school|colleague|neighbou?r|ex|family|mum|mom|dad|parents?|"
        rf"mother|father|sister|brother|son|daughter|relatives?|visitors?|"
        rf"husband|wife|partner|friend|insurer|stranger|another patient|other patients)\b|"
        rf"\b(?:in|across|through) the (?:waiting room|corridor|reception|lobby|bay|ward) "
        rf"(?:\w+ ){{0,6}}{_SENSITIVE}\b(?=[^.!?]*\b(?:everyone|everybody|heard|hear|"
        rf"loud\w*|others|people))|"
        rf"\b(?:looked at|looked up|looked through|accessed|accessing|read|opened|opening|"
        rf"went through|"
        rf"went into|nosed through|snoop\w*) (?:\w+ ){{0,2}}(?:my|his|her|our) (?:\w+ )?"
        rf"(?:notes|records?|files?|chart|results|history)\b(?=[^.!?]*\b(?:permission|"
        rf"consent|no reason|no business|nothing to do with|now (?:\w+ ){{0,3}}knows?|"
        rf"found out|gossip\w*))|"
        rf"\bthe only way (?:she|he|they|anyone|anybody) could (?:have )?(?:known?|found "
        rf"out)\b|"
        rf"\b(?:half|all|most|the whole|everyone in|everybody in|the rest of) (?:of )?"
        rf"(?:our |the |my |his |her )?(?:town|village|street|estate|school|office|"
        rf"workplace|work|church|mosque|family|community|neighbou?rhood) (?:now )?"
        rf"(?:knows|know|found out|heard)\b|"
        rf"\b(?:without|never) (?:asking|checking with) "
        rf"(?:me|him|her)(?: first)?\b(?=[^.!?]*\b(?:colleague|friend|family|partner|"
        rf"employer|visitor))|\b(?:notes|records|chart|files?|results) (?:were |was )?left "
        r"(?:\w+ ){0,3}(?:on|in|at) (?:the )?(?:desk|counter|reception|corridor|chair|bench|"
        r"side|open)\b|"
        r"\bpatients'? names\b[^.!?]{0,40}\b(?:dates? of birth|diagnos[ie]s|addresses|"
        r"nhs numbers?|hospital numbers?|conditions)\b|"
        rf"\b(?:told|tell|telling|informed|showed|mentioned to) (?:my|his|her|our|their) "
        rf"(?:neighbou?r|boss|employer|manager|colleague|ex|friend|landlord|school|teacher)s? "
        rf"(?:\w+ ){{0,3}}{_SENSITIVE}\b|"
        r"\b(?:results?|letters?|diagnosis|details|notes|records?|report|prescription)\b"
        r"[^.!?]{0,30}\b(?:posted|sent|mailed|emailed|texted|faxed|forwarded|went|read out) "
        r"(?:\w+ ){0,2}to (?:my |his |her |their |the )?(?:mum|mom|mother|dad|father|parents|"
        r"ex|boss|employer|husband|wife|partner|neighbou?r|sister|brother|colleague|school|"
        r"work)(?:'s)?\b|"
        r"\b(?:haven't|have not|hadn't|had not|never) told (?:a soul|anyone|anybody|a single "
        r"person)\b(?=.*\b(?:works?|worked|working) (?:in|at|for) (?:the |your |this )?"
        r"(?:hospital|practice|surgery|clinic|medical records|records|reception|trust|"
        r"pharmacy)\b)|"
        r"\b(?:works?|worked|working) (?:in|at|for) (?:the |your |this )?(?:hospital|practice|"
        r"surgery|clinic|medical records|records|reception|trust|pharmacy)\b"
        r"(?=.*\b(?:haven't|have not|hadn't|had not|never) told (?:a soul|anyone|anybody)\b)",
    ),
    (
        "infection_control",
        r"\bdropped (?:the |a |my )?(?:needle|syringe|cannula|swab|dressing|instrument|"
        r"catheter|tube|scope|probe)\b|\bpicked (?:it|them) (?:back )?up (?:off the floor )?"
        r"and (?:\w+ ){0,3}(?:used|use|put|stuck|inserted)\b|\bsame (?:mop|cloth|wipes?|"
        r"bucket|cup|swab|syringe|needle|apron|gloves|instruments?)\b[^.!?]{0,40}\b(?:for|on|"
        r"in|from|between|with|used|then)\b|\b(?:no|without|not wearing|never wore|didn't "
        r"wear|didn't put on|without putting on) (?:any )?(?:gloves|apron|mask|ppe)\b|"
        r"\bbare hands?\b|\b(?:didn't|did not|never|no one|nobody) (?:\w+ ){0,2}"
        r"(?:clean|sanitis|sanitiz|gel|sterilis|steriliz|disinfect)\w* (?:their|his|her|the) "
        r"(?:hands|equipment|instruments?|needles?|scope)\b|"
        r"\b(?:faeces|feces|poo|excrement|vomit|blood|urine|sick) (?:\w+ ){0,2}(?:smeared|"
        r"splattered|all over|left on|on the (?:walls?|floor|sheets|bed|toilet|pillow))|"
        r"\bsmeared (?:\w+ ){0,2}(?:faeces|feces|poo|excrement|blood)\b|"
        r"\bused (?:needles?|syringes?|sharps|dressings|cannulas?|swabs) (?:\w+ ){0,3}"
        r"(?:left|lying|on the|in the|under)\b|\b(?:isolation|infectious|covid|norovirus|"
        r"d&v|diarrhoea) (?:\w+ ){0,4}(?:door (?:left )?open|wandering|walking around|"
        r"mixed with|same bay|next to|not isolated)\b|"
        r"\b(?:wound|line|cannula|drip) (?:\w+ ){0,3}(?:infected|oozing|pus|green)\b|"
        r"\b(?:instruments?|tools|needles?|equipment|probes?|scopes?|speculum|tray)\b"
        r"[^.!?]{0,40}\b(?:off|from|used on|left from|after) (?:the )?(?:previous|last|other|"
        r"another) (?:patient|person|lady|man)|"
        r"\bwiped? (?:them|it|the \w+) (?:down |over )?with a (?:tissue|napkin|paper towel|"
        r"cloth)\b|\b(?:no|without|never (?:put on|changed)) (?:fresh|new|clean) gloves\b|"
        r"\b(?:didn't|did not|never|without|not) chang\w* (?:his |her |their |the |any )?gloves\b|"
        r"\b(?:not|wasn't|weren't|never) (?:from |in )?(?:a )?(?:sealed|sterile|steril\w+) "
        r"(?:pouch|pack\w*|bag|wrapper)\b|\bunsterile\b|\bunsterili[sz]ed\b|"
        r"\bsin (?:bata|guantes|mascarilla)\b|\bsin limpiar\w*\b",
    ),
    (
        "neglect",
        r"\b(?:left|lying|lay|sat|sitting|laid) (?:\w+ ){0,3}in (?:a |his |her |my |their |"
        r"the )?(?:own )?(?:wet|soaking|soaked|dirty|soiled|urine[- ]soaked|filthy|mess|"
        r"faeces|feces|poo|urine|wee|pee|pad|nappy|sick)\b|"
        r"\bown (?:mess|wee|pee|poo|urine|faeces|feces|sick|filth)\b|"
        r"\b(?:not|never|wasn't|weren't) (?:even )?(?:given|offered|"
        r"brought) (?:\w+ ){0,2}(?:a |any )?(?:drink|water|food|meal|fluids|anything to "
        r"(?:eat|drink))\b|\bno (?:food|water|drink|fluids) (?:for|all|since)\b|"
        r"\b(?:tray|food|meal|water|jug|drink|cup|buzzer|call bell) (?:\w+ ){0,3}"
        r"(?:out of (?:her |his |my )?reach|taken away untouched|never touched)\b|"
        r"\b(?:hadn't|hasn't|not) (?:eaten|drunk|had a drink|been fed|been "
        r"washed|been changed|been turned) (?:\w+ ){0,2}(?:for|in|since) (?:\w+ )?"
        r"(?:days?|hours|a day|shift|morning|night|yesterday)\b|"
        r"\b(?:no one|nobody|nobody ever|no-one) (?:came|answered|responded|helped)\b"
        r"[^.!?]{0,20}\b(?:buzz\w*|bell|pressed|rang|called for help|shout\w* for help)|"
        r"\b(?:buzzed|pressed the buzzer|rang the bell|pressed the (?:call )?button)"
        r"\b[^.!?]{0,40}\b(?:nobody|no one|no-one|ignored|never came|didn't come|for ages|"
        r"for (?:\w+ )?(?:hours|minutes))|"
        r"\b(?:lips|mouth|tongue) (?:were |was )?(?:cracked|parched|dry and cracked)\b|"
        r"\b(?:unwashed|not washed|wasn't washed|hadn't been washed|not been washed) "
        r"(?:\w+ ){0,2}(?:for )?(?:\w+ )?(?:days|a week)\b|"
        r"\bleft (?:alone |unattended )?(?:all night|overnight|all day|for hours) (?:\w+ )?"
        r"(?:on|in) (?:a |the )?(?:trolley|commode|toilet|chair|corridor)\b|"
        r"\b(?:commode|bedpan|toilet) for (?:\w+ )?(?:hours|minutes|forty|"
        r"thirty|an hour)\b|"
        r"\bno (?:food|water|drink)(?:,|, and| and| or)? no (?:water|drink|food|fluids)\b|"
        r"\bno (?:food|water) or (?:water|drink|food|fluids)\b(?! (?:allowed|permitted|after|"
        r"before|from|since|until|in the))|"
        r"\b(?:nobody|no one|no-one|never|not once)\b (?:\w+ ){0,2}(?:checked|emptied|changed|"
        r"looked at) (?:my|his|her|their|the) (?:catheter|stoma|drain|dressing|pad|drip|wound|"
        r"obs|observations|vitals|blood sugars?)\b|"
        r"\b(?:nobody|no one|no-one)\b (?:\w+ ){0,2}(?:brought|gave|offered) (?:me |him |her |"
        r"us )?(?:any )?(?:water|a drink|food|anything to (?:eat|drink))\b|"
        r"\b(?:wet|soiled) (?:myself|himself|herself|themselves)\b[^.!?]{0,60}\b(?:sat|lay|left|"
        r"lying|sitting) in it\b|"
        r"\bsin que nadie (?:la|lo|le|les|me) (?:lavara|cambiara|atendiera|ba[nñ]ara|"
        r"diera de (?:comer|beber))\b|\ben carne viva\b|\b(?:sábanas|sabanas) (?:mojadas|sucias)\b",
    ),
    (
        "severe_pain_untreated",
        r"\bbegg\w+ (?:\w+ ){0,3}for (?:something for (?:the |my )?pain|pain ?(?:relief|"
        r"killers?|medication|meds)|morphine|painkillers?|analgesia|something stronger)\b|"
        r"\bnot even (?:a |any )?(?:paracetamol|painkillers?|ibuprofen|pain relief|"
        r"calpol|tylenol|advil|gas and air)\b|\b(?:crying|screaming|sobbing|howling|"
        r"writhing|in tears) (?:in|with|from) (?:the )?pain\b[^.!?]{0,60}\b(?:nobody|no one|"
        r"ignored|for hours|nothing|refused|wait)|\bpain (?:\w+ ){0,3}(?:ignored|dismissed|"
        r"brushed off|not treated|untreated|never treated)\b|"
        r"\b(?:didn't|did not|don't|doesn't) look like (?:i|he|she|they) (?:was|were|is|are) "
        r"in (?:\w+ ){0,2}pain\b",
    ),
)
_NEGATED = compile_fast(
    r"(?:\b(?:no|not|never|nobody|no one|didn't|did not|wasn't|weren't|without|hasn't|"
    r"haven't|isn't|aren't|nor)(?: ever| once)?(?: (?:felt|feel|feeling|been|being|seen|"
    r"saw|had|have|any|a|one|once|ever|witnessed|experienced))?|\bnon-?|"
    r"\b(?:worried|afraid|scared|risk of|at risk|prevent\w*|in case|might|avoid\w*|"
    r"made sure|so (?:he|she|i|they) (?:didn't|wouldn't|couldn't))(?: \w+){0,3}|"
    r"\bif (?:\w+ ){0,3}ever(?: \w+){0,3}|\bif (?:i|he|she|we|you|they|mum|dad)(?:'d| had)"
    r"(?: \w+){0,2}|"
    r"(?<!\bas )(?<!\beven )\bif(?: (?!but\b|and\b|then\b|so\b|because\b|when\b)"
    r"[\w']+){0,6}|"
    r"\b(?:asked|ask|asks|asking|screen\w*|check\w*) (?:\w+ ){0,3}(?:if|whether)\b"
    r"[^.!?]{0,40}|\b(?:screen\w*|test\w*|swab\w*|check\w*) for) ?$"
)

# Named categories and concept lexicons are matched together, in one pass over the words.
_ALL_SET = PatternSet([pattern for _, pattern in _SINGLE + _CONCEPTS])
_N_SINGLE = len(_SINGLE)

_PAIN = compile_fast(
    r"\b(?:screaming in pain|in agony|agoni[sz]ing|excruciating|unbearable pain|severe pain|"
    r"crushing chest pain|chest pain|10 out of 10|ten out of ten|worst pain|writhing|"
    r"kidney stone|broken (?:\w+ )?(?:bone|leg|arm|hip)|(?:8|9|10|eight|nine|ten) ?"
    r"(?:/|out of) ?(?:10|ten)|in (?:so much|that much|such) pain|sickle[- ]cell|"
    r"in (?:full |a )?crisis|doubled over|(?:vomiting|shaking|passing out|fainting) "
    r"(?:\w+ )?(?:with|from) (?:the )?pain|screaming (?:\w+ )?(?:all (?:night|nite|day)|for "
    r"hours)|(?:crying|calling|moaning|groaning) out (?:in pain )?(?:all|through the) "
    r"(?:night|day))\b"
)
_UNTREATED = compile_fast(
    r"\b(?:refused|no pain (?:relief|medication|meds)|without (?:any )?(?:pain )?"
    r"(?:relief|medication|meds)|nothing for (?:the )?pain|couldn't have anything|"
    r"waited|sat in|for (?:nearly |almost |over |about |more than )?(?:\d+|two|three|four|five|"
    r"six|several) hours|suffer\w*|nothing (?:was )?given|(?:has|had|have) to sign (?:it )?off|"
    r"without (?:a |his |her )?signature|(?:pump|pca|epidural) (?:\w+ )?(?:wasn'?t|was not|"
    r"isn'?t|stopped|not) working|(?:pump|pca|epidural) ran out|"
    r"ignored|before anyone|anything stronger|something stronger|nothing stronger|begg\w+ "
    r"for help|wait (?:my|your|her|his) "
    r"turn|wouldn't give|would not give|(?:only|just|two|2) (?:\w+ )?(?:paracetamol|"
    r"ibuprofen|codeine|calpol|tylenol)|(?:had to|made to|left to) (?:sit|wait|lie)|"
    r"too busy|wait (?:for|until|till) (?:the )?(?:morning|day staff|round|doctor))\b"
)
_MISDIAGNOSIS = compile_fast(
    r"\b(?:misdiagnos\w+|missed (?:the |my |a |his |her )?(?:diagnosis|fracture|break|"
    r"cancer|infection|stroke|heart attack)|wrong diagnosis|said it was (?:just |only )?(?:a |an )?"
    r"\w+|told (?:me|him|her|us) (?:it was|my \w+ was) (?:just |only )?(?:a |an )?\w+|"
    r"told (?:me|him|her|us) (?:for|over) (?:a |the |two |three |several )?(?:\w+ )?(?:years?|"
    r"months|weeks) (?:that )?(?:it was|(?:my|his|her) \w+ (?:was|were)) (?:just |only )?|"
    r"as (?:gas|anxiety|stress|a sprain|a virus)|(?:was|were|got|been) told (?:\w+ ){0,3}"
    r"(?:it was|it's|it is) (?:just |only |probably )?(?:a |an )?\w+|(?:was|were) actually|"
    r"sent (?:(?:me|him|her|"
    r"us) )?(?:home|off|away)|(?:said|told (?:me|him|her|us)|thought|insisted) (?:that )?"
    r"(?:my |his |her |the |it )?(?:\w+ ){0,3}(?:was|were|is|was just|was only) (?:just |only |"
    r"probably |likely |nothing but )?(?:a |an )?(?:constipation|gas|wind|anxiety|stress|"
    r"virus|viral|bug|nothing|muscular|sprain|cyst|indigestion|heartburn|growing pains|"
    r"colic|flu|period pain|pulled muscle|panic|in (?:my|his|her) head|normal|fine|"
    r"benign|harmless)|not to worry|nothing to worry about|fobbed (?:me|us|him|her) off|"
    r"dismissed (?:it|my|his|her|me|him|us)|(?:with|given) (?:some )?(?:paracetamol|"
    r"laxatives|antibiotics|ibuprofen|antacids|painkillers)|brushed (?:it|me|him|her) off|"
    r"(?:dijeron|dijo|nos dijeron|me dijeron|le dijeron) que (?:solo |sólo )?(?:era|es|fue) "
    r"(?:una |un )?\w+)\b"
)
_HARM = compile_fast(
    r"\b(?:surgery|ruptured|fracture\w*|cancer|melanoma|spread|icu|emergency|died|worse|"
    r"hospitali[sz]ed|admitted|bone graft|sepsis|stroke|heart attack|amputat\w+|burst|"
    r"perforated|stage (?:\d|two|three|four|iii|iv)|terminal|intensive care|meningitis|"
    r"appendicitis|turned out|blood clot|clot|embolism|ectopic|tumou?r|lost (?:the|our|my) "
    r"baby|resus\w*|collapsed|septic|life support|brain damage|permanent\w*|paraly\w+|"
    r"lost (?:most of |all of |some of )?(?:the|her|his|my|their) (?:hearing|sight|vision|"
    r"eye|leg|foot|arm|kidney|baby)|derrame\w*|infarto|c[aá]ncer|tumor|no puede mover|"
    r"cirug[ií]a|muri[oó]|falleci[oó]|terapia intensiva|uci)\b"
)


# "Came in after a fall at home": the reason for the visit. Only the fall found in the same
# sentence is set aside; a fall later on the ward is still an event.
_FALL_BROUGHT_IN = compile_fast(
    r"\b(?:came|come|brought|taken|rushed|went|admitted|attended|seen|in) (?:\w+ ){0,3}"
    r"(?:after|following|with) (?:a|my|his|her|their) (?:\w+ )?fall\b"
)
_SENTENCE_BREAK = compile_fast(r"[.!?\n]")


# "Last year mum was given the wrong dose ... this time every tablet was checked": an event
# told as the past that has since been put right is context for praise, not a new event.
_PAST_OPENING = compile_fast(
    r"^\W*(?:\w+ ){0,2}(?:last (?:year|time)|back in \w+|(?:a few|a couple of|two|three|"
    r"four|five|\d+|some|many) (?:years|months) ago|years ago|previously|in the past|"
    r"on (?:a|my|her|his|our) (?:previous|last|earlier) (?:visit|stay|admission))\b"
)
_PUT_RIGHT = compile_fast(
    r"\b(?:this time (?!\w+ (?:did|happened|was) (?:it |the same )?again)(?:\w+ ){0,6}"
    r"(?:checked|double-checked|explained|right|fine|perfect|better|different|careful\w*)|"
    r"lessons (?:have been|were|had been|are being) learn(?:ed|t)|"
    r"(?:handled|dealt with|resolved) (?:it|this|that|the complaint|my complaint) "
    r"(?:\w+ )?(?:brilliantly|well|properly|superbly|professionally|perfectly|quickly)|"
    r"put (?:it|things|that) right)\b"
)


def _sentence_bounds(text: str, start: int) -> tuple[int, int]:
    begin = max((m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    stop = _SENTENCE_BREAK.search(text, start)
    return begin, stop.start() if stop else len(text)


def _put_right_since(text: str, start: int) -> bool:
    begin, end = _sentence_bounds(text, start)
    return (
        _PAST_OPENING.search(text[begin:end]) is not None
        and _PUT_RIGHT.search(text, end) is not None
    )


def _reason_for_visit(text: str, start: int) -> bool:
    begin, end = _sentence_bounds(text, start)
    return _FALL_BROUGHT_IN.search(text, begin, end) is not None


def _counts(code: str, text: str, start: int) -> bool:
    """A match is an event unless negated or hedged, a fall that brought someone in, or a past
    event the comment says has since been put right."""
    if _negated(text, start) or _put_right_since(text, start):
        return False
    return not (code == "fall" and _reason_for_visit(text, start))


def _negated(text: str, start: int) -> bool:
    """A negator or hedge just before an event ("never felt neglected", "non-threatening",
    "worried she might fall"), not one that governs a later verb ("nobody noticed he fell")."""
    return _NEGATED.search(text, max(0, start - 80), start) is not None


def detect_urgent(
    text: str, starts: Starts | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reason codes that fire on the normalised text, and the evidence for each."""
    codes, evidence, _ = urgent_events(text, starts)
    return codes, evidence


def urgent_events(
    text: str, starts: Starts | None = None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, int, str], ...]]:
    """Reason codes, the evidence for each, and (start, end, code) of each deciding match."""
    codes: list[str] = []
    evidence: list[str] = []
    spans: list[tuple[int, int, str]] = []
    starts = text_starts(text) if starts is None else starts
    scanned = _ALL_SET.scan(text, starts)
    for (code, _), found in zip(_SINGLE, scanned[:_N_SINGLE], strict=True):
        match = next((m for m in found if _counts(code, text, m.start())), None)
        if match:
            codes.append(code)
            spans.append((match.start(), match.end(), code))
            evidence.append(f'urgent {code}: "{match.group(0)[:60]}"')
    for (code, _), found in zip(_CONCEPTS, scanned[_N_SINGLE:], strict=True):
        if code in codes:
            continue
        for match in found:
            if _counts(code, text, match.start()):
                codes.append(code)
                spans.append((match.start(), match.end(), code))
                evidence.append(f'urgent {code}: "{match.group(0)[:60]}"')
                break
    pain = _PAIN.search(text)
    untreated = _UNTREATED.search(text) if pain else None
    if pain and untreated and "severe_pain_untreated" not in codes:
        codes.append("severe_pain_untreated")
        first, last = sorted((pain, untreated), key=lambda m: m.start())
        spans.append((first.start(), max(first.end(), last.end()), "severe_pain_untreated"))
        evidence.append(f'urgent severe_pain_untreated: "{pain.group(0)}" + "{untreated.group(0)}"')
    wrong = _MISDIAGNOSIS.search(text)
    harm = _HARM.search(text, wrong.end()) if wrong else None
    if wrong and harm and "misdiagnosis_harm" not in codes:
        codes.append("misdiagnosis_harm")
        spans.append((wrong.start(), harm.end(), "misdiagnosis_harm"))
        evidence.append(f'urgent misdiagnosis_harm: "{wrong.group(0)}" + "{harm.group(0)}"')
    return tuple(codes), tuple(evidence), tuple(spans)
