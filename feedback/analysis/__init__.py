"""Patient-comment analysis: sentiment, themes, urgency and language, explained and versioned.

Pure: no web, no database, no I/O at call time. TextBlob's lexicon is the foundation; the
healthcare rules on top of it live in the modules of this package, and a small learned layer
(model.py, weights in model_weights.py, trained offline by bench/train_sentiment.py) decides
the label from the words and the rules' signals.
"""

from feedback.analysis.engine import ANALYZER_VERSION, Analysis, ThemeResult, analyze, warm_up
from feedback.analysis.themes import THEMES

__all__ = ["ANALYZER_VERSION", "THEMES", "Analysis", "ThemeResult", "analyze", "warm_up"]
