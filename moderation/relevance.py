"""On-topic score: how much of a comment's vocabulary, weighted by rarity, its article or its
parent comment shares."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.scoring import ScorerHealth, ScoringInput, SignalResult, SignalState
from moderation.text import content_terms, weighted_terms

# A comment whose content words weigh this much together gives full confidence in its score
# (about four rare words, or eight common ones).
FULL_EVIDENCE_WEIGHT = 12.0


def overlap(comment: dict[str, float], reference: set[str]) -> float:
    """Share of the comment's term weight that falls on terms the reference also uses."""
    total = sum(comment.values())
    if not total:
        return 0.0
    return sum(w for term, w in comment.items() if term in reference) / total


class LexicalRelevanceScorer:
    """Relevance from shared vocabulary; needs no model and no download."""

    name = "relevance"
    version = "lexical-2"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """Score each comment against its article and, for a reply, its parent."""
        return [self.score_one(item) for item in inputs]

    def score_one(self, item: ScoringInput) -> SignalResult:
        """The relevance signal of one comment."""
        terms = weighted_terms(item.text)
        article = f"{item.article_title} {item.article_section or ''} {item.article_body}"
        references = {"article": content_terms(article)}
        if item.parent_text is not None:
            references["parent"] = content_terms(item.parent_text)
        scores = {name: round(overlap(terms, ref), 4) for name, ref in references.items()}
        best = max(scores, key=lambda name: scores[name])
        shared = sorted(set(terms) & references[best], key=lambda t: -terms[t])
        details = {
            "compared_with": best,
            "confidence": round(min(1.0, sum(terms.values()) / FULL_EVIDENCE_WEIGHT), 3),
            "shared_terms": shared[:20],
        }
        return SignalResult(
            self.name, self.version, SignalState.OK, {**scores, "on_topic": scores[best]}, details
        )

    def warm_up(self) -> None:
        """Load the word-frequency table."""
        weighted_terms("warm up")

    def health(self) -> ScorerHealth:
        """Always ready: nothing can be missing."""
        return ScorerHealth("ok", self.version)
