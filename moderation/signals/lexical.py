"""An embedded lexical abuse score: alt-profanity-check's linear model, computed fast.

alt-profanity-check (MIT) ships a TF-IDF vectoriser and five calibrated linear SVMs trained on
labelled comments; it needs no download and no GPU. Its own `predict_prob` goes through
scikit-learn's sparse pipeline, which costs ~7 ms for one 5,000-character comment. The model
is linear up to the calibration, so here its weights are read once into a dictionary and a
comment costs one tokenisation and a few hundred dictionary lookups. The result equals
`predict_prob` (a test checks it). It is one more signal beside Detoxify, never a replacement.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from moderation.kinds import ScorerName, SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult, failed
from moderation.signals.chartable import CharTable
from moderation.signals.loading import LazyModel

NAME = ScorerName.LEXICAL


@dataclass(frozen=True)
class LinearProfanityModel:
    """The vocabulary's indices, idf and weights in each calibrated SVM, and the calibrations."""

    index: dict[str, int]
    idf: Any  # numpy, one per vocabulary word
    weights: Any  # numpy, vocabulary x classifiers
    intercepts: Any  # numpy, one per classifier
    calibrations: Any  # numpy, classifiers x (a, b) of each sigmoid

    def probability(self, text: str) -> float:
        """The probability that `text` is offensive, as alt-profanity-check computes it."""
        import numpy as np

        found = [
            (i, n)
            for word, n in Counter(_tokens(text)).items()
            if (i := self.index.get(word)) is not None
        ]
        terms = np.array([i for i, _ in found], dtype=np.int64)
        tfidf = np.array([n for _, n in found], dtype=np.float64) * self.idf[terms]
        norm = float(np.sqrt(tfidf @ tfidf)) or 1.0
        decisions = tfidf @ self.weights[terms] / norm + self.intercepts
        a, b = self.calibrations[:, 0], self.calibrations[:, 1]
        return float(np.mean(1.0 / (1.0 + np.exp(a * decisions + b))))


def _word_char(char: str) -> str:
    return char if char.isalnum() or char == "_" else " "  # what re's \\w matches


_ASCII_WORDS = str.maketrans({chr(c): _word_char(chr(c)) for c in range(128)})


@functools.cache
def _word_table() -> CharTable:
    return CharTable(_word_char)


def _tokens(text: str) -> list[str]:
    """scikit-learn's default tokens: lower-cased runs of word characters (\\b\\w\\w+\\b)."""
    lowered = text.lower()
    spaced = lowered.translate(_ASCII_WORDS) if lowered.isascii() else _word_table().map(lowered)[0]
    # One-character words are never in the vocabulary, so they need no filtering here.
    return spaced.split()


def load_model() -> LinearProfanityModel:
    """Read alt-profanity-check's fitted vectoriser and classifiers (imports ~1 s of sklearn)."""
    import numpy as np
    from profanity_check import profanity_check as fitted

    classifiers = fitted.model.calibrated_classifiers_
    return LinearProfanityModel(
        index=dict(fitted.vectorizer.vocabulary_),
        idf=np.asarray(fitted.vectorizer.idf_, dtype=np.float64),
        weights=np.stack([c.estimator.coef_[0] for c in classifiers], axis=1),
        intercepts=np.array([c.estimator.intercept_[0] for c in classifiers]),
        calibrations=np.array([(c.calibrators[0].a_, c.calibrators[0].b_) for c in classifiers]),
    )


class LexicalAbuseScorer:
    """The `profanity` probability of alt-profanity-check for each comment."""

    name = NAME

    def __init__(self, retry_seconds: float = 300) -> None:
        self.version = f"alt-profanity-check-{version('alt-profanity-check')}"
        self.model = LazyModel(
            load_model, what="alt-profanity-check", max_retry_seconds=retry_seconds
        )

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        model = self.model.get()
        if model is None:
            problem = f"alt-profanity-check could not load: {self.model.problem}"
            return [failed(self.name, problem, self.version) for _ in inputs]
        return [
            SignalResult(
                self.name,
                self.version,
                SignalState.OK,
                {"profanity": round(model.probability(item.text), 6)},
            )
            for item in inputs
        ]

    def warm_up(self) -> None:
        """Load the model now."""
        self.model.get()

    def health(self) -> ScorerHealth:
        """ok, unavailable with the reason, or not_loaded."""
        return ScorerHealth(self.model.state, self.version, self.model.problem or "")
