"""Trained weights (bench/train_sentiment.py writes this file; do not edit)."""

WEIGHTS = r"""{"lexical": {}, "stack": [], "themes": [], "theme": {}}"""
