"""analyze(): the pipeline that turns one comment (and its survey question) into an Analysis."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from feedback.analysis.fastre import Starts, compile_fast
from feedback.analysis.language import detect, foreign_is_mixed, foreign_polarity
from feedback.analysis.lexicon import polarity_table, vocabulary
from feedback.analysis.model import (
    LABELS,
    RuleSignals,
    decide,
    features,
    logit,
    sigmoid,
    signals_from,
    theme_scores,
    top_terms,
    weights,
    word_features,
)
from feedback.analysis.sentiment import ClauseScore, score
from feedback.analysis.text import prepare
from feedback.analysis.themes import THEMES, find_themes
from feedback.analysis.urgency import urgent_events

ANALYZER_VERSION = "hybrid-4.9"
# The rules' note for a comment that only suggests something (sentiment.py).
SUGGESTION_ONLY = "suggestion without complaint -> neutral"
# Reason code when only the learned word model (not a rule) flags a safety event.
MODEL_URGENT = "possible_safety_event"
# A clause at least this clear counts as an evaluation, so topic nouns in it mark themes.
EVALUATIVE = 0.1
LONG_COMMENT_WORDS = 80

# Answers that say nothing at all ("N/A", "-", "no comment").
_NON_ANSWER = compile_fast(
    r"^\s*(?:n/?a|na|nil|none|-+|\.+|\?+|x|no comments?|not applicable|nothing to (?:add|say|"
    r"report)|no|nope|nothing|nothing really|not really|no thanks|none at all|nothing at all|"
    r"can'?t think of anything|cannot think of anything|not that i can think of|"
    r"i don'?t think so|nothing comes to mind|n\.a\.)\s*[.!]*\s*$",
    re.I,
)
# Openings that answer "what could we improve?" with "nothing".
_NOTHING_TO_IMPROVE = compile_fast(
    r"^\s*(?:nothing|none|(?:no|nope)(?=\s*(?:[.,!;:-]|$)|\s+(?:nothing|not|i|it|everything|all|"
    r"thanks?|thank|really|none|improvements?|complaints?|changes?|problems?|issues?)\b)|"
    r"not a thing|can'?t think|"
    r"cannot think|couldn'?t think|no changes?|no problems?|no issues?|no thanks?|"
    r"i can'?t think|i cannot think|i don'?t think|i do not think|not really|nothing really|"
    r"not for me|no improvements?|all good|everything was|it was all|keep doing|"
    r"carry on|can'?t fault|couldn'?t fault|cannot fault|no complaints?|faultless|"
    r"there is nothing|there was nothing|there'?s nothing|absolutely nothing|not a (?:single )?"
    r"thing|definitely not|certainly not|not at all|you couldn'?t|you could not|"
    r"couldn'?t (?:ask|wish)|could not (?:ask|wish)|can'?t (?:ask|wish)|it was (?:all )?"
    r"(?:great|perfect|excellent|fine|good)|everyone was|all (?:fine|perfect|great|excellent)|"
    r"perfect|excellent|brilliant|fantastic|happy with|very happy|satisfied|n/?a\b|"
    r"(?:honestly|really|genuinely|absolutely|literally|just) nothing|couldn'?t (?:have|do|be)|"
    r"could not (?:have|do|be)|keep up|keep it up|just (?:continue|keep)|continue)\b",
    re.I,
)
# An answer to "what could we improve?" that asks for something: a modal, a comparative, an
# imperative opening ("Make the wait shorter", "Clean the showers"). Praise around it is the
# polite frame of a criticism ("Great staff, more nurses at night would be better").
_ASKS = compile_fast(
    r"\b(?:could|would|should|shouldn'?t|need(?:s|ed)?|needing|more(?! than)|less|fewer|better|"
    r"improve\w*|wish|if only|not enough|lack\w*|too(?! much trouble)|instead|rather|please|"
    r"maybe|perhaps|"
    r"sometimes|at times|occasionally|a bit|a little|bit more|only (?:thing|issue|problem|"
    r"complaint|criticism|negative)|shame|unfortunately|except|apart from|other than|"
    r"although|though|(?<!nothing )(?<!anything )(?<!all )but|however|struggl\w+|difficult|"
    r"hard to|waiting|wait)\b"
    r"|^\s*(?:make|keep|clean|have|provide|give|get|stop|allow|let|ensure|put|try|listen|be|"
    r"employ|hire|recruit|increase|reduce|offer|update|change|check|bring|add|fix|turn|speed|"
    r"tell|inform|explain|communicate|answer|respond|train|pay|open|reply|include|introduce|"
    r"avoid|consider|look|find|use|don'?t|do not|more|less|fewer|better|faster|quicker|"
    r"shorter|longer|bigger|cleaner|quieter|warmer|cooler|lower|higher)\b",
    re.I,
)
_SUGGESTION = compile_fast(
    r"\b(?:could (?:be|have been|do with) (?:\w+ )?(?:more|better|improved|quicker|faster|"
    r"less)|would (?:be|have been) (?:\w+ )?(?:better|nice|nicer|helpful|useful|good|great|"
    r"appreciated)|should (?:be|have)|needs? (?:to|more|improving)|wish (?:it|there|they|i)|"
    r"shame (?:it|that|the)|if only|only (?:thing|issue|problem|complaint|criticism)|"
    r"could benefit|would (?:really )?help|would rather|everything else|otherwise)\b",
    re.I,
)
# A comment that opens by offering an idea rather than reporting what went wrong.
_POLITE_ASK = re.compile(
    r"\s*(?:suggestion\b|(?:i|we|my|our) (?:would )?suggest|could (?:you|the|we|they|there|"
    r"someone|somebody)\b|can (?:the|we|there|someone)\b|would it be possible|please (?:could|"
    r"can|would|consider)\b|maybe\b|perhaps\b|it would be (?:nice|good|great|helpful|handy|"
    r"useful)\b|(?:it )?would be (?:nice|good|great|helpful|handy|useful) (?:if|to)\b)",
    re.I,
)
_NO_ASK = compile_fast(
    r"\b(?:couldn'?t|could not|can'?t|cannot|wouldn'?t|would not|nothing|not|don'?t think|"
    r"do not think)\b[^.!?]{0,30}"
    r"\b(?:better|improve\w*|more|fault|wish|ask)\b",
    re.I,
)
_IMPROVE_Q = re.compile(
    r"improv|better|change|differently|wrong|suggest|dislike|least|"
    r"problem|could we|should we|mejorar",
    re.I,
)
_PRAISE_Q = re.compile(
    r"\b(?:good|well|like|liked|best|enjoy|positive|great|happy)\b|"
    r"bien|bueno",
    re.I,
)


@dataclass(frozen=True, slots=True)
class ThemeResult:
    theme: str
    sentiment: str


@dataclass(frozen=True, slots=True)
class Analysis:
    sentiment: str
    polarity: float
    language: str
    themes: tuple[ThemeResult, ...]
    urgent: bool
    urgent_reasons: tuple[str, ...]
    analyzer: str
    explanation: tuple[str, ...]

    def to_contract(self, id: str | None) -> dict[str, Any]:
        """The DESIGN §4 JSON object, keys in contract order, explanation last."""
        return {
            "id": id,
            "sentiment": self.sentiment,
            "polarity": self.polarity,
            "language": self.language,
            "themes": [{"theme": t.theme, "sentiment": t.sentiment} for t in self.themes],
            "urgent": self.urgent,
            "urgent_reasons": list(self.urgent_reasons),
            "analyzer": self.analyzer,
            "explanation": list(self.explanation),
        }


def question_kind(question: str | None) -> str | None:
    """ "improve" for "what could we do better?", "praise" for "what was good?", else None."""
    if not question or not question.strip():
        return None
    if _IMPROVE_Q.search(question):
        return "improve"
    if _PRAISE_Q.search(question):
        return "praise"
    return None


def _label(polarity: float) -> str:
    return "positive" if polarity > 0.02 else "negative" if polarity < -0.02 else "neutral"


@dataclass(slots=True)
class RuleRun:
    """The rule engine's result for one comment, before the learned layer."""

    text: str
    starts: Starts
    language: str
    kind: str | None
    sentiment: str
    polarity: float
    clauses: tuple[ClauseScore, ...]
    codes: tuple[str, ...]
    evidence: tuple[str, ...]
    explanation: list[str]
    found_themes: dict[str, list[tuple[int, int, str]]]

    @property
    def rule_themes(self) -> tuple[str, ...]:
        return tuple(self.found_themes)

    def signals(self) -> RuleSignals:
        return signals_from(
            self.sentiment,
            self.polarity,
            (c.score for c in self.clauses),
            (r for c in self.clauses for r in c.reasons),
            self.kind,
            bool(self.codes),
            self.rule_themes,
            SUGGESTION_ONLY in self.explanation,
            len(self.text.split()) <= 15 and not _NOT_PLAIN.search(self.text),
            information_question(self.text),
        )

    def nothing_to_improve(self) -> bool:
        return bool(_NOTHING_TO_IMPROVE.match(self.text))


# Words that make a sentence more than a plain statement of fact (a denial, a contrast, a
# concession, a question): such a comment is never kept neutral against the word model.
_NOT_PLAIN = re.compile(
    r"\b(?:no|not|never|nobody|none|nothing|without|but|though|although|even|still|yet|"
    r"only|again|instead|wrong|why|how)\b|n't\b|\?|!"
)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_COMPLAINING_QUESTION = re.compile(
    r"\b(?:why|how come|what is the point|what's the point|seriously|really|again|ever going|"
    r"no|not|never|nobody|no one|nothing)\b|n't\b"
)


def information_question(text: str) -> bool:
    """The comment asks something, and nothing in it asks "why" or denies anything.

    The sentences around the question may tell the facts it is about ("My husband was brought
    in this morning. Which ward is he on?"); that they carry no evaluation is checked where
    this signal is used."""
    if "?" not in text:
        return False
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    return any(s.endswith("?") for s in sentences) and not _COMPLAINING_QUESTION.search(text)


def run_rules(text: str, question: str | None = None) -> RuleRun | None:
    """The rule pipeline (heuristic-2.3); None for a non-answer."""
    text = text if isinstance(text, str) else ""
    kind = question_kind(question)
    explanation: list[str] = []
    if not text.strip() or _NON_ANSWER.match(text):
        return None
    language = detect(text)
    prep = prepare(text)
    explanation.extend(f'typo: "{a}" -> "{b}"' for a, b in prep.repairs)
    codes, evidence, events = urgent_events(prep.text, prep.starts)
    if language not in ("en", "und"):
        polarity, reasons = foreign_polarity(prep.text, language)
        explanation.append(f"language: {language} (scored with the {language} word list)")
        explanation.extend(reasons)
        sentiment = _label(polarity)
        if foreign_is_mixed(reasons):
            sentiment = "mixed"
            explanation.append(f"clear praise and clear criticism ({language}) -> mixed")
        clauses: tuple[ClauseScore, ...] = ()
        if codes and sentiment in ("positive", "neutral"):
            # As in English: a safety event is never praise, nor a plain fact.
            sentiment = "mixed" if sentiment == "positive" else "negative"
            polarity = min(polarity, -0.3) if sentiment == "negative" else polarity
            explanation.append(f"urgent event -> {sentiment}")
    else:
        scored = score(prep, alarming=bool(codes))
        polarity, sentiment, clauses = scored.polarity, scored.label, scored.clauses
        for clause in clauses:
            explanation.extend(clause.reasons)
        explanation.extend(scored.reasons)
        if codes:
            sentiment, polarity = _urgent_floor(clauses, sentiment, polarity, explanation)
    sentiment, polarity = _apply_question(prep.text, kind, sentiment, polarity, explanation)
    bounds = (
        [(c.chunk.start, c.chunk.end, abs(c.score) >= EVALUATIVE) for c in clauses]
        if clauses
        else None
    )
    found = find_themes(prep.text, language, bounds, prep.starts)
    if events:
        found = _urgent_themes(found, events, clauses, explanation)
    return RuleRun(
        prep.text,
        prep.starts,
        language,
        kind,
        sentiment,
        polarity,
        clauses,
        tuple(codes),
        tuple(evidence),
        explanation,
        found,
    )


# The theme an urgent event is about (clinical safety, confidentiality, conduct of staff).
_URGENT_THEME = {
    "medication_error": "clinical_care",
    "fall": "clinical_care",
    "severe_pain_untreated": "clinical_care",
    "misdiagnosis_harm": "clinical_care",
    "infection_control": "clinical_care",
    "neglect": "clinical_care",
    "patient_safety": "clinical_care",
    "privacy_breach": "privacy",
    "abuse": "staff_attitude",
    "discrimination": "staff_attitude",
}


# A hazard of the building is a facilities complaint even where it caused the fall.
_BUILDING_HAZARD = re.compile(r"wet floor|grit(?:ted)?|handrails?|ramps?")


def _urgent_themes(
    found: dict[str, list[tuple[int, int, str]]],
    events: tuple[tuple[int, int, str], ...],
    clauses: tuple[ClauseScore, ...],
    explanation: list[str],
) -> dict[str, list[tuple[int, int, str]]]:
    """An urgent event marks the theme it is about; the places and objects inside it (the
    bathroom floor, the commode, the waiting room where a diagnosis was read out, "sent
    home") are its setting, not a facilities or discharge complaint, unless the building
    itself was the hazard (a wet floor, ungritted steps)."""
    found = {t: list(s) for t, s in found.items()}

    def clause_of(position: int) -> tuple[int, int]:
        for c in clauses:
            if c.chunk.start <= position < c.chunk.end:
                return c.chunk.start, c.chunk.end
        return position, position + 1

    for start, end, code in events:
        theme = _URGENT_THEME.get(code)
        if theme and theme not in found:
            found[theme] = [(start, end, f"urgent {code}")]
            explanation.append(f"urgent {code} -> theme {theme}")
        lo, hi = clause_of(start)
        lo, hi = min(lo, start), max(hi, end)
        for other, limit in (("facilities", (lo, hi)), ("discharge_followup", (start, end))):
            spans = found.get(other)
            if spans and other != theme:
                kept = [
                    s
                    for s in spans
                    if not limit[0] <= s[0] < limit[1] or _BUILDING_HAZARD.fullmatch(s[2])
                ]
                if kept:
                    found[other] = kept
                else:
                    del found[other]
                    explanation.append(f"theme {other}: only the setting of an urgent event")
    return found


def _term(name: str) -> str:
    return name if name.startswith("<") else f'"{name}"'


def warm_up() -> None:
    """Load the lexicons and the weights now rather than inside the first comment's analysis.

    They load lazily (about 0.6 s: TextBlob's import, its two lexicon files, the weights
    module); a server calls this at start-up so the first patient after a restart does not
    wait for it, nor does every request queued behind that one on the event loop.
    """
    polarity_table()
    vocabulary()
    weights()
    analyze("The nurse was kind, but I waited three hours.", "What could we improve?")


def analyze(text: str, question: str | None = None) -> Analysis:
    """Sentiment, themes, urgency and language of one patient comment, with explanations."""
    run = run_rules(text, question)
    if run is None:
        return _non_answer(text if isinstance(text, str) else "", question_kind(question))
    explanation = run.explanation
    sentiment, polarity, codes = run.sentiment, run.polarity, run.codes
    model = weights()
    feats: dict[str, float] | None = None
    if run.language in ("en", "und") and model.stack:
        signals = run.signals()
        words = word_features(run.text, run.kind)
        decision = decide(words, signals, run.nothing_to_improve(), model)
        label, probs, lexical = decision.label, decision.probs, decision.lexical
        polarity = decision.polarity
        if decision.urgent_p >= model.urgent_threshold:
            codes = (*codes, MODEL_URGENT)
            terms = ", ".join(
                f"{_term(n)} ({v:+.2f})" for n, v in top_terms(words, model.urgent, positive=True)
            )
            explanation.append(f"model urgent {MODEL_URGENT} (p={decision.urgent_p:.2f}): {terms}")
            if not set(_URGENT_THEME.values()) & set(run.found_themes):
                # A safety event the rules did not name is routed as clinical care.
                run.found_themes["clinical_care"] = []
                explanation.append(f"urgent {MODEL_URGENT} -> theme clinical_care")
        best = LABELS.index(label)
        terms = ", ".join(f"{_term(n)} ({v:+.2f})" for n, v in decision.terms)
        explanation.append(
            f"model: {label} (p={probs[best]:.2f}; rules said {sentiment}); "
            f"words lean {'positive' if lexical > 0 else 'negative'} ({lexical:+.2f}): {terms}"
        )
        explanation.extend(decision.notes)
        sentiment = label
        if model.themes:
            feats = features(words, signals, pairs=True)
    explanation.extend(run.evidence)
    themes = _themes(run, sentiment, explanation, feats, model)
    return Analysis(
        sentiment,
        round(polarity, 3),
        run.language,
        themes,
        bool(codes),
        codes,
        ANALYZER_VERSION,
        tuple(explanation),
    )


def _non_answer(text: str, kind: str | None) -> Analysis:
    said = text.strip()
    nothing = bool(said) and said.lower().strip(" .!") not in {"-", "n/a", "na", "x", "?", ""}
    if kind == "improve" and nothing:
        sentiment, polarity = "positive", 0.5
        note = f'question context: "{said}" to "what could we improve?" -> positive'
    else:
        sentiment, polarity = "neutral", 0.0
        note = f'non-answer: "{said}" -> neutral' if said else "empty comment -> neutral"
    language = (
        "en" if any(ch.isalpha() for ch in said) and said.lower() not in {"n/a", "na"} else "und"
    )
    return Analysis(sentiment, polarity, language, (), False, (), ANALYZER_VERSION, (note,))


def _urgent_floor(
    clauses: tuple[ClauseScore, ...], sentiment: str, polarity: float, explanation: list[str]
) -> tuple[str, float]:
    """A safety event is never praise: it makes the comment negative, or mixed at best."""
    praise = sum(c.score for c in clauses if c.score > 0)
    if sentiment == "positive" or (sentiment == "mixed" and praise < 0.6):
        sentiment = "mixed" if praise >= 0.6 and sentiment == "positive" else "negative"
    elif sentiment == "neutral":
        sentiment = "negative"
    else:
        return sentiment, polarity
    explanation.append(f"urgent event -> {sentiment}")
    return sentiment, min(polarity, -0.3) if sentiment == "negative" else polarity


def _apply_question(
    text: str, kind: str | None, sentiment: str, polarity: float, explanation: list[str]
) -> tuple[str, float]:
    if kind == "improve":
        if _NOTHING_TO_IMPROVE.match(text) and sentiment != "negative":
            explanation.append('question context: "nothing to improve" -> positive')
            return "positive", max(polarity, 0.5)
        if sentiment == "neutral" and SUGGESTION_ONLY in explanation and _POLITE_ASK.match(text):
            # "Could the letters come in large print?" offers an idea and reports no failure:
            # the labelling guide's suggestion without complaint, whatever the question.
            explanation.append("question context: a polite suggestion stays neutral")
            return "neutral", min(polarity, -0.1)
        if sentiment == "neutral":
            # Any other concrete answer to "what could we improve?" is a criticism.
            explanation.append("question context: suggestion to an improve question -> negative")
            return "negative", -0.3
        if sentiment in ("positive", "mixed") and _ASKS.search(text) and not _NO_ASK.search(text):
            # Praise wrapped around a request is still the answer to "what could be better".
            sentiment = "mixed" if sentiment == "mixed" or polarity >= 0.6 else "negative"
            explanation.append(
                f"question context: a request to an improve question -> "
                f"{sentiment}, leaning negative"
            )
            return sentiment, min(-0.2, -abs(polarity) / 2)
    if (
        kind is None
        and sentiment in ("mixed", "positive")
        and polarity > 0
        and _SUGGESTION.search(text)
        and not _NO_ASK.search(text)
    ):
        # Praise plus a request for something better: the request is the point of the comment.
        explanation.append("praise with a request for improvement -> mixed, leaning negative")
        return "mixed", -polarity / 2
    if kind == "praise" and sentiment == "neutral" and polarity >= 0:
        explanation.append("question context: answer to a what-was-good question -> positive")
        return "positive", 0.3
    return sentiment, polarity


def _themes(
    run: RuleRun,
    overall: str,
    explanation: list[str],
    feats: dict[str, float] | None,
    model: Any,
) -> tuple[ThemeResult, ...]:
    clauses = run.clauses
    chosen: dict[str, list[tuple[int, int, str]]] = dict(run.found_themes)
    if feats is not None and model.themes:
        scores = theme_scores(feats, model.theme, len(model.themes))
        add, drop = logit(model.theme_add), logit(model.theme_drop)
        for theme, value in zip(model.themes, scores, strict=True):
            if value >= add and theme not in chosen:
                p = sigmoid(value)
                i = model.themes.index(theme)
                terms = ", ".join(
                    f"{_term(n)} ({v:+.2f})" for n, v in _theme_terms(feats, model.theme, i)
                )
                explanation.append(f"model adds theme {theme} (p={p:.2f}): {terms}")
                chosen[theme] = []
            elif value < drop and theme in chosen and not long_comment(run.text):
                explanation.append(f"model drops theme {theme} (p={sigmoid(value):.2f})")
                del chosen[theme]
    results = []
    for theme, spans in chosen.items():
        local = [
            c.score
            for c in clauses
            if any(c.chunk.start <= start < c.chunk.end for start, _, _ in spans)
        ]
        total = sum(local)
        if abs(total) >= 0.1:
            sentiment = _label(total)
        elif overall in ("positive", "negative"):
            sentiment = overall
        else:
            sentiment = "neutral"
        if spans:
            cues = ", ".join(sorted({cue for _, _, cue in spans})[:4])
            explanation.append(f'theme {theme}: "{cues}" -> {sentiment}')
        results.append(ThemeResult(theme, sentiment))
    order = {theme: i for i, theme in enumerate(THEMES)}
    return tuple(sorted(results, key=lambda r: order[r.theme]))


def long_comment(text: str) -> bool:
    """In a long review one sentence's topic is a small share of the words: the theme
    model's doubt about a theme the rules found there is no evidence against it."""
    return len(text.split()) > LONG_COMMENT_WORDS


def _theme_terms(
    feats: dict[str, float], table: dict[str, tuple[float, ...]], index: int
) -> list[tuple[str, float]]:
    contributions = [
        (name, table[name][index] * value)
        for name, value in feats.items()
        if name in table and name != "<bias>" and table[name][index] > 0
    ]
    contributions.sort(key=lambda item: (-item[1], item[0]))
    return contributions[:3]
