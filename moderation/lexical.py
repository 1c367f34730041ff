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
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

from moderation.chartable import CharTable
from moderation.scoring import ScorerHealth, ScoringInput, SignalResult, SignalState, failed

NAME = "lexical"


@dataclass(frozen=True)
class LinearProfanityModel:
    """Each vocabulary word's idf and its weight in each calibrated SVM, and the calibrations."""

    terms: dict[str, tuple[float, tuple[float, ...]]]
    intercepts: tuple[float, ...]
    calibrations: tuple[tuple[float, float], ...]  # (a, b) of each sigmoid

    def probability(self, text: str) -> float:
        """The probability that `text` is offensive, as alt-profanity-check computes it."""
        counts = Counter(_tokens(text))
        weighted = [
            (count * self.terms[t][0], self.terms[t][1])
            for t, count in counts.items()
            if t in self.terms
        ]
        norm = math.sqrt(sum(w * w for w, _ in weighted)) or 1.0
        total = 0.0
        for i, (a, b) in enumerate(self.calibrations):
            decision = sum(w * ws[i] for w, ws in weighted) / norm + self.intercepts[i]
            total += 1.0 / (1.0 + math.exp(a * decision + b))
        return total / len(self.calibrations)


def _word_char(char: str) -> str:
    return char if char.isalnum() or char == "_" else " "  # what re's \\w matches


_ASCII_WORDS = str.maketrans({chr(c): _word_char(chr(c)) for c in range(128)})


@functools.cache
def _word_table() -> CharTable:
    return CharTable(_word_char)


def _tokens(text: str) -> list[str]:
    """scikit-learn's default tokens: lower-cased runs of 2+ word characters (\\b\\w\\w+\\b)."""
    lowered = text.lower()
    spaced = lowered.translate(_ASCII_WORDS) if lowered.isascii() else _word_table().map(lowered)[0]
    return [w for w in spaced.split() if len(w) > 1]


def load_model() -> LinearProfanityModel:
    """Read alt-profanity-check's fitted vectoriser and classifiers (imports ~1 s of sklearn)."""
    from profanity_check import profanity_check as fitted

    vocabulary, idf = fitted.vectorizer.vocabulary_, fitted.vectorizer.idf_
    classifiers = fitted.model.calibrated_classifiers_
    weights = [c.estimator.coef_[0] for c in classifiers]
    terms = {t: (float(idf[i]), tuple(float(w[i]) for w in weights)) for t, i in vocabulary.items()}
    intercepts = tuple(float(c.estimator.intercept_[0]) for c in classifiers)
    calibrations = tuple(
        (float(c.calibrators[0].a_), float(c.calibrators[0].b_)) for c in classifiers
    )
    return LinearProfanityModel(terms, intercepts, calibrations)


class LexicalAbuseScorer:
    """The `profanity` probability of alt-profanity-check for each comment."""

    name = NAME

    def __init__(self) -> None:
        self.version = f"alt-profanity-check-{version('alt-profanity-check')}"
        self._model: LinearProfanityModel | None = None
        self._error: str | None = None

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        model = self._loaded()
        if model is None:
            return [failed(self.name, self._error or "not loaded", self.version) for _ in inputs]
        return [
            SignalResult(
                self.name,
                self.version,
                SignalState.OK,
                {"profanity": round(model.probability(item.text), 6)},
            )
            for item in inputs
        ]

    def _loaded(self) -> LinearProfanityModel | None:
        if self._model is None and self._error is None:
            try:
                self._model = load_model()
            except Exception as exc:  # a broken install must not stop the other scorers
                self._error = f"alt-profanity-check could not load: {exc}"
        return self._model

    def warm_up(self) -> None:
        """Load the model now."""
        self._loaded()

    def health(self) -> ScorerHealth:
        """ok, unavailable with the reason, or not_loaded."""
        if self._model is not None:
            return ScorerHealth("ok", self.version)
        if self._error is not None:
            return ScorerHealth("unavailable", self.version, self._error)
        return ScorerHealth("not_loaded", self.version)
