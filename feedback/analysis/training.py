"""Offline training of the learned layer: pure-Python SGD, deterministic for a given seed.

Used by `bench/train_sentiment.py`; never at analysis time. An example is the rule engine's
view of a comment (`Example`), built once by `example()`, so training and cross-validation
do not rerun the rules.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from feedback.analysis.engine import RuleRun, analyze, run_rules
from feedback.analysis.model import LABELS, RuleSignals, features
from feedback.analysis.themes import THEMES


@dataclass(slots=True)
class Example:
    text: str
    question: str | None
    gold: str | None  # one of LABELS, or None when only themes are labelled
    themes: frozenset[str] | None  # None when themes are not labelled
    urgent: bool | None
    weight: float
    group: str
    feats: dict[str, float] = field(default_factory=dict)
    signals: RuleSignals | None = None
    nothing: bool = False
    # The rule engine's full result (label, polarity, themes) for comments the model skips
    # (non-answers, other languages) and as the baseline in cross-validation.
    rule_label: str = "neutral"
    rule_polarity: float = 0.0
    rule_themes: frozenset[str] = frozenset()
    modelled: bool = False


def example(
    text: str,
    question: str | None,
    gold: str | None,
    themes: Iterable[str] | None,
    urgent: bool | None,
    weight: float,
    group: str,
) -> Example:
    ex = Example(
        text,
        question,
        gold,
        frozenset(themes) if themes is not None else None,
        urgent,
        weight,
        group,
    )
    run: RuleRun | None = run_rules(text, question)
    if run is not None and run.language in ("en", "und"):
        ex.signals = run.signals()
        ex.feats = features(run.text, ex.signals)
        ex.nothing = run.nothing_to_improve()
        ex.rule_label, ex.rule_polarity = run.sentiment, run.polarity
        ex.modelled = True
        # Theme baseline exactly as the engine finds it (rule cues only).
        ex.rule_themes = frozenset(run.rule_themes)
    else:
        result = analyze(text, question)
        ex.rule_label, ex.rule_polarity = result.sentiment, result.polarity
        ex.rule_themes = frozenset(t.theme for t in result.themes)
    return ex


def vocabulary(examples: Sequence[Example], min_count: int) -> set[str]:
    counts: Counter[str] = Counter()
    for ex in examples:
        counts.update(ex.feats)
    return {name for name, n in counts.items() if n >= min_count or name.startswith("<")}


def train_softmax(
    examples: Sequence[Example],
    seed: int = 13,
    epochs: int = 12,
    rate: float = 0.1,
    l2: float = 1e-5,
    min_count: int = 2,
) -> dict[str, list[float]]:
    """Multinomial logistic regression by SGD on the examples with a sentiment label."""
    data = [ex for ex in examples if ex.modelled and ex.gold in LABELS]
    vocab = vocabulary(data, min_count)
    k = len(LABELS)
    w: dict[str, list[float]] = {}
    order = list(range(len(data)))
    rng = random.Random(seed)
    step = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ex = data[i]
            feats = [(n, v) for n, v in ex.feats.items() if n in vocab]
            scores = [0.0] * k
            for n, v in feats:
                row = w.get(n)
                if row is not None:
                    for c in range(k):
                        scores[c] += row[c] * v
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            gold = LABELS.index(ex.gold)  # type: ignore[arg-type]
            eta = rate / (1 + 0.0001 * step)
            step += 1
            grads = [(exps[c] / total - (c == gold)) * ex.weight for c in range(k)]
            for n, v in feats:
                row = w.setdefault(n, [0.0] * k)
                for c in range(k):
                    row[c] -= eta * (grads[c] * v + l2 * row[c])
    return w


def train_binary(
    examples: Sequence[Example],
    target: str,
    seed: int = 13,
    epochs: int = 12,
    rate: float = 0.1,
    l2: float = 1e-4,
    min_count: int = 2,
) -> dict[str, float]:
    """Logistic regression: does the comment mention theme `target`?"""
    data = [ex for ex in examples if ex.modelled and ex.themes is not None]
    vocab = vocabulary(data, min_count)
    w: dict[str, float] = {}
    order = list(range(len(data)))
    rng = random.Random(seed)
    step = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ex = data[i]
            feats = [(n, v) for n, v in ex.feats.items() if n in vocab]
            z = sum(w.get(n, 0.0) * v for n, v in feats)
            p = 1 / (1 + math.exp(-z)) if z > -60 else 0.0
            y = target in ex.themes  # type: ignore[operator]
            eta = rate / (1 + 0.0001 * step)
            step += 1
            g = (p - y) * ex.weight
            for n, v in feats:
                old = w.get(n, 0.0)
                w[n] = old - eta * (g * v + l2 * old)
    return w


def train_all(
    examples: Sequence[Example], seed: int = 13, **options: float
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    sentiment = train_softmax(
        examples,
        seed=seed,
        epochs=int(options.get("epochs", 12)),
        rate=options.get("rate", 0.1),
        l2=options.get("l2", 1e-5),
    )
    themes = {
        theme: train_binary(
            examples,
            theme,
            seed=seed,
            epochs=int(options.get("theme_epochs", 15)),
            rate=options.get("theme_rate", 0.1),
            l2=options.get("theme_l2", 1e-4),
        )
        for theme in THEMES
    }
    return sentiment, themes


def serialise(
    sentiment: dict[str, list[float]],
    themes: dict[str, dict[str, float]],
    theme_add: float,
    theme_drop: float,
    prune: float = 0.01,
    digits: int = 3,
) -> str:
    """Compact JSON, one feature per line; tiny weights pruned, the rest rounded."""
    lines = ['{"sentiment": {']
    rows = []
    for name in sorted(sentiment):
        row = [round(x, digits) for x in sentiment[name]]
        if max(abs(x) for x in row) >= prune:
            rows.append(f"{json.dumps(name)}: {json.dumps(row, separators=(',', ':'))}")
    lines.append(",\n".join(rows))
    names = list(THEMES)
    lines.append(f'}},\n"themes": {json.dumps(names)},\n"theme": {{')
    rows = []
    for name in sorted({n for w in themes.values() for n in w}):
        row = {str(i): round(themes[t].get(name, 0.0), digits) for i, t in enumerate(names)}
        row = {i: x for i, x in row.items() if abs(x) >= prune}
        if row:
            rows.append(f"{json.dumps(name)}: {json.dumps(row, separators=(',', ':'))}")
    lines.append(",\n".join(rows))
    lines.append(f'}},\n"theme_add": {theme_add},\n"theme_drop": {theme_drop}\n}}')
    return "\n".join(lines)


def weights_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
