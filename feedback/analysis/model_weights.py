"""Trained weights (bench/train_sentiment.py writes this file; do not edit by hand)."""

WEIGHTS = """{"sentiment": {}, "themes": [], "theme": {}}"""
