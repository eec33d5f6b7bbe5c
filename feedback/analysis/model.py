"""The learned layer on top of the rules: features, linear models, and how they combine.

Everything here is pure Python and deterministic. The weights are trained offline by
`bench/train_sentiment.py` and stored in `model_weights.py` (a JSON text inside a module, so
it ships with the package). At call time a comment's features are the words of the
normalised text (lower case, typos repaired; unigrams and bigrams, a word after a negator in
the same clause marked "not_"), plus the rule engine's own signals: its label, polarity,
clause masses, phrase-rule hits, theme cues, urgency and the survey question kind.

Sentiment: one softmax regression over the four labels. Themes: one logistic regression per
theme. Both are linear, so the explanation can name the terms that pushed the decision.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from feedback.analysis.lexicon import NEGATORS

LABELS = ("positive", "negative", "neutral", "mixed")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[!?]")
_BREAK = re.compile(r"[.;:,\n]+|\s-+\s|\b(?:but|however|although|though|except|yet)\b")
_NEG_SPAN = 3
_WORD_REASONS = ("word:", "negation:", "sarcasm:", "emoji:")


@dataclass(frozen=True, slots=True)
class RuleSignals:
    """What the rule engine found, as the learned layer sees it."""

    label: str
    polarity: float
    pos_mass: float
    neg_mass: float
    rule_pos: int
    rule_neg: int
    kind: str | None
    urgent: bool
    themes: tuple[str, ...]
    suggestion: bool = False  # the rules found only a suggestion, no complaint
    plain: bool = False  # short, and no negator or contrast word: a statement of fact
    question: bool = False  # only questions asking for information (no "why", no denial)


def signals_from(
    label: str,
    polarity: float,
    clause_scores: Iterable[float],
    reasons: Iterable[str],
    kind: str | None,
    urgent: bool,
    themes: Iterable[str],
    suggestion: bool = False,
    plain: bool = False,
    question: bool = False,
) -> RuleSignals:
    scores = list(clause_scores)
    rule_pos = rule_neg = 0
    for reason in reasons:
        # Phrase rules end in a signed value: 'never received: "…" (-0.60)'.
        if reason[-1] != ")" or reason.startswith(_WORD_REASONS):
            continue
        sign = reason[reason.rfind("(") + 1]
        rule_pos += sign == "+" and not reason.endswith("(+0.00)")
        rule_neg += sign == "-" and not reason.endswith("(-0.00)")
    return RuleSignals(
        label,
        polarity,
        sum(s for s in scores if s > 0),
        -sum(s for s in scores if s < 0),
        rule_pos,
        rule_neg,
        kind,
        urgent,
        tuple(themes),
        suggestion,
        plain,
        question,
    )


def tokens(text: str) -> list[str]:
    """Unigrams (negation-marked within a clause) and bigrams of a normalised comment."""
    out: list[str] = []
    for clause in _BREAK.split(text):
        words = _TOKEN.findall(clause)
        if not words:
            continue
        negate = 0
        for word in words:
            if negate:
                out.append("not_" + word)
                negate -= 1
            else:
                out.append(word)
            if word in NEGATORS or word.endswith("n't"):
                negate = _NEG_SPAN
        out.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    return out


def word_features(text: str, kind: str | None) -> dict[str, float]:
    """The lexical model's features: words and bigrams (binary) and the question kind."""
    feats: dict[str, float] = dict.fromkeys(tokens(text), 1.0)
    feats["<bias>"] = 1.0
    feats[f"<question:{kind or 'none'}>"] = 1.0
    return feats


STACK = (
    "<bias>",
    "<lexical>",
    "<rule:positive>",
    "<rule:negative>",
    "<rule:neutral>",
    "<rule:mixed>",
    "<rule polarity>",
    "<praise mass>",
    "<criticism mass>",
    "<both clear>",
    "<praise rules>",
    "<complaint rules>",
    "<question:improve>",
    "<question:praise>",
    "<urgent>",
    "<lexical x improve>",
    "<question:none>",
    "<rule:neutral, no question>",
    "<rule:mixed, no question>",
    "<suggestion only>",
)


def stack_features(lexical: float, rules: RuleSignals) -> list[float]:
    """The combiner's dense inputs: the lexical model's logit and the rule engine's signals."""
    z = max(-3.0, min(3.0, lexical / 2))
    return [
        1.0,
        z,
        float(rules.label == "positive"),
        float(rules.label == "negative"),
        float(rules.label == "neutral"),
        float(rules.label == "mixed"),
        rules.polarity,
        min(rules.pos_mass, 2.0),
        min(rules.neg_mass, 2.0),
        float(rules.pos_mass >= 0.3 and rules.neg_mass >= 0.3),
        min(rules.rule_pos, 3) / 3,
        min(rules.rule_neg, 3) / 3,
        float(rules.kind == "improve"),
        float(rules.kind == "praise"),
        float(rules.urgent),
        z * (rules.kind == "improve"),
        float(rules.kind is None),
        float(rules.kind is None and rules.label == "neutral"),
        float(rules.kind is None and rules.label == "mixed"),
        float(rules.suggestion),
    ]


def linear(feats: dict[str, float], table: dict[str, float]) -> float:
    """Weighted sum; word features are all 1.0, so most terms are a plain look-up."""
    return sum(filter(None, map(table.get, feats))) + sum(
        table.get(name, 0.0) * (value - 1.0) for name, value in feats.items() if value != 1.0
    )


def stack_scores(dense: list[float], table: list[list[float]]) -> list[float]:
    """table[c] are class c's weights over STACK."""
    return [sum(map(operator.mul, row, dense)) for row in table]


def features(words: dict[str, float], rules: RuleSignals, pairs: bool = False) -> dict[str, float]:
    """The theme models' features: the single words (word pairs gave no better theme F1 on
    the unseen sets and cost 7% of a comment's time) plus the rule signals (about -1..1).

    `pairs=True` keeps the word pairs in: the trained models have no weight for them, so
    scoring gives the same result without the cost of filtering them out."""
    feats = dict(words) if pairs else {name: v for name, v in words.items() if " " not in name}
    feats[f"<rule:{rules.label}>"] = 1.0
    feats["<rule polarity>"] = rules.polarity
    feats["<praise mass>"] = min(rules.pos_mass, 2.0)
    feats["<criticism mass>"] = min(rules.neg_mass, 2.0)
    feats["<praise rules>"] = min(rules.rule_pos, 3) / 3
    feats["<complaint rules>"] = min(rules.rule_neg, 3) / 3
    if rules.pos_mass >= 0.3 and rules.neg_mass >= 0.3:
        feats["<both clear>"] = 1.0
    if rules.urgent:
        feats["<urgent>"] = 1.0
    for theme in rules.themes:
        feats[f"<cue:{theme}>"] = 1.0
    return feats


@dataclass(frozen=True, slots=True)
class Weights:
    """Lexical term -> weight; combiner weights per label; feature -> per-theme weights."""

    lexical: dict[str, float]
    stack: list[list[float]]
    themes: tuple[str, ...]
    theme: dict[str, tuple[float, ...]]
    theme_add: float
    theme_drop: float
    urgent: dict[str, float] = field(default_factory=dict)
    urgent_threshold: float = 1.01


def load(data: str) -> Weights:
    raw = json.loads(data)
    return Weights(
        raw["lexical"],
        _stack(raw["stack"]),
        tuple(raw["themes"]),
        {k: _dense(v, len(raw["themes"])) for k, v in raw["theme"].items()},
        float(raw.get("theme_add", 0.5)),
        float(raw.get("theme_drop", 0.0)),
        raw.get("urgent", {}),
        float(raw.get("urgent_threshold", 1.01)),
    )


def _stack(table: dict[str, list[float]] | list[list[float]]) -> list[list[float]]:
    """Feature -> per-label weights, as per-label rows over STACK (empty: no model)."""
    if not table or isinstance(table, list):
        return list(table)
    return [[table.get(name, [0.0] * len(LABELS))[c] for name in STACK] for c in range(len(LABELS))]


def _dense(row: dict[str, float] | list[float], n: int) -> tuple[float, ...]:
    if isinstance(row, list):
        return tuple(row)
    dense = [0.0] * n
    for i, x in row.items():
        dense[int(i)] = x
    return tuple(dense)


@lru_cache(maxsize=1)
def weights() -> Weights:
    from feedback.analysis.model_weights import WEIGHTS

    return load(WEIGHTS)


def softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def theme_scores(
    feats: dict[str, float], table: dict[str, tuple[float, ...]], n: int
) -> list[float]:
    """Each theme's linear score. Most features are 1.0, so their rows are summed column by
    column in one pass (zip and sum run in C); the few others are scaled first."""
    get = table.get
    rows = []
    for name, value in feats.items():
        row = get(name)
        if row is not None:
            rows.append(row if value == 1.0 else tuple(w * value for w in row))
    if not rows:
        return [0.0] * n
    return [sum(column) for column in zip(*rows, strict=True)]


@lru_cache(maxsize=16)
def logit(p: float) -> float:
    """The score at which sigmoid reaches p (thresholds compared on scores, not
    probabilities, spare an exp per theme per comment)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -60 else 0.0


def top_terms(
    feats: dict[str, float], table: dict[str, float], k: int = 3, positive: bool = False
) -> list[tuple[str, float]]:
    """The terms that moved a word model most (largest absolute, or positive, contributions)."""
    get = table.get
    contributions = [
        (name, w * feats[name])
        for name, w in zip(feats, map(get, feats), strict=True)
        if w and name[0] != "<"
    ]
    if positive:
        contributions = [c for c in contributions if c[1] > 0]
    contributions.sort(key=lambda item: (-abs(item[1]), item[0]))
    return contributions[:k]


# Below this probability of positive and of negative, a comment in which the rules found
# no evaluation at all stays neutral (a plain fact).
FACT_MAX = 0.7
# An information question ("Does the pharmacy deliver to care homes?") with no evaluation is
# neutral in every labelled set (20 of 20; the negative questions all ask "why"), while the
# word model, trained on answers to "what could be improved", leans negative on "?" and
# "could": it is overruled up to this probability.
QUESTION_MAX = 0.75
# Below this probability, the word model does not overturn the side a phrase rule took when
# the rules found nothing at all on the model's side ("Nothing was explained to me": the
# word "nothing" leans positive, from the many "Nothing" answers to "what could we improve?").
RULE_SIDE_MAX = 0.6


def combine(
    probs: list[float],
    rules: RuleSignals,
    nothing_to_improve: bool,
    keep_rule_mixed: bool = True,
    keep_suggestion: bool = True,
    keep_fact: bool = True,
    keep_rule_side: bool = True,
) -> tuple[str, float, list[str]]:
    """The model's label, with the rules' decisive cases kept; returns (label, polarity, notes).

    Kept from the rules: "Nothing" to "what could we improve?" is praise; an urgent event is
    never praise (negative, or mixed with strong praise); an explicit contrast the rules call
    mixed (clear praise and clear criticism in different clauses) stays mixed when the model
    agrees it is not plainly one-sided.
    """
    notes: list[str] = []
    best = max(range(len(LABELS)), key=lambda i: (probs[i], -i))
    label = LABELS[best]
    if rules.kind == "improve" and nothing_to_improve and label != "negative":
        if label != "positive":
            notes.append('rule kept: "nothing to improve" -> positive')
        label = "positive"
    if (
        keep_rule_mixed
        and rules.label == "mixed"
        and label in ("positive", "negative")
        and probs[LABELS.index("mixed")] >= 0.2
    ):
        notes.append("rule kept: clear praise and clear criticism -> mixed")
        label = "mixed"
    if (
        keep_suggestion
        and rules.suggestion
        and (rules.kind is None or rules.label == "neutral")
        and label == "negative"
    ):
        notes.append("rule kept: a suggestion without complaint -> neutral")
        label = "neutral"
    if (
        keep_fact
        and label != "neutral"
        and rules.label == "neutral"
        and rules.kind is None
        and not (rules.pos_mass or rules.neg_mass or rules.rule_pos or rules.rule_neg)
        and not rules.suggestion
        and (
            (rules.plain and max(probs[0], probs[1]) < FACT_MAX)
            or (rules.question and max(probs[0], probs[1]) < QUESTION_MAX)
        )
    ):
        # A visit told as a fact ("Came in for a flu jab"): no opinion word, no phrase rule,
        # and words that lean only weakly. The word model has learnt from a file without a
        # neutral class, so its lean on "for", "in", "visit" is no complaint.
        notes.append(
            "rule kept: "
            + ("a question" if rules.question else "a plain fact")
            + " with no evaluation -> neutral"
        )
        label = "neutral"
    if (
        keep_rule_side
        and label in ("positive", "negative")
        and probs[LABELS.index(label)] < RULE_SIDE_MAX
    ):
        positive = label == "positive"
        against = rules.rule_neg if positive else rules.rule_pos
        for_model = (
            (rules.rule_pos, rules.pos_mass) if positive else (rules.rule_neg, rules.neg_mass)
        )
        if (
            rules.label == ("negative" if positive else "positive")
            and against
            and not any(for_model)
        ):
            label = rules.label
            notes.append(f"rule kept: a phrase rule, nothing on the other side -> {label}")
    if rules.urgent and label in ("positive", "neutral"):
        label = "mixed" if label == "positive" and rules.pos_mass >= 0.6 else "negative"
        notes.append(f"rule kept: urgent event -> {label}")
    margin = probs[0] - probs[1]
    rule = rules.polarity
    if label == "positive":
        polarity = rule if rule > 0.05 else max(0.05, margin)
    elif label == "negative":
        polarity = rule if rule < -0.05 else min(-0.05, margin)
    elif label == "mixed":
        polarity = margin / 2 if margin else rule / 2
    elif rules.suggestion:
        polarity = -0.1
    else:
        polarity = max(-0.1, min(0.1, margin * 0.1))
    return label, max(-1.0, min(1.0, polarity)), notes


@dataclass(frozen=True, slots=True)
class Decision:
    label: str
    polarity: float
    probs: list[float]
    lexical: float
    urgent_p: float  # the word model's probability of a safety event (0 when not asked)
    notes: list[str]
    terms: list[tuple[str, float]]  # the words that moved the lexical model most


def decide(
    words: dict[str, float],
    rules: RuleSignals,
    nothing_to_improve: bool,
    model: Weights,
    keep: bool = True,
) -> Decision:
    """The learned layer's answer for one English comment.

    The word model may add an urgent flag the rules missed (never remove one); the comment
    then counts as urgent for the combiner and the urgent floor.
    """
    urgent_p = 0.0
    if not rules.urgent and model.urgent:
        urgent_p = sigmoid(linear(words, model.urgent))
        if urgent_p >= model.urgent_threshold:
            rules = replace(rules, urgent=True)
    # Word features are all 1.0: one look-up per term gives both the sum and the top terms.
    values = list(map(model.lexical.get, words))
    lexical = sum(filter(None, values))
    # The terms that pushed the way the words lean (the largest in that direction).
    sign = 1.0 if lexical >= 0 else -1.0
    terms = sorted(
        ((n, w) for n, w in zip(words, values, strict=True) if w and w * sign > 0 and n[0] != "<"),
        key=lambda item: (-abs(item[1]), item[0]),
    )[:3]
    probs = softmax(stack_scores(stack_features(lexical, rules), model.stack))
    label, polarity, notes = combine(probs, rules, nothing_to_improve, keep_suggestion=keep)
    return Decision(label, polarity, probs, lexical, urgent_p, notes, terms)
