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
from feedback.analysis.model import (
    LABELS,
    STACK,
    RuleSignals,
    features,
    linear,
    stack_features,
    word_features,
)
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
    stack_weight: float = 1.0
    theme_weight: float = 1.0
    words: dict[str, float] = field(default_factory=dict)
    feats: dict[str, float] = field(default_factory=dict)
    signals: RuleSignals | None = None
    nothing: bool = False
    # The rule engine's full result (label, polarity, themes) for comments the model skips
    # (non-answers, other languages) and as the baseline in cross-validation.
    rule_label: str = "neutral"
    rule_polarity: float = 0.0
    rule_themes: frozenset[str] = frozenset()
    rule_urgent: bool = False
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
        ex.words = word_features(run.text, run.kind)
        ex.feats = features(ex.words, ex.signals)
        ex.nothing = run.nothing_to_improve()
        ex.rule_label, ex.rule_polarity = run.sentiment, run.polarity
        ex.modelled = True
        # Theme baseline exactly as the engine finds it (rule cues only).
        ex.rule_themes = frozenset(run.rule_themes)
        ex.rule_urgent = bool(run.codes)
    else:
        result = analyze(text, question)
        ex.rule_label, ex.rule_polarity = result.sentiment, result.polarity
        ex.rule_themes = frozenset(t.theme for t in result.themes)
        ex.rule_urgent = result.urgent
    return ex


def vocabulary(examples: Sequence[Example], min_count: int) -> set[str]:
    counts: Counter[str] = Counter()
    for ex in examples:
        counts.update(ex.feats)
    return {name for name, n in counts.items() if n >= min_count or name.startswith("<")}


def train_lexical(
    examples: Sequence[Example],
    seed: int = 13,
    epochs: int = 10,
    rate: float = 0.05,
    l2: float = 1e-5,
    min_count: int = 2,
) -> dict[str, float]:
    """Logistic regression positive vs negative over the word features.

    "Nothing" answers to "what could we improve?" are left out: a rule decides them, and
    learning from them taught the word "nothing" to mean praise in any other sentence."""
    data = [
        ex
        for ex in examples
        if ex.modelled
        and ex.gold in ("positive", "negative")
        and not (ex.nothing and ex.signals is not None and ex.signals.kind == "improve")
    ]
    counts: Counter[str] = Counter()
    for ex in data:
        counts.update(ex.words)
    vocab = {n for n, c in counts.items() if c >= min_count or n.startswith("<")}
    w: dict[str, float] = {}
    order = list(range(len(data)))
    rng = random.Random(seed)
    step = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ex = data[i]
            feats = [(n, v) for n, v in ex.words.items() if n in vocab]
            z = sum(w.get(n, 0.0) * v for n, v in feats)
            p = 1 / (1 + math.exp(-z)) if z > -60 else 0.0
            y = ex.gold == "positive"
            eta = rate / (1 + 0.0001 * step)
            step += 1
            g = (p - y) * ex.weight
            for n, v in feats:
                old = w.get(n, 0.0)
                w[n] = old - eta * (g * v + l2 * old)
    return w


def out_of_fold(examples: Sequence[Example], k: int, seed: int, **options: float) -> list[float]:
    """Each example's lexical logit from a model trained on the other k-1 folds."""
    rng = random.Random(seed + 1)
    fold = [rng.randrange(k) for _ in examples]
    z = [0.0] * len(examples)
    for f in range(k):
        model = train_lexical(
            [ex for ex, i in zip(examples, fold, strict=True) if i != f], seed=seed, **options
        )
        for j, ex in enumerate(examples):
            if fold[j] == f and ex.modelled:
                z[j] = linear(ex.words, model)
    return z


def train_stack(
    examples: Sequence[Example],
    lexical: Sequence[float],
    seed: int = 13,
    epochs: int = 60,
    rate: float = 0.05,
    l2: float = 1e-3,
) -> list[list[float]]:
    """Multinomial logistic regression over the combiner's dense features."""
    data = [
        (stack_features(z, ex.signals), LABELS.index(ex.gold), ex.stack_weight)
        for ex, z in zip(examples, lexical, strict=True)
        if ex.modelled and ex.signals is not None and ex.gold in LABELS
    ]
    k, d = len(LABELS), len(STACK)
    w = [[0.0] * d for _ in range(k)]
    order = list(range(len(data)))
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(order)
        eta = rate / (1 + 0.05 * epoch)
        for i in order:
            x, gold, weight = data[i]
            scores = [sum(a * b for a, b in zip(row, x, strict=True)) for row in w]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            for c in range(k):
                g = (exps[c] / total - (c == gold)) * weight
                row = w[c]
                for j in range(d):
                    row[j] -= eta * (g * x[j] + l2 * row[j])
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
            g = (p - y) * ex.theme_weight
            for n, v in feats:
                old = w.get(n, 0.0)
                w[n] = old - eta * (g * v + l2 * old)
    return w


def train_urgent(
    examples: Sequence[Example],
    seed: int = 13,
    epochs: int = 20,
    rate: float = 0.1,
    l2: float = 1e-4,
    min_count: int = 2,
) -> dict[str, float]:
    """Logistic regression over the word features only: is this an urgent safety event?"""
    data = [ex for ex in examples if ex.modelled and ex.urgent is not None]
    counts: Counter[str] = Counter()
    for ex in data:
        counts.update(ex.words)
    vocab = {n for n, c in counts.items() if c >= min_count or n.startswith("<")}
    w: dict[str, float] = {}
    order = list(range(len(data)))
    rng = random.Random(seed)
    step = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ex = data[i]
            feats = [(n, v) for n, v in ex.words.items() if n in vocab]
            z = sum(w.get(n, 0.0) * v for n, v in feats)
            p = 1 / (1 + math.exp(-z)) if z > -60 else 0.0
            eta = rate / (1 + 0.0001 * step)
            step += 1
            g = p - bool(ex.urgent)
            for n, v in feats:
                old = w.get(n, 0.0)
                w[n] = old - eta * (g * v + l2 * old)
    return w


def train_all(
    examples: Sequence[Example], seed: int = 13, **options: float
) -> tuple[dict[str, float], list[list[float]], dict[str, dict[str, float]], dict[str, float]]:
    """Lexical model, combiner (on out-of-fold lexical logits), theme and urgent models."""
    lex_options = {k: options[k] for k in ("epochs", "rate", "l2") if k in options}
    if "epochs" in lex_options:
        lex_options["epochs"] = int(lex_options["epochs"])
    inner = int(options.get("inner_folds", 4))
    z = out_of_fold(examples, inner, seed, **lex_options)
    lexical = train_lexical(examples, seed=seed, **lex_options)
    stack = train_stack(
        examples,
        z,
        seed=seed,
        epochs=int(options.get("stack_epochs", 60)),
        l2=options.get("stack_l2", 1e-3),
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
    return lexical, stack, themes, train_urgent(examples, seed=seed)


def serialise(
    lexical: dict[str, float],
    stack: list[list[float]],
    themes: dict[str, dict[str, float]],
    theme_add: float,
    theme_drop: float,
    urgent: dict[str, float] | None = None,
    urgent_threshold: float = 0.7,
    prune: float = 0.005,
    digits: int = 3,
) -> str:
    """Compact JSON, one term per line; tiny weights pruned, the rest rounded."""
    rows = [
        f"{json.dumps(n)}: {round(lexical[n], digits)}"
        for n in sorted(lexical)
        if abs(round(lexical[n], digits)) >= prune
    ]
    parts = ['{"lexical": {', ",\n".join(rows), "},", '"stack": {']
    parts.append(
        ",\n".join(
            f"{json.dumps(name)}: {json.dumps([round(row[j], 4) for row in stack])}"
            for j, name in enumerate(STACK)
        )
    )
    parts.append("},")
    names = list(themes)
    listed = ",\n".join(json.dumps(name) for name in names)
    parts.append(f'"themes": [\n{listed}\n],\n"theme": {{')
    rows = []
    for name in sorted({n for w in themes.values() for n in w}):
        row = {str(i): round(themes[t].get(name, 0.0), digits) for i, t in enumerate(names)}
        kept = {i: x for i, x in row.items() if abs(x) >= prune * 2}
        if kept:
            items = [f'"{i}":{x}' for i, x in kept.items()]
            row_text = f"{json.dumps(name)}: {{{','.join(items)}}}"
            if len(row_text) > 98:  # with the comma that joins the rows
                # Two lines, within the line length the repository's linter checks.
                half = len(items) // 2
                row_text = (
                    f"{json.dumps(name)}:\n{{{','.join(items[:half])},\n{','.join(items[half:])}}}"
                )
            rows.append(row_text)
    parts.append(",\n".join(rows))
    parts.append("},")
    urgent = urgent or {}
    rows = [
        f"{json.dumps(n)}: {round(urgent[n], digits)}"
        for n in sorted(urgent)
        if abs(round(urgent[n], digits)) >= prune
    ]
    parts.extend(['"urgent": {', ",\n".join(rows), "},"])
    parts.append(f'"urgent_threshold": {urgent_threshold},')
    parts.append(f'"theme_add": {theme_add},\n"theme_drop": {theme_drop}\n}}')
    return "\n".join(parts)


def weights_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
