"""Phrase rules: the evaluative content that lives in facts, not in opinion words.

Healthcare complaints are mostly reports ("nobody called back", "on hold 45 minutes",
"charged twice"); praise is often an act ("called me the same day"). Each rule is a regular
expression over the normalised text with a polarity and a short name for the explanation.
Rules that already contain their negation ("nobody called") are not negated again.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from feedback.analysis.fastre import PatternSet, compile_fast

_NUM = (
    r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half an?|several|a few|few|"
    r"a couple of|couple of|many)"
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "half a": 0.5,
    "half an": 0.5,
    "several": 3,
    "a few": 3,
    "few": 3,
    "a couple of": 2,
    "couple of": 2,
    "many": 5,
}
_UNIT_MINUTES = {
    "min": 1,
    "minute": 1,
    "hour": 60,
    "hr": 60,
    "day": 1440,
    "week": 10080,
    "month": 43200,
    "year": 525600,
}
DURATION = re.compile(
    rf"\b({_NUM})(?:\s*(?:\+|or more|plus|and a half))?[\s-]*"
    r"(mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?)\b"
)
_SPEED_CUE = re.compile(
    r"(?:within|under|less than|in about|in just|in only|in|only|just|about|took|"
    r"no more than|never (?:waited|had to wait) (?:more|longer) than)\s*(?:about\s*)?$"
)
_DELAY_CUE = re.compile(
    r"\b(?:wait|waited|waiting|waits|sat|sitting|hold|late|behind|delay\w*|stuck|kept|until|"
    r"over|more than|almost|nearly|another|still|before (?:anyone|a doctor|being|they|i)|"
    r"lying|left|took|take|takes|taking)\b"
)
_LATER_CUE = re.compile(r"^\s*(?:later|ago|out|behind|late|past|of waiting|wait)\b")
# A duration someone was spared ("easier than taking half a day off", "rather than waiting
# six weeks") is not a wait they sat through.
_SPARED_CUE = re.compile(
    r"\b(?:(?:better|easier|quicker|faster|nicer|cheaper|simpler) than|rather than|instead of|"
    r"(?:saved|saves|saving) (?:me|us|him|her|them)|no need (?:for|to))\b[^.!?]{0,40}$"
)


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired: where, how strongly, and the words that made it fire."""

    start: int
    end: int
    polarity: float
    rule: str
    matched: str


def minutes(number: str, unit: str) -> float:
    """Length of a stated duration in minutes ("half an hour" -> 30)."""
    value = _NUMBER_WORDS.get(number)
    amount = float(value) if value is not None else float(number)
    unit = unit.rstrip("s")
    unit = {"minute": "min", "hrs": "hr", "hour": "hour"}.get(unit, unit)
    return amount * _UNIT_MINUTES[unit]


def duration_hits(text: str) -> list[Hit]:
    """Judge each stated duration: short and fast is praise, a long wait is a complaint."""
    hits = []
    for match in DURATION.finditer(text):
        span = minutes(match.group(1), match.group(2))
        before = text[max(0, match.start() - 60) : match.start()]
        after = text[match.end() : match.end() + 25]
        said = match.group(0)
        if _SPARED_CUE.search(before):
            continue
        if re.search(r"never (?:waited|had to wait) (?:more|longer) than\s*$", before):
            hits.append(Hit(match.start(), match.end(), 0.5, "short wait", said))
        elif (
            (span <= 30 or (span <= 60 and re.search(r"\b(?:within|under|less than)\s*$", before)))
            and _SPEED_CUE.search(before)
            and not re.search(r"\b(?:late|behind|over|more than)\s*$", before)
            and not _LATER_CUE.match(after)
        ):
            hits.append(Hit(match.start(), match.end(), 0.45, "short wait", said))
        elif (
            span >= 30
            and (_DELAY_CUE.search(before[-45:]) or _LATER_CUE.match(after))
            and not re.search(r"\b(?:within|under|less than)\s*$", before)
        ):
            strength = -0.5 if span < 60 else -0.7
            hits.append(Hit(match.start(), match.end(), strength, "long wait", said))
    return hits


# Clock times ("9:15", "10.40", "2pm", "4:30 pm"); not prices, doses or dates.
_CLOCK = re.compile(
    r"(?<![$£€\d.:/])(?:(\d{1,2})(?:[:.]([0-5]\d))?\s?([ap])(?:m\b|\.m\.)"
    r"|(\d{1,2})[:.]([0-5]\d)(?![\d:/]|\.\d))"
)
# Before the first time: when the patient was expected. Before the second: when it happened.
_EXPECTED_CUE = re.compile(
    r"\b(?:appointment|appt|booked|due|scheduled|supposed to be|arrived|got there|got here|"
    r"checked in|slot|was for|told (?:i|we|he|she) could (?:go|leave)|ready to go)\b[^.!?]{0,30}$"
)
_HAPPENED_CUE = re.compile(
    r"\b(?:seen|saw|called|walked in|came in|went in|got in|taken (?:in|through|back)|left|"
    r"discharged|got home|got out|finally|eventually|got to go|allowed to go)\b[^.!?]{0,25}$"
)


def _clock_minutes(match: re.Match[str]) -> tuple[int, bool]:
    """Minutes after midnight of a clock time, and whether am/pm said which half of the day."""
    if match.group(4) is not None:
        return int(match.group(4)) * 60 + int(match.group(5)), False
    hour, half = int(match.group(1)) % 12, match.group(3)
    return (hour + (12 if half == "p" else 0)) * 60 + int(match.group(2) or 0), True


def clock_wait_hits(text: str) -> list[Hit]:
    """A wait told by the clock: "appointment at 9:15 … seen at 10:40" is 85 minutes late."""
    times = [m for m in _CLOCK.finditer(text) if int(m.group(1) or m.group(4)) <= 23]
    hits = []
    for first, second in itertools.pairwise(times):
        if second.start() - first.end() > 150:
            continue
        if not _EXPECTED_CUE.search(text[max(0, first.start() - 50) : first.start()]):
            continue
        if not _HAPPENED_CUE.search(text[max(0, second.start() - 40) : second.start()]):
            continue
        start, start_told = _clock_minutes(first)
        end, end_told = _clock_minutes(second)
        if end < start and not (start_told and end_told):
            end += 12 * 60  # "10:40 … 1:05": the afternoon
        delay = end - start
        if 45 <= delay <= 16 * 60:
            said = f"{first.group(0)} … {second.group(0)}"
            strength = -0.5 if delay < 60 else -0.7
            hits.append(Hit(second.start(), second.end(), strength, "long wait", said))
    return hits


NO_IMPROVEMENT = "nothing to improve"


def _rules(table: list[tuple[str, float, str]]) -> tuple[tuple[str, float, str], ...]:
    return tuple(table)


_SUBJ = r"(?:nobody|no one|no-one|noone|none of them|nobody else)"
_ACT = (
    r"(?:called?|calls|rang|told|tells|explained|came|checked|answered|responded|replied|"
    r"listened|cared|bothered|helped|mentioned|looked|followed up|got back|showed up|"
    r"apologi[sz]ed|knew|seemed to know|informed|updated|warned|offered|asked|"
    r"did anything|returned|contacted|could tell|can explain|could explain|read)"
)

# Reported facts that patients write as complaints (and one way of praising: "nothing could
# have been better"). Self-negating: never negated again.
FACT_RULES = _rules(
    [
        (
            r"\b(?:(?:nothing|not a thing) (?:\w+ ){0,3}(?:could|can|would|needs to|to) (?:\w+ ){0,3}"
            r"(?:better|improved?)|(?:could not|couldn't|can't|cannot|could never) (?:\w+ ){0,3}"
            r"(?:better|improve\w*)|(?:don't|do not) think (?:\w+ ){0,2}could (?:\w+ ){0,4}"
            r"(?:better|improve\w*)|nothing (?:else )?(?:that )?(?:could|can) (?:have )?be(?:en)? "
            r"done|nothing (?:was|seemed|is) (?:ever )?(?:too much|to much) trouble|(?:would|wouldn't) "
            r"change (?:nothing|a thing|anything)|keep doing (?:what|the same|it)|spot on)\b",
            0.6,
            NO_IMPROVEMENT,
        ),
        (
            rf"\b{_SUBJ} (?:ever |even |actually |has |had |would |will |could |was able to )?{_ACT}",
            -0.6,
            "nobody acted",
        ),
        (
            r"\bnothing (?:was|has been|had been|got|gets|is|ever got|was ever) (?:ever |actually |"
            r"really )?(?:explained|followed up|sorted|arranged|offered|said|mentioned|"
            r"changed|fixed|organi[sz]ed|checked|put in place)\b",
            -0.6,
            "nothing done",
        ),
        (
            r"\bnever (?:once )?(?:got|received|heard|called|came|happened|showed|arrived|got back|"
            r"returned|answered|explained|told|followed up|applied|responded|replied|looked|"
            r"listened|gave|reached|got to|turned up|shows|works|loads|updates)\b",
            -0.6,
            "never happened",
        ),
        (
            r"\b(?:didn't|did not|doesn't|does not|won't|wouldn't|couldn't|could not|can't|cannot|"
            r"never) (?:even |once |bother to |actually )?(?:look(?:ed)? at me|listen|explain|call|tell|"
            r"check|wash|answer|introduce|bother|apologi[sz]e|return|respond|reply|let me|work|load|"
            r"find|read|help|care)\b",
            -0.5,
            "failed to act",
        ),
        (
            r"\bwithout (?:even |an? |any )?(?:apology|explanation|asking|permission|consent|"
            r"checking|washing|looking|examining|warning|notice|telling|doing|food|water|a drink|"
            r"a shower|a wash|washing|pain relief|painkillers?|medication|meds|sleep|help|"
            r"being seen|seeing (?:a|the) (?:doctor|nurse)|a bed|transport|saying (?:a word|"
            r"anything)|a word|anyone (?:telling|saying|explaining|asking|checking)|letting "
            r"(?:me|us) know|being told)\b",
            -0.5,
            "without",
        ),
        (
            r"\bno (?:apology|explanation|callback|call back|reply|response|answer|idea|"
            r"instructions|information|updates?|notice|one there|communication|follow[- ]?up|"
            r"help|sympathy|empathy|compassion|interpreter|privacy|soap|toilet paper|"
            r"wheelchair|ramp|dignity|respect|transport|ride|letters?|record|records|results?|"
            r"pain (?:relief|medication|meds|killers?|control)|painkillers?|food|water|hot water|"
            r"heating|blankets?|towels?|beds?|chairs?|signs?|parking|"
            r"(?:appointments?|slots?|beds?|rooms?) (?:left|available)|(?:phone )?calls?|"
            r"(?:one|anyone|body) (?:came|answered|called|rang|there|to help))\b|"
            r"\b(?:none left|fully booked|nothing (?:available|left)|no-one (?:came|answered))\b|"
            r"\b(?:slots?|appointments?) (?:were |was |had |have )?(?:all )?(?:gone|taken)\b|"
            r"\bengaged (?:every|each) (?:single )?time\b",
            -0.5,
            "missing",
        ),
        (
            r"\b(?<!never )(?<!not )(?<!didn't )(?:had|have|having) to (?:repeat|chase|keep|call|"
            r"ask|come back|fight|figure|translate|push|beg|drive|explain|go back|remind|wait|find|"
            r"bring|be lifted|sort|tell (?:my|the|our|his|her) (?:whole )?story)\b|"
            r"\b(?:from the (?:start|beginning)|(?:all )?over again) every time\b",
            -0.45,
            "had to",
        ),
        (
            r"\b(?:hung up|cut off|disconnected|got lost|lost my|lost our|lost the|misplaced|"
            r"forgot (?:about )?(?:me|my|us)|double[- ]?book\w*|turned away|sent (?:me |us |him |her )?"
            r"home (?:with|without)|out of order|out of service|kept getting|back and forth|"
            r"back to square one|fell through|slipped through)\b",
            -0.5,
            "service failure",
        ),
        (
            r"\b(?:still (?:waiting|nothing|no|haven't|have not|hasn't|don't|do not|not|can't)|"
            r"(?:it'?s|that was|it has been|that's) been (?:\w+ ){0,2}(?:weeks|months|days)|"
            r"day \d+|\d+ (?:weeks|months) later|heard nothing|still (?:in dispute|unresolved|"
            r"outstanding|pending|not (?:fixed|sorted|resolved)|broken|unpaid|going on|the same)|"
            r"(?:in|under) dispute|never (?:resolved|sorted|fixed))\b",
            -0.5,
            "still waiting",
        ),
        (
            r"\b(?:charged|billed|paid|paying) (?:me |us |my insurance )?(?:twice|double|again|"
            r"for (?:a|an|the) (?:visit|appointment|service)s? (?:that|i|they|we) (?:never|didn't))\b",
            -0.55,
            "billing error",
        ),
        (
            r"\b(?:surprise|unexpected|incorrect|wrong) (?:bill|charge|fee)s?\b|\b(?:no-show|"
            r"cancellation|late|facility) fee\b|\bcollections\b|\bpast due\b|\bout of network\b|"
            r"\b(?:claim|coverage) (?:was |got |is )?denied\b|\bdenying\b|\beye[- ]watering\b|"
            r"\bdaylight robbery\b|\bextortionate\b|\brip[- ]?off\b|\bripped (?:me |us )?off\b|"
            r"\bout of (?:my |our )?(?:own )?pocket\b|\bthrough the roof\b|"
            r"\b(?:nearly|almost) had a heart attack (?:\w+ ){0,4}(?:bill|price|cost|invoice|"
            r"statement)|\b(?:wasn't|was not|weren't|were not|isn't|"
            r"is not|not) covered\b",
            -0.5,
            "billing problem",
        ),
        (
            r"\b(?:death ?trap|no proper|doors? (?:were|was) locked|(?:\d+|two|three|four|five|six|"
            r"seven|eight|nine|ten|twelve) (?:weeks|months) away|"
            r"sick (?:and tired )?of|fed up (?:with|of)|loud enough for (?:the whole|the "
            r"entire|everyone|everybody|all|the rest))\b",
            -0.6,
            "fed up",
        ),
        (
            r"\b(?:was|were|is|are) not(?= ?[.!;:]|$)",
            -0.6,
            "elliptical not",
        ),
        (
            r"\b(?:wrong|incorrect) (?:medication|medicine|meds|pill|dose|drug|patient|name|"
            r"address|time|date|results?|diagnosis|leg|arm|side)\b",
            -0.6,
            "wrong item",
        ),
        (
            r"\b(?:cancel(?:l)?ed|rescheduled|bumped|moved) (?:on me|my|it|again|twice|\w+ times)\b|"
            r"\b(?:\d+|two|three|four|five|six) (?:times|calls|phone calls|attempts|tries|visits|"
            r"cancell?ations|postponements)\b|\b(?:\d+|three|four|five|six|seven|eight) different "
            r"(?:\w+ ){0,2}(?:doctors|gps|consultants|coordinators|nurses|midwives|therapists|"
            r"workers|people|registrars)\b|\b(?:was|were|got|been|being|keeps? getting|kept "
            r"getting) (?:\w+ )?(?:cancell?ed|postponed|bumped)\b|"
            r"\bnot so much\b",
            -0.35,
            "repeated failure",
        ),
        (
            r"\b(?:smelled|smells|smelt|stank|stunk) (?:like|of)\b|\bnot (?:cleaned|emptied|"
            r"wiped|changed|washed)\b|\b(?:hadn't|had not|wasn't|was not|weren't) (?:been )?(?:cleaned|"
            r"emptied|wiped|changed)\b|\b(?:blood|hair|trash|crumbs|stains?) on the\b",
            -0.55,
            "unclean",
        ),
        (
            r"\b(?:error (?:page|message)|does nothing|doesn't work|won't let me|logs me out|"
            r"kept crashing|keeps crashing|crashed|won't load|wouldn't load|froze|dropped \w+ "
            r"times|glitch\w*)\b",
            -0.5,
            "broken system",
        ),
        (
            r"\b(?:who is checking|how is (?:that|this|anyone|it)|what is the point|what's the point|"
            r"does anyone|is anyone|why do i|why does|why is it|who can make)\b",
            -0.45,
            "rhetorical complaint",
        ),
        (
            r"\b(?:won't be (?:back|returning|coming back)|never (?:again|coming back|going back|"
            r"return)|go elsewhere|going elsewhere|find another|switching (?:doctors|providers)|"
            r"avoid (?:this|at all costs)|stay away|do not go|don't go here|zero stars|one star|"
            r"1 star|0 stars|not worth)\b",
            -0.7,
            "would not return",
        ),
        (
            r"\b(?:(?:could have|almost|nearly) died(?! (?:laughing|of (?:laughter|embarrassment|"
            r"shame|boredom)))|set me back|scared to death|"
            r"worst experience|traumati[sz]\w+|in tears|made me cry|left in pain|in so much pain|"
            r"screaming in pain|in agony)\b",
            -0.7,
            "harm",
        ),
        (
            r"\b(?:(?:hardly|barely|never|couldn't|could not|didn't|did not|unable to|no) "
            r"(?:\w+ )?(?:slept|sleep|ate|eaten|eat)|sleepless|kept (?:me|us|him|her|everyone) "
            r"(?:awake|up all night)|(?:no|nothing to) (?:eat|drink|food for|water for)|"
            r"went hungry|starved|(?:went|gone|going|left) (?:\w+ ){0,3}without)\b",
            -0.5,
            "deprivation",
        ),
        (
            r"\b(?:(?:a |what a |such a |real |bit of a |the only )?(?:shame|pity) (?:about|that|"
            r"the|it|they|there)|let (?:me |us |him |her |them )?down|a letdown|let-down|"
            r"disappointed (?:by|with|in|that)|(?:not|wasn't|isn't) (?:up to|what it|as good)|"
            r"fell short|leaves? a lot to be desired|left (?:a lot|much) to be desired|"
            r"(?:could|should) have been (?:handled|done) better|not the best|room for improvement)\b",
            -0.5,
            "regret",
        ),
        (
            r"\b(?:first (?:try|attempt|go|stick|poke|time of asking)|painless|pain[- ]free|"
            r"no pain(?! (?:relief|med\w*|killers?|control|management))|"
            r"(?:didn't|did not|barely|hardly|never) (?:even )?(?:feel|felt) (?:a thing|anything|"
            r"it)|(?:didn't|did not) (?:even )?hurt|forgot (?:to be|i was|all about being) "
            r"(?:nervous|scared|anxious|worried|afraid|frightened)|put my mind at (?:rest|ease)|"
            r"(?:nerves|fear|anxiety) (?:went|disappeared|melted)|no (?:problems?|issues?|hassle|"
            r"fuss)|without (?:any )?(?:problems?|issues?|hassle|fuss|complications?)|"
            r"(?:back|up) on (?:my|his|her|their) feet|home the (?:same|next) day)\b",
            0.5,
            "good outcome fact",
        ),
        (
            r"\b(?:left me|left us|left him|left her|kept me|kept us) (?:waiting|in the dark|"
            r"hanging|alone|sitting|lying)\b",
            -0.5,
            "left waiting",
        ),
        (
            r"\b(?:nothing (?:was|got) done|did nothing|didn't do anything|didn't lift a finger|"
            r"no one seemed|nobody seemed|seemed (?:irritated|annoyed|bothered|rushed|uninterested)|"
            r"not interested)\b",
            -0.5,
            "inaction",
        ),
        (
            r"\bprices? (?:aren't|are not|isn't|is not|weren't) posted\b|"
            r"\b(?:can't|couldn't|could not|cannot) (?:find|get|hear|read|reach|understand)\b|"
            r"\b(?:(?:can|could|you) )?never (?:get|got) (?:through|hold of|an appointment)\b",
            -0.45,
            "barrier",
        ),
        (
            r"\b(?:would (?:have )?be(?:en)? (?:better|nicer|nice|helpful|good|great|useful|"
            r"appreciated|beneficial|an improvement)|could (?:have )?be(?:en)? (?:\w+ ){0,2}(?:better|"
            r"improved|more|less|quicker|faster|clearer|shorter)|could benefit|would (?:really )?help|"
            r"would rather|"
            r"could have done with|should (?:have|be|not)|shouldn't|needs? (?:to|more|improving)|"
            r"would (?:like|prefer|help)|wish (?:i|we|they|there|you|could)|i wish|"
            r"the only (?:thing|improvement|issue|problem|criticism|negative|downside)|"
            r"could improve|improvement would|not enough|lack of|it would help|would love|"
            r"it'?d (?:help|be (?:nice|good|great|useful|helpful|better))|"
            r"(?:might|may) be worth)\b|"
            r"(?:^|[.!?]\s*)(?:more|better|less|fewer|improve\w*|quicker|faster|"
            r"maybe|perhaps|consider|suggest\w*|please (?:consider|add|make|offer|provide)|"
            r"is there (?:a|any) way|how (?:do|can) i|"
            r"could (?:you|the|we|they|there|someone|somebody)|can (?:the|we|there|someone)|"
            r"would it be possible|would you (?:consider|be able)|please (?:could|can|would))\b",
            -0.35,
            "suggestion",
        ),
        (
            r"\b(?:too (?:long|slow|expensive|loud|cold|hot|busy|far)|long (?:wait|waits|queue|"
            r"delays?)|understaffed|short staffed|short-staffed|(?:took|takes|taking|take) (?:a )?"
            r"(?:very |really |so )?(?:long|ages|forever|an age)|(?:a )?long time (?:to|before|for))\b",
            -0.5,
            "excess",
        ),
    ]
)

# Phrases without opinion words that a negation reverses ("never made me feel like a number",
# "not in and out in 10 minutes").
PRAISE_RULES = _rules(
    [
        (
            r"\b(?:rolled (?:her|his|their) eyes|eye[- ]roll|laughed at|"
            r"(?<!died )laughing (?:at|about)|"
            r"yelled|shouted|snapped|talked down|talked to me like|treated (?:me|us|him|her|them) "
            r"like (?:a|an|dirt|garbage|criminal|child|idiot|number)|made me feel (?:like|stupid|"
            r"dumb|small|judged|a)|acted like|short with|brushed (?:me |it |us )?off|brushed off|"
            r"on (?:her|his|their) (?:personal )?phone|chatting(?! (?:to|with) (?:me|us))|"
            r"snapped at|talked down|spoke down|ignored (?:me|us|my|our|her|him|them)|"
            r"(?:never|didn't|did not|barely|without) (?:even )?(?:look(?:ed)? up|acknowledg\w+|"
            r"say hello|said hello|introduc\w+ (?:herself|himself|themselves))|shrugged|"
            r"walked (?:off|away)|turned (?:her|his|their) back|sighed|tutted|huffed|"
            r"made (?:a )?(?:\w+ )?comments? about|(?:comments?|remarks?) about my|"
            r"wasting (?:her|his|their) time|bothering (?:her|him|them)|kept going|carried on|"
            r"(?:hurried|rushed) (?:me|us)|couldn't be bothered|patroni[sz]\w+|"
            r"told (?:me|her|him|us|my \w+) to (?:just |stop|calm|go away|shut|hurry|be quiet))\b",
            -0.6,
            "disrespect",
        ),
        (
            r"\b(?:dropped the ball|fell through the cracks|slipped through the (?:net|cracks))\b",
            -0.5,
            "lapse",
        ),
        (
            r"\b(?:looked after (?:\w+ ){0,2}(?:well|brilliantly|beautifully)|well looked after|"
            r"always there|nothing (?:was )?too much trouble|no complaints?|nothing but (?:praise|"
            r"good|positive)|couldn'?t (?:do|have done|be) (?:any )?better|no improvements? "
            r"(?:needed|required|necessary)|can'?t think of (?:anything|any)|keep (?:it|up)|"
            r"in and out|seen (?:right away|straight away|immediately|quickly|promptly|on time|"
            r"right on time|early)|on time|right on time|no wait|no waiting|didn't have to wait|"
            r"same[- ]day|same[- ]week|next[- ]day|next morning|got me in|got through (?:to \w+ )?"
            r"(?:straight away|right away|immediately|first time|quickly))\b",
            0.45,
            "prompt service",
        ),
        (
            r"\b(?:above and beyond|went out of (?:her|his|their) way|made (?:me|us) feel "
            r"(?:safe|welcome|comfortable|at ease|heard|respected|like family|valued)|put (?:me|us) "
            r"at ease|took (?:the )?time|treated (?:me|us|her|him|them|my \w+) (?:with|like family)|"
            r"like family|can't fault|couldn't fault|cannot fault|couldn't have asked for|"
            r"can't say enough|can't recommend|couldn't ask for|could not have asked for|"
            r"top notch|first class|second to none|10/10|five stars|5 stars|a\+|well done|"
            r"keep up the good work|hats off|shout ?out|kudos|bless|high (?:standards?|quality)|"
            r"well organi[sz]ed|nailed it|like clockwork|as long as (?:i|we|he|she) needed|"
            r"(?:sorted|fixed) (?:my|his|her|the) \w+ out|wish (?:i|we)(?:'d| had) (?:come|gone) "
            r"sooner|before (?:i|we)(?:'d| had)? (?:even )?sat down|waived|drew (?:\w+ )?diagrams?|"
            r"(?:nearly |almost )?died laughing|(?:stress|hassle|pain)[- ]free|(?:minutes|seconds) "
            r"flat|sorted out (?:my|his|her|the|our)|never had to (?:ask|chase|wait|repeat)|"
            r"(?:kept|keeps|keeping) me going|(?:well )?under control|life[- ]changing|"
            r"(?:surgery|operation|procedure|op|birth|delivery) went (?:well|smoothly|perfectly|"
            r"brilliantly)|never felt (?:so |more )?(?:safe|safer|in (?:safer|better) hands|"
            r"(?:so |better )?looked after|(?:so |more )?cared for|(?:so |more )?welcome))\b",
            0.7,
            "praise",
        ),
        (
            r"\b(?:talked|walked) (?:me|us) through|answered (?:all|every|each) (?:of my |my |our )?"
            r"(?:questions?|concerns?)|kept (?:us|me) (?:updated|informed|posted)|"
            r"explained (?:everything|it all|each|every|what|why|exactly|how)|took (?:my|our) "
            r"(?:concerns|symptoms|pain) seriously|listened to (?:me|us|my)\b|caught (?:it|the|an)\b",
            0.5,
            "good care act",
        ),
        (
            r"\b(?:called me (?:the same day|the next day|the day after|herself|himself|back)|"
            r"followed up|checking (?:on|how) (?:me|i)|checked on (?:me|us)|"
            r"within (?:a day|24 hours|the hour)|handled (?:it|everything|the)|reversed|"
            r"washed (?:their|her|his) hands|always knocked|knocked and waited|kept me covered|"
            r"(?:rang|called|phoned) (?:\w+ ){0,3}to check (?:in|on))\b",
            0.45,
            "good service act",
        ),
        (
            r"\b(?:feel like a new person|back to normal|life[- ]?saver|saved my life|saved (?:me|us) "
            r"a trip|worth mentioning|small touches|go a long way|meant a lot|means a lot|"
            r"healthy because|feel safe|felt safe|felt respected|felt heard|felt prepared)\b",
            0.6,
            "good outcome",
        ),
    ]
)

# Every fact and praise rule, matched together in one pass (fastre.PatternSet).
RULE_SET = PatternSet([pattern for pattern, _, _ in FACT_RULES + PRAISE_RULES])
N_FACT = len(FACT_RULES)

# Irony markers: a positive word inside these clauses is read as its opposite.
SARCASM_STRONG = compile_fast(
    r"(?:^|[.!?\n]\s*)(?:oh,? )?(?:great|fantastic|wonderful|perfect|brilliant|awesome|"
    r"lovely|nice|good|just "
    r"great|super),? (?:another|more|yet another|so now|now i|just what)\b|\blove that for me\b|"
    r"\breal(?:ly)? classy\b|\bthanks for nothing\b|\bwhat a joke\b|\byeah,? right\b|"
    r"\b(?:love|loving|enjoy|enjoyed|just love|gotta love) (?:paying|waiting|being|getting|"
    r"spending|sitting|driving|having to|the \$|sitting)\b|\bso glad i (?:paid|waited|drove)\b"
    r"|\bgood job\b.*\bnot\b|🙃|🤡|\b(?:five|5) stars for (?:the |a |my )?(?:surprise|hidden|"
    r"unexpected|extra)\b|"
    r"\b(?:great|fantastic|wonderful|brilliant|lovely|excellent|amazing|nice|good|fine|super) "
    r"(?:system|service|job|work|setup|set-up|organi[sz]ation|operation|place|outfit|way to run "
    r"\w+) (?:you(?:'ve| have| guys have| lot have| people have| run| got)?|they(?:'ve| have"
    r"| run| got)?) (?:got )?there\b|"
    r"\b(?:fastest|quickest|best|easiest|surest) way to (?:lose|waste|ruin|spend|get "
    r"(?:ignored|ripped off|sicker|worse))\b|(?<=[a-z'] )my (?:foot|arse|ass|backside)\b"
)
SARCASM_WEAK = compile_fast(
    r"\b(?:thanks (?:a lot|for that|so much for (?:nothing|that))|thank you for that|"
    r"great job|nice job|just great|how lovely|how nice|truly (?:magical|"
    r"world class|amazing|outstanding|wonderful)|(?:really|so) felt (?:important|valued|special|"
    r"cared for))\b|"
    # "Brilliant." or "Perfect." said on its own beside a failure is irony; "the nurses were
    # brilliant" beside one is praise, and the comment is mixed.
    r"(?:^|[.!?\n]\s*)(?:oh,? |well,? |just |how )?(?:brilliant|perfect)(?=\s*(?:[.!?,…]|$))"
)
