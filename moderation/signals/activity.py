"""The author's own activity: repeating themselves, and posting fast (per author and per
network address)."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.kinds import ScorerName, ScorerState, SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult
from moderation.signals.text import words

SHINGLE = 3  # words per shingle when comparing two comments


def shingles(text: str) -> set[tuple[str, ...]]:
    """The comment's word 3-grams (its words, for very short comments)."""
    tokens = words(text)
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def shingle_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' shingles (1.0: the same words in the same order)."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


class ActivityScorer:
    """How much a comment repeats the author's recent ones, and how fast they are posting."""

    name = ScorerName.ACTIVITY
    version = "activity-1"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        return [self.score_one(item) for item in inputs]

    def score_one(self, item: ScoringInput) -> SignalResult:
        """The activity signal of one comment."""
        similarities = [
            shingle_similarity(item.text, earlier) for earlier in item.author.recent_texts
        ]
        best = max(similarities, default=0.0)
        scores = {
            "repeat": round(best, 4),
            "per_hour": float(item.author.last_hour),
            "per_hour_same_ip": float(item.author.last_hour_same_ip),
        }
        details = {"compared_with": len(similarities)}
        return SignalResult(self.name, self.version, SignalState.OK, scores, details)

    def warm_up(self) -> None:
        """Nothing to load."""

    def health(self) -> ScorerHealth:
        """Always ready."""
        return ScorerHealth(ScorerState.OK, self.version)
