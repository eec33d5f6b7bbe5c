"""The ten themes: vocabulary per theme, following the definitions in data/README.md.

Each theme has two tiers of cues:

- **strong** cues name the aspect being judged ("rude", "parking", "discharge", "on hold",
  "explained", "surprise bill"): they mark the theme wherever they occur;
- **weak** cues are topic nouns that patients mention in passing as often as they judge them
  ("after my *surgery*", "my *appointment* was at 2:15", "the *exam* room", "my *meds*"). A
  weak cue marks its theme only in a clause that carries an evaluation and holds no strong
  cue of another theme, so "No one explained what the new meds were for" is communication,
  not clinical_care, while "The meds made me worse" is clinical_care.

A theme's sentiment is that of the clauses where its cues occur, so "great doctor, terrible
billing" gives clinical_care positive and billing negative. Cues are general healthcare
vocabulary, not phrases from any labelled set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from feedback.analysis.fastre import PatternSet, Starts, text_starts

THEMES: tuple[str, ...] = (
    "access",
    "wait_time",
    "communication",
    "staff_attitude",
    "clinical_care",
    "billing",
    "facilities",
    "discharge_followup",
    "digital",
    "privacy",
)

# Non-doctor staff: praise or blame of them is about attitude. Praise of a doctor or surgeon
# is, in patient comments, praise of the care (clinical_care).
_STAFF = (
    r"(?:staff|nurses?|nursing staff|receptionists?|front desk|team|people|everyone|"
    r"everybody|midwi(?:fe|ves)|pharmacists?|techs?|technicians?|hygienists?|"
    r"counsell?ors?|porters?|carers?|aides?|volunteers?|security|guards?|crew|personnel|"
    r"employees|secretary|manager|admin staff|healthcare assistants?|hcas?|"
    r"paramedics?|ambulance crew|workers?|ladies|lady|man|woman|girls?|guys?)"
)
_DOCTOR = (
    r"(?:doctors?|docs?|drs?|physicians?|surgeons?|dentists?|consultants?|gps?|"
    r"registrars?|specialists?|pediatricians?|paediatricians?|anaesthetists?|"
    r"anesthesiologists?|physios?|physiotherapists?|therapists?|providers?|"
    r"obstetricians?|oncologists?|cardiologists?|orthopaedic surgeons?|"
    r"orthopedic surgeons?)"
)
_JUDGEMENT = (
    r"(?:wonderful|amazing|lovely|great|excellent|fantastic|brilliant|awesome|"
    r"superb|outstanding|marvell?ous|fab|fabulous|good|nice|the best|angels|"
    r"terrible|awful|horrible|the worst|useless|incredible|exceptional|first class|"
    r"first rate|top notch|poor|bad|rubbish|appalling|dreadful|shocking|"
    r"very good|so good|really good|really great|so great)"
)

_STRONG: dict[str, str] = {
    "access": (
        r"\b(?:schedul(?:ing|er|ers)|reschedul\w+|(?:schedule|book|make|get|getting|got|"
        r"find|arrange|secure)\w* (?:an? |my |the )?(?:\w+ )?(?:appointments?|appt|slot)|"
        r"(?:no|any|next|available|first) (?:appointments?|appt|slots?)|"
        r"appointments? (?:available|system|line)|referr?als?|registration|"
        r"check[- ]?in(?! (?:counter|desk|window|area))|checking in|checked in|"
        r"phone (?:line|lines|menu|system)|switchboard|"
        r"on hold|hold music|voicemails?|call ?backs?|get through|got through|getting through|"
        r"opening (?:hours|times)|open (?:until|till|at|on|late|weekends|evenings)|"
        r"closes? (?:at|by|early)|walk[- ]in|waitlist|waiting list|next (?:available|opening)|"
        r"availability|same[- ]day (?:appointments?|slots?)|new patients?|no[- ]show|"
        r"double[- ]book\w*|evening appointments|weekend (?:hours|appointments|clinics?)|"
        r"hours of operation|(?:see|seeing|get to see) (?:a|the|my) (?:specialist|gp|doctor)|"
        r"book(?:ed|ing)? (?:it |in )?(?:online|(?:thru|through|via|on|using) (?:the |your )?"
        r"(?:app|website|portal|phone))|(?:saw|seen|see) (?:me|us|him|her) (?:the )?same day|"
        r"referred (?:me|him|her|us)|your call is important|"
        r"get seen|(?:first|earliest) available|8 ?am|(?:cancel|cancell)\w* (?:on me|my|our)|"
        r"(?:appointment|appt)s? (?:\w+ ){0,3}(?:moved|postponed|pushed back)|"
        r"(?:appointment|appt)s? (?:was|were|got|been|had been) "
        r"(?:\w+ )?cancell?ed|"
        r"regist(?:er|ered|ering) (?:me|him|her|us|them|my \w+|with))\b"
    ),
    "wait_time": (
        r"\b(?:wait(?:ing)? (?:time|times)|(?:long|short|no|the) waits?|"
        r"waiting (?:for (?:ages|hours|over|nearly|almost|\d)|around|hours)|(?<!knocked and )"
        r"(?<!knocked and then )waited|"
        r"kept (?:me |us |him |her )?waiting|delay(?:s|ed)?|behind schedule|running (?:late|"
        r"behind)|\d+ minutes late|late (?:for(?! (?:my|our))|by|start|again)|"
        r"(?:was|were|ran|running) late|(?<!i was )(?<!we were )on time|punctual\w*|"
        r"quick(?:ly|er)?|speedy|speedily|swift(?:ly)?|prompt(?:ly)?|"
        r"in and out|(?:takes|took|take|taking) forever|"
        r"seen (?:right away|immediately|quickly|promptly|within|straight away|"
        r"on time)|took (?:over |more than |almost |nearly )?(?:an hour|\w+ hours)|"
        r"hours? (?:wait|delay)|for ages|ages to|long time|right at \d|"
        r"rushed (?:me|us) out|sat (?:there|in the waiting)|no wait(?:ing)?|"
        r"(?:within|under|in) (?:about |just |only |around |under |less than )?(?:\d+|five|ten|"
        r"fifteen|twenty) (?:min|mins|minutes)|"
        r"too long|so long|hanging around|turnaround|"
        r"(?:for|after|over|nearly|almost|another|more than|at least) (?:about |nearly |almost |"
        r"over |well over )?(?:\d+|an?|two|three|four|five|six|seven|eight|nine|ten|twelve|"
        r"fifteen|twenty|thirty|forty|forty-five|fifty|ninety|several|a few|a couple of) "
        r"(?:more )?(?:hours?|hrs?|minutes?|mins?))\b"
        r"|\b(?:(?:home|out|done|finished) by (?:noon|lunch\w*|\d+)|in at \d+ and|"
        r"(?:seen|called in|taken in) at \d{1,2}[:.]\d{2}|(?:wait\w*|sat|sitting) "
        r"(?:\w+ ){0,4}most of the (?:afternoon|morning|day|evening)|"
        r"(?:exactly |right )?when (?:promised|they said)|heaving|waiting long|"
        r"took (?:them |us |me )?(?:\w+ ){0,2}(?:days|weeks|months) to|"
        r"(?:hours?|hrs?|minutes?|mins?) (?:past|after|beyond) (?:my|our|the) "
        r"(?:appointment|scheduled|booked|allotted)|like clockwork|before (?:i|we)(?:'d| had)? "
        r"(?:even )?sat down|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|"
        r"several) (?:hours?|hrs) (?:in|at|on) (?:a&e|the er|er|casualty|the emergency "
        r"(?:room|department)|the waiting room|a trolley|the corridor))\b"
    ),
    "communication": (
        r"\b(?:expla\w+|informed|inform|communicat\w+|interpret\w+|translat\w+|"
        r"answered (?:\w+ )?(?:my |our |all |every |any |each )?(?:\w+ )?questions?|"
        r"(?:answer|ask) (?:any of |all of |none of )?(?:my |our |any )?questions|"
        r"listen(?:ed|s|ing)? to|return(?:s|ed|ing)? (?:my|our|any|the) "
        r"(?:calls?|messages?|emails?)|interrupt\w*|(?:let (?:me|us)|before (?:i|we)"
        r"(?:'d| had)?) (?:even )?finish\w*|"
        r"(?:didn't|did not|doesn't|does not|never|wouldn't|won't) (?:even )?listen|"
        r"listened|listener|(?:nobody|no one|never|didn't|did not) (?:\w+ )?told|"
        r"told (?:us|me) (?:anything|nothing|what|about|why)|records? requests?|"
        r"(?:nobody|no one|no-one|couldn't|could not|can't|cannot|wouldn't|won't) (?:\w+ ){0,4}"
        r"tell (?:me|us|him|her)|"
        r"(?:my|medical|our) records|conflicting|plain english|understandable|jargon|"
        r"went (?:over|through) (?:everything|it|my|the|every)|walked (?:me|us) through|"
        r"kept (?:us|me) (?:updated|informed|in the loop|in the dark)|let (?:me|us) know|"
        r"heads up|no idea (?:what|why|how|when)|clarif\w+|keep (?:\w+ )?(?:updated|informed)|"
        r"updates?|in the loop|in the dark|typing|(?:looked|look|looking) at me|eye contact|"
        r"repeat\w* (?:my|our|myself|the same|everything|it all)|talked (?:me|us) through|"
        r"took (?:the )?time to "
        r"(?:explain|answer|talk|listen|go)|spoke (?:to|with) (?:me|us) (?:like|as)|"
        r"information|(?:didn't|did not|couldn't|could not) understand)\b"
        r"|\b(?:(?:two|three|four|several|\d+) different (?:answers|things|stories|versions|"
        r"explanations|dates)|(?:nobody|no one|no-one)(?: \w+){0,3} knew (?:anything|what|where|"
        r"who|why|how)|no idea (?:who|where|which)|(?:could|should) have (?:been )?told|"
        r"(?:wasn't|weren't|never|not|nobody|no one) (?:\w+ )?told (?:us|me|him|her|that)|"
        r"(?:go|went|going) over (?:my|the|his|her) (?:\w+ )?results|"
        r"asked (?:me |us )?what (?:worried|concerned|mattered)|(?:nobody|no one|no-one|never) "
        r"(?:\w+ )?(?:rang|phoned|called|contacted|updated) (?:us|me|the family|my family|"
        r"my (?:wife|husband|mum|mom|dad|son|daughter))(?! back| with)|"
        r"(?:more|left (?:\w+ )?|still) confused|"
        r"talk(?:s|ed|ing)? (?:at|down to) (?:me|us|her|him|you)|"
        r"(?:every time|whenever|when) (?:i|we) asked (?:a |any |him |her |them )?(?:\w+ )?"
        r"questions?|(?:nobody|no one|no-one) said (?:a word|anything|why)|"
        r"told (?:me|us) (?:exactly |clearly |upfront |up front )?(?:how long|when (?:to|the|i|we)|"
        r"what to expect|what would happen|who(?:'d| would))|"
        r"(?:nobody|no one|never) (?:\w+ )?(?:bothered to )?mention\w*|no (?:reason|"
        r"explanation) (?:was )?given|without "
        r"(?:telling|informing|warning|asking) (?:me|us|him|her|them)|cop(?:y|ies) of (?:my|our|"
        r"his|her|the) (?:\w+ ){0,3}(?:records?|notes|results|letters?|reports?)|(?:know|knowing|"
        r"told|telling|tell|warn\w*|inform\w*) (?:\w+ ){0,2}(?:in advance|beforehand|ahead of "
        r"time)|go(?:ing)? through (?:them|it|everything|my|the)|(?:tell|telling|explain|"
        r"explaining) (?:my|the|our|his|her) (?:whole )?story)\b"
    ),
    "staff_attitude": (
        r"\b(?:rude\w*|kind(?:ly|ness|est|er)?|friendl\w+|unfriendly|polite\w*|impolite|"
        r"courteous|courtesy|respect\w*|disrespect\w*|dismissive\w*|condescend\w*|"
        r"patroni[sz]\w+|arrogant|attitude|manner\w*|caring|uncaring|compassion\w*|"
        r"empath\w+|cheerful|welcoming|(?<!would be )professional\w*|unprofessional|"
        r"judgement\w*|judgment\w*|judged|annoyed|irritated|rolled (?:her|his|their) eyes|"
        r"eye[- ]?roll\w*|laughed (?:at|about)|laughing (?:at|about)|yell\w* at|"
        r"shout\w* at (?!night)|(?:yell|shout)\w* (?:\w+ )?(?:me|us|her|him)|"
        r"snapped at|talked down|spoke down|shrugged|walked (?:off|away)|"
        r"turned (?:her|his|their) back|(?:comments?|remarks?) about (?:my|her|his)|"
        r"made (?:a )?(?:\w+ )?comments?|wasting (?:her|his|their) time|kept going|"
        r"(?:never|didn't|did not|barely|without) (?:even )?(?:look(?:ed)? up|acknowledg\w+|"
        r"say hello|said hello|introduc\w+ (?:herself|himself|themselves))|"
        r"couldn't be bothered|(?:hurried|rushed) (?:me|us)|"
        r"lectur\w+|short with|treated (?:\w+ ){0,2}like|like family|like a number|"
        r"like a criminal|angels?|(?<!be )(?<!been )(?<!more )helpful|unhelpful|supportive|"
        r"attentive|patient with|so patient|very patient|acted (?:like|annoyed)|"
        r"personal phone|brushed (?:me |us |it )?off|discriminat\w*|racis\w*|slur|deadnam\w*|"
        r"made (?:me|us) feel (?:like|stupid|dumb|small|judged|welcome|safe|comfortable|"
        r"at ease|valued|respected|heard|cared)|upsell\w*|gossip\w*|sympath\w+|approachable|"
        r"ashamed|(?:staff|nurses?) (?:\w+ ){0,2}(?:chatting|laughing|giggling)|"
        r"accommodating|bedside manner|feel (?:dumb|stupid|judged)|learn english|"
        r"being dramatic|blam\w+|curt|abrupt|arrogance|snapp\w+|huffed|tutted|sighed|"
        r"humiliat\w+|insult\w*|hostile|aggressive|bullying|belittl\w+|warm and|"
        r"put (?:me|us) at ease|judge|ignor(?:ed|ing)|nasty|grumpy|sarcas\w+|mock\w+|"
        r"scold\w+|impatient|unkind|snotty|stroppy|off-?hand|sharp with|nuisance|"
        r"told (?:me|her|him|us|my \w+) to ['\"]?(?:calm down|stop|relax|shut up|be quiet|hurry)|"
        r"(?:bothering|inconvenienc\w+) (?:her|him|them)|(?:didn't|did not|couldn't) "
        r"(?:seem to )?care|couldn't care less|heartless|treated (?:me|us|her|him|them) "
        r"(?:well|badly|poorly|with)|"
        r"nothing (?:was )?too much trouble|reassur\w+|smil\w+|chatted|"
        r"(?:cold|rude|lovely|kind|nice|friendly) (?:nurses?|staff|doctors?|receptionists?))\b|"
        r"\b(?:(?:absolute|a real|such a|a) (?:star|gem|saint|legend|credit to)|ray of sunshine|"
        r"deserves? (?:a (?:raise|medal|pay rise|award)|an award|recognition)|"
        r"did (?:their|her|his) (?:very )?best|run off (?:their|her|his) feet|"
        r"hate (?:their|her|his) jobs?|on (?:her|his|their) (?:mobile |cell |own )?phones?"
        r"(?! (?:call|number))|contempt|shout-?out to|hats off to|kudos to|"
        r"(?:knew|remembered) (?:every|each|my|our|his|her|their) (?:\w+ )?names?|"
        r"(?:no one|nobody|never|without|didn't|did not) (?:even )?(?:said sorry|say sorry|saying "
        r"sorry|apologi[sz]\w*)|"
        r"went out of (?:their|her|his) way|"
        r"made (?:it|everything|the whole thing|me|us|my \w+) (?:feel )?(?:as )?(?:\w+ )?"
        r"(?:comfortable|painless|bearable|relaxed|at ease)(?: as possible)?)\b|"
        rf"\b{_JUDGEMENT} {_STAFF}\b|\b{_STAFF}\b(?:\s+\w+){{0,3}}?\s+"
        r"(?:were|was|are|is|has been|have been)\s+"
        rf"(?:\w+ ){{0,2}}{_JUDGEMENT}\b"
    ),
    "clinical_care": (
        r"\b(?:treatment|misdiagnos\w+|wrong (?:medication|medicine|meds|pill|dose|drug|"
        r"diagnosis|leg|arm|side)|(?:pain|symptom) (?:relief|control|management|killers?)|"
        r"painkillers?|in (?:so much |severe |a lot of )?pain|screaming in pain|in agony|"
        r"thorough\w*|competen\w+|incompeten\w+|gentle|painless|(?:wash\w* (?:\w+ )?|"
        r"clean (?:\w+ )?)hands|gloves|infections?|bed ?sores|pressure sores|soiled|"
        r"nursing care|medical care|(?:excellent|good|great|poor|bad|amazing|"
        r"quality of|standard of|level of|outstanding|fantastic|wonderful|brilliant|first "
        r"class|first rate|superb|exceptional|high quality|top) (?:\w+ )?care|"
        r"care (?:was|were|is|i received|we received|given|provided)|"
        r"saved (?:my|his|her|their|our) (?:\w+ )?li(?:fe|ves)|went perfectly|"
        r"recover\w+|healed|heal(?:ing)?|cured|side effects|allerg\w+|overdose(?! of)|"
        r"missed (?:the|a|my|his|her) (?:diagnosis|fracture|break|infection|tumou?r|signs)|"
        r"caught (?:it|the|an|a)|fell(?! asleep)|falls?|dropped (?:me|him|her)|stuck me|"
        r"(?:first|second) (?:try|attempt)|bruised|(?:took|take|takes) (?:my|our|his|her) "
        r"(?:\w+ )?(?:seriously|concerns seriously)|second opinion|"
        r"(?:right|wrong) tests|hip replacement|knee replacement|"
        r"(?:medication|medicine|meds|drugs?|doses?|insulin|antibiotics?|pain relief)s? "
        r"(?:(?:was|were) (?:late|missed|wrong|never|not|forgotten|delayed|given late)|"
        r"errors?|mix[- ]?ups?)|missed (?:doses?|medication|meds)|(?:gave|given|"
        r"prescribed) (?:\w+ ){0,3}(?:wrong|instead of|twice|double|even though)|"
        rf"the (?:procedure|surgery|operation) (?:was|went)|{_JUDGEMENT} {_DOCTOR}|"
        rf"{_DOCTOR}(?: \w+){{0,2}} (?:was|is|were|are) (?:\w+ )?(?:{_JUDGEMENT}|thorough|"
        r"knowledgeable|skilled|competent|incompetent|gentle|careful|careless))\b"
        r"|\b(?:(?:caught|spotted) that|(?:now )?walking (?:without (?:a|my|his|her) "
        r"(?:stick|frame|crutch\w*))|(?:walking|running|driving|working|swimming|cycling) again|"
        r"catch(?:es|ing)? (?:things|errors|mistakes)|(?:wear|wearing|wore) (?:a |their )?masks?|"
        r"got (?:me|him|her|them) (?:\w+ )?(?:walking|moving|"
        r"back on)|(?:read|looked at) (?:my|his|her|the) (?:\w+ )?notes|didn't hurt|"
        r"(?:waits?|waited|waiting) (?:\w+ ){0,2}for (?:pain|medication|meds|painkillers|"
        r"insulin|antibiotics)|looked at (?:my|the) \w+ for)\b"
    ),
    "billing": (
        r"\b(?:bill\w*|insurance|insurer|costs?|cost me|pric\w+|(?<!in )(?<!in full )"
        r"charg\w+|fees?|copays?|co-pays?|deductible|payments?|paid|paying|statements?|"
        r"collections|out of network|in network|pre-?auth\w*|prior auth\w*|"
        r"authori[sz]ation|claims?|refund\w*|itemi[sz]ed|estimat\w+|expensive|afford\w*|"
        r"financial|charity care|discount|balance|upsell\w*|reprocess\w*|money|overcharg\w+|"
        r"invoice|coverage|covered by|medicaid|medicare|fully covered|cheap(?:er)?|for free|"
        r"free of charge|no charge|"
        r"\d+ (?:dollars|pounds|quid|bucks)|instal?lments?)\b|[$£]\s?\d"
    ),
    "facilities": (
        r"\b(?:clean(?:ed|er|est|liness)?(?! (?:\w+ )?hands)|unclean|"
        r"wiped(?! (?:\w+ ){0,3}(?:bill|debt|balance|charges?|fees?))|dirty|filthy|"
        r"spotless|grubby|dust\w*|parking|car park|garage|parking lot|park(?:ed)?(?! the)|"
        r"nois\w+|(?<!out )loudly|(?:too|so|very|really|incredibly) loud|loud (?:music|tv|"
        r"radio|snoring|alarms?|machines?|bleeping|beeping|banging)|food|meals?|cafeteria|"
        r"vending|canteen|"
        r"coffee|menu|drinks?|water fountain|(?<!warning )signs|signage|"
        r"signposted|signposting|wayfinding|got lost|get lost|elevators?|the lifts?|"
        r"lifts? (?:was|were|is|are)|(?:no|any|find a|get a|enough|spare|broken) "
        r"wheelchairs?|accessible|stairs|temperature|freezing|"
        r"boiling|too (?:hot|cold|warm)|(?:was|were|so|very|really|bit|freezing|boiling) "
        r"(?:cold|hot)|smell\w*|stank|stunk|trash|bins?|rubbish (?:on|in|everywhere)|tv|"
        r"televisions?|buildings?|facilit\w+(?! fees?)|equipment|"
        r"(?:uncomfortable|broken|hard|plastic|comfy|comfortable|enough|no|more) (?:chairs?|"
        r"seats?)|(?:chairs?|seats?) (?:was|were|is|are)|seating|benches|"
        r"walkway|shuttle|decor|lighting|hearing loop|waiting (?:room|area)s? (?:was|were|is|are|"
        r"had|has)|hallways? (?:was|were|is)|corridors? (?:was|were|is)|soap|urine|bleach|"
        r"floors?|modern|new building|environment|ward was|rooms? (?:was|were|is|are)|"
        r"single rooms?|side rooms?|crumbs|stains?|mould|mold|pests?|cockroach\w*|"
        r"mattress\w*|pillows?|blankets?|uncomfortable (?:bed|chair)s?|beds? (?:was|were|"
        r"is|are)|wet floor|grit(?:ted)?|handrails?|ramps?|chapel|(?:prayer|multi-faith|"
        r"quiet) room)\b"
    ),
    "discharge_followup": (
        r"\b(?:discharg\w+|follow[- ]?ups?|followed up|follow(?:ing)? up|(?:test|lab|blood|"
        r"scan|biopsy|x-ray|mri|ct) results|results (?:came|were|by|in|back|took|yet)|"
        r"my results|the results|check on me|checked on me|called (?:me|us) (?:the day|the "
        r"next|after|to check|herself|himself|back with)|home health|instructions|wound care|"
        r"care (?:coordination|plan)|next steps|warning signs|hear back|heard back|"
        r"aftercare|after care|sent (?:me |us |him |her )?home|transport home|"
        r"letter (?:to|for) (?:my|the) gp|gp letter|(?:take|went|going) home with|"
        r"(?:rang|called|phoned) (?:me |us )?(?:\w+ ){0,3}(?:later|afterwards) to (?:see|check|"
        r"ask)|how (?:i|he|she|we) (?:was|were) getting on|home visits?|results? letter|"
        r"(?:call|phone call|ring|rang|called|phoned) (?:\w+ ){0,3}after (?:my|the|his|her|our) "
        r"(?:op|operation|surgery|procedure|discharge)|(?:nobody|no one|never) (?:\w+ )?(?:rang|"
        r"called|phoned) (?:me |us )?(?:back )?afterwards|"
        r"(?:rang|called|phoned|visited) (?:\w+ ){0,4}(?:after|when) (?:we|i|he|she|they) "
        r"(?:got|came|went) home|(?:arranged|sorted|set up|in place) before (?:he|she|i|we|"
        r"they) (?:left|went home)|(?:prescription|referral|letter|results?) (?:\w+ ){0,2}"
        r"never (?:reached|arrived|came|got to)|(?:gp|doctor) had no idea|(?:don't|do not|"
        r"didn't|did not|never) (?:seem to )?talk to each other|care co-?ordinators?|"
        r"continuity of care|(?:rang|called|phoned) (?:me |us )?(?:\w+ ){0,3}(?:to check in|"
        r"just to check))\b"
    ),
    "digital": (
        r"\b(?:portal|mychart|apps?|website|web site|online|texts?|texted|text message\w*|"
        r"reminders?|e-?mails?|emailed|telehealth|telemedicine|virtual|video|upload\w*|"
        r"log(?:ged|s)? (?:in|me)|logging (?:in|me)|login|password|estimator|messag\w+|zoom|"
        r"internet|wifi|wi-fi|electronic|e-?check|kiosk|nhs app|web ?chat)\b"
    ),
    "privacy": (
        r"\b(?:privacy|private (?:check-in|booth|window|area|space|room to talk)|"
        r"confidential\w*|out loud|aloud|overheard|could (?:see|hear) (?:me|us|everything)|"
        r"exposed|undressed|gowns?|(?:kept|keep) (?:me|us|her|him) covered|knocked|"
        r"without (?:my|our|his|her) (?:permission|consent)|consent|hipaa|discretion|"
        r"discreet|someone else'?s|in front of (?:strangers|everyone|the whole|other|"
        r"the other|a (?:full|packed|busy)|my (?:kids|children|family|colleagues))|"
        r"medical students?|door (?:was )?(?:left )?(?:wide )?open|facebook|social media|"
        r"whiteboard|gossip\w*|employer|announced|personal (?:information|details|data)|"
        r"data (?:breach|protection)|for (?:all|everyone) to (?:see|hear)|read (?:out|aloud)|"
        r"reading out|to the (?:entire|whole) (?:bay|ward|waiting room|room|department)|"
        r"(?:drew|drawn|closed|pulled) (?:the )?curtains?|curtains? (?:drawn|closed|"
        r"pulled|open)|(?<!seen )(?<!treated )(?<!went )(?<!go )(?<!paid )(?<!someone )"
        r"privately|in private|somewhere private|out of earshot|(?:loud enough|for) (?:the "
        r"whole|the entire|everyone|everybody|all|the rest|the (?:queue|waiting room|ward|bay|"
        r"shop)) (?:\w+ )?(?:to )?hear|(?:called|shouted|yelled) (?:out )?across|"
        r"(?:until|once|while|when) (?:my|her|his|the) (?:partner|husband|wife|mum|mom|dad|"
        r"parents?) (?:had )?(?:stepped out|was out of the room|were out of the room|had left)|"
        r"(?:half[- ])?naked|students? (?:\w+ ){0,2}(?:to )?(?:watch|observe)|changing "
        r"(?:cubicles?|rooms?|areas?)|(?:others|people|everyone|other patients) (?:\w+ ){0,2}"
        r"(?:can't|cannot|can|could) (?:over)?hear|away from the "
        r"(?:queue|counter|desk|other patients|waiting room|others))\b"
    ),
}

_WEAK: dict[str, str] = {
    "access": r"\b(?:appointments?|appt|booking|booked|book|slots?|openings?|access)\b",
    "wait_time": (
        r"\b(?:wait(?:ing|s)?(?! (?:room|area))|fast|slow(?:ly)?|efficient\w*|late|"
        r"ages|hours|minutes|queue\w*)\b"
    ),
    "communication": (
        r"\b(?:questions?|answered|answers?|records?(?! room)|understood|understand|updated|"
        r"mentioned|warned|info|reply|replies|spoke|talked|talk|listen|clear|"
        r"language|notes?)\b"
    ),
    "staff_attitude": (
        r"\b(?:laugh\w*|sweet|warm|patient|helped|nice|lovely|cold|staff|front desk|"
        r"midwi(?:fe|ves)|carers?|porters?|security|healthcare assistants?)\b"
    ),
    "clinical_care": (
        r"\b(?:care|surger(?:y|ies)|surgeon|operation|procedure|pain|medications?|meds|"
        r"medicine|pills?|tablets?|doses?|prescri\w+|antibiotics?|insulin|diagnos\w+|"
        r"needles?|veins?|numb(?:ing|ed)?|anesthe\w+|anaesthe\w+|x-?rays?|scans?|exam|"
        r"examined|examination|symptoms|tests?|stitches|wound|dressings?|physio\w*|"
        r"physical therapy|rehab\w*|chemo\w*|biopsy|blood pressure|injections?|jabs?|"
        r"vaccin\w+|drilling|crown|fillings?|surgeon|nursing|treated|ward|"
        r"bloods|blood test|cannula|catheter|epidural|labour|labor|delivery|birth)\b"
    ),
    "billing": r"\b(?:pay|cost|(?<!-)free)\b",
    "facilities": (
        r"\b(?:rooms?|beds?|waiting (?:room|area)|hallway|corridor|cold|hot|quiet|bathrooms?|"
        r"toilets?|showers?|"
        r"comfortable|uncomfortable|lot|bay|bays|cubicle|clean|space|cramped|"
        r"crowded|busy)\b"
    ),
    "discharge_followup": (
        r"\b(?:results?|prescription (?:was|wasn't|never|ready)|at home|went home|"
        r"going home|referral|sent to|picked up|after (?:my|the|his|her) (?:surgery|"
        r"procedure|visit|operation|stay)|post-op|letter|gp)\b"
    ),
    "digital": r"\b(?:my chart|the system|systems?|computer|screen|link)\b",
    "privacy": (
        r"\b(?:dignity|curtains?|mailed|address|private|overhear|everyone could|"
        r"announced|shared)\b"
    ),
}

# All twenty cue patterns are matched together (fastre.PatternSet): strong ones first.
_CUE_SET = PatternSet([_STRONG[t] for t in THEMES] + [_WEAK[t] for t in THEMES])

# Spanish cues, so Spanish survey answers are routed too.
_SPANISH: dict[str, re.Pattern[str]] = {
    "wait_time": re.compile(
        r"\b(?:esper\w+|tard\w+|demora|rápid\w+|lent\w+|a la hora|puntual\w*)\b"
    ),
    "communication": re.compile(
        r"\b(?:explic\w+|información|informaron|intérprete|"
        r"escuch\w+|avis\w+|nadie (?:nos |me |le )?dijo|en español|traduc\w+)\b"
    ),
    "staff_attitude": re.compile(
        r"\b(?:amable\w*|groser\w+|trato|respeto|atent\w+|(?:muy )?paciente con|cariños\w*)\b"
    ),
    "clinical_care": re.compile(
        r"\b(?:atención médica|tratamiento|medicamento\w*|dolor|"
        r"diagnóstico|cirugía)\b"
    ),
    "billing": re.compile(r"\b(?:factura\w*|cobr\w+|seguro|precio\w*|costo\w*|pago)\b"),
    "facilities": re.compile(
        r"\b(?:limpi\w+|suci\w+|estacionamiento|comida|baño\w*|"
        r"sala)\b"
    ),
    "access": re.compile(r"\b(?:cita\w*|teléfono|horario\w*|registr\w+)\b"),
}

# Ambiguous cues, kept only in the right context: temperature words about a screen or a
# call ("the video kept freezing") are no facilities cue.
_TEMPERATURE = re.compile(r"freezing|boiling|cold|hot|froze")
_DIGITAL_NEAR = re.compile(
    r"\b(?:video|call|screen|app|portal|computer|zoom|stream\w*|connection|link|"
    r"website|laptop|teams|wifi|internet)\b"
)


def _in_context(theme: str, cue: str, text: str, start: int, end: int) -> bool:
    if theme == "facilities" and _TEMPERATURE.fullmatch(cue.split()[-1]):
        near = text[max(0, start - 40) : end + 25]
        return not _DIGITAL_NEAR.search(near)
    return True


Span = tuple[int, int, str]
# (start, end, evaluative) for each clause; a weak cue needs an evaluative clause.
Clause = tuple[int, int, bool]


def _spans(pattern: re.Pattern[str], text: str) -> list[Span]:
    return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


def find_themes(
    text: str,
    language: str = "en",
    clauses: Sequence[Clause] | None = None,
    starts: Starts | None = None,
) -> dict[str, list[Span]]:
    """Theme -> list of (start, end, cue) for the cues that mark it in the normalised text.

    `clauses` are the clause boundaries with whether each carries an evaluation; without
    them the whole text is one evaluative clause.
    """
    if language == "es":
        found = {t: _spans(p, text) for t, p in _SPANISH.items()}
        return {t: found[t] for t in THEMES if found.get(t)}
    starts = text_starts(text) if starts is None else starts
    matches = _CUE_SET.scan(text, starts)
    n = len(THEMES)
    strong = {
        t: [
            (m.start(), m.end(), m.group(0))
            for m in matches[i]
            if _in_context(t, m.group(0), text, m.start(), m.end())
        ]
        for i, t in enumerate(THEMES)
    }
    bounds = list(clauses) if clauses is not None else [(0, len(text), True)]
    found: dict[str, list[Span]] = {t: list(s) for t, s in strong.items() if s}
    if not any(c[2] for c in bounds):
        return {t: found[t] for t in THEMES if t in found}
    for i, theme in enumerate(THEMES):
        for m in matches[n + i]:
            span = (m.start(), m.end(), m.group(0))
            if not _in_context(theme, span[2], text, span[0], span[1]):
                continue
            clause = next((c for c in bounds if c[0] <= span[0] < c[1]), None)
            if clause is None or not clause[2]:
                continue
            start, end = clause[0], clause[1]
            rival = any(
                other != theme and any(start <= s < end for s, _, _ in spans)
                for other, spans in strong.items()
            )
            if not rival:
                found.setdefault(theme, []).append(span)
    return {t: found[t] for t in THEMES if t in found}
