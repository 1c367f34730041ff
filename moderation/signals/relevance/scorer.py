"""On-topic score: does the comment belong to its article, its discussion, or the thread it
answers?

The semantic score compares sentence embeddings: the comment against the article's passages
(the mean of the best passage's and the article centroid's cosine), and a reply against its
parent and the comment that opened its thread. Each similarity is then compared with how
similar the same comment is to other recent articles (or comments): a comment that is merely
"about politics" is close to every political article, while one about this article is closer
to it than to the others. The article's score is the similarity plus ALPHA times that z-score,
plus what the discussion says (discussion.py): how much closer the comment is to the article's
published comments than to other articles' discussions.

The confidence says how much evidence the comparison carries (evidence.py): a short comment,
or a thin article with no discussion, is never confidently off-topic. Each comment's embedding
is stored for the replies that will answer it (batch_vectors.py).

A lexical score (the share of the comment's words, weighted by rarity, found in the article
or parent) is computed too: it explains the call ("shares: pipeline, Alberta") and it is the
whole score when the embedding model cannot be loaded.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from moderation.kinds import RelevanceMethod, ScorerName, ScorerState, SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult
from moderation.signals.loading import LazyModel
from moderation.signals.relevance.article_vectors import VectorStore
from moderation.signals.relevance.batch_vectors import (
    TEXT_CACHE_ITEMS,
    BatchVectors,
    Compared,
    TextCache,
    compared_with,
    newest_first,
    resolve,
)
from moderation.signals.relevance.comment_vectors import CommentVectors, MemoryComments
from moderation.signals.relevance.discussion import DiscussionEvidence, weigh
from moderation.signals.relevance.embeddings import Embedder
from moderation.signals.relevance.evidence import article_evidence, confidence, text_evidence
from moderation.signals.text import content_terms, language, weighted_terms

# Weights measured on the gm-threads swap test (benchmarks/bench_relevance.py): the z-score
# against other articles lifts article AUC from 0.82 to 0.90; shared words help replies, which
# quote their parent, but not article pairs.
ALPHA = 0.4  # weight of the z-score against other articles (or comments)
PARENT_WORDS = 1.0  # weight of the lexical overlap with the parent
MIN_BACKGROUND = 10  # fewer articles (comments) than this: no z-score, similarity alone
RECENT_COMMENTS = 500  # comments a worker remembers to judge how specific a reply is
PASSAGE_SHOWN = 300
MIN_LANGUAGE_SHARE = 0.5  # a weaker language guess than this is no guess


def overlap(comment: dict[str, float], reference: AbstractSet[str]) -> float:
    """Share of the comment's term weight that falls on terms the reference also uses."""
    total = sum(comment.values())
    if not total:
        return 0.0
    return sum(w for term, w in comment.items() if term in reference) / total


def lexical(item: ScoringInput) -> tuple[dict[str, float], dict[str, Any]]:
    """Lexical scores against the article and the parent, the shared terms, the confidence."""
    terms = weighted_terms(item.text)
    references: dict[str, AbstractSet[str]] = {}
    if has_article(item):
        references["article"] = article_terms(
            item.article_title, item.article_section, item.article_body
        )
    if item.parent_text is not None:
        references["parent"] = content_terms(item.parent_text)
    scores = {name: round(overlap(terms, ref), 4) for name, ref in references.items()}
    best = max(scores, key=lambda name: scores[name], default=None)
    return scores, {
        "compared_with": best,
        "evidence": context_evidence(item),
        "shared_terms": sorted(
            set(terms) & references.get(best or "", frozenset()), key=lambda t: -terms[t]
        )[:20],
    }


def context_evidence(item: ScoringInput) -> dict[str, float]:
    """How much each side of the comparison says: the comment, the article, the parent."""
    found = {"comment": text_evidence(item.text)}
    if has_article(item):
        found["article"] = article_evidence(
            item.article_title, item.article_section, item.article_body
        )
    if item.parent_text:
        found["parent"] = text_evidence(item.parent_text)
    return found


def thread_of(item: ScoringInput) -> list[str]:
    """The texts a reply answers: its parent and the comment that opened its thread."""
    return [t for t in (item.parent_text, item.thread_text) if t]


@functools.lru_cache(maxsize=256)
def article_terms(title: str, section: str | None, body: str) -> frozenset[str]:
    """The article's content terms, computed once per article version and process (a batch's
    comments mostly share a few articles, and a long article takes milliseconds)."""
    return frozenset(content_terms(f"{title} {section or ''} {body}"))


def has_article(item: ScoringInput) -> bool:
    """False for comments scored against a parent alone (as in `modq eval` reply tests)."""
    return bool(item.article_title.strip() or item.article_body.strip())


class RelevanceScorer:
    """Semantic relevance when the embedding model loads, lexical relevance otherwise."""

    name = ScorerName.RELEVANCE

    def __init__(
        self,
        embedder: Callable[[], Embedder] | None,
        store: VectorStore | None,
        comments: CommentVectors | None = None,
        retry_seconds: float = 300,
    ) -> None:
        self.store = store
        self.comments: CommentVectors = comments or MemoryComments()
        self.model = (
            LazyModel(embedder, what="the embedding model", max_retry_seconds=retry_seconds)
            if embedder
            else None
        )
        self._recent: deque[Any] = deque(maxlen=RECENT_COMMENTS)
        self._texts = TextCache(TEXT_CACHE_ITEMS)

    @property
    def version(self) -> str:
        """lexical-3, or semantic-3 with the model's name."""
        embedder = self.model.model if self.model else None
        return f"semantic-3/{embedder.name}" if embedder else "lexical-3"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """One signal per comment."""
        embedder = self._loaded()
        if embedder is None or self.store is None:
            return [
                self._signal(
                    item,
                    *lexical(item),
                    {"method": RelevanceMethod.LEXICAL, "note": self._problem()},
                )
                for item in inputs
            ]
        # One embedding pass for the whole batch; what answered comments and discussions
        # already have stored is read, not embedded again.
        vectors = resolve(embedder, self.comments, self._texts, inputs)
        batch = compared_with(embedder, self.store, self.comments, self._recent)
        signals = [
            self._semantic(embedder, item, vectors, n, batch) for n, item in enumerate(inputs)
        ]
        self._recent.extend(vectors.comments)
        return signals

    def _semantic(
        self, embedder: Embedder, item: ScoringInput, vectors: BatchVectors, n: int, batch: Compared
    ) -> SignalResult:
        comment = vectors.comments[n]
        scores, details = lexical(item)
        scores = {f"{k}_lexical": v for k, v in scores.items()}
        details["method"] = RelevanceMethod.SEMANTIC
        if has_article(item):
            article_score, found = self._against_article(embedder, item, comment, batch)
            scores["article"] = article_score
            details |= found
        discussion = self._discussion(item, comment, vectors.discussion[n], batch)
        if discussion.usable:
            scores["discussion"] = round(discussion.score, 4)
            details["evidence"]["discussion"] = discussion.confidence
        details["discussion"] = discussion.details()
        answered = vectors.answered[n]
        if answered:
            closest = max(float(v @ comment) for v in answered)
            parent_z = _z(closest, batch.recent @ comment if len(batch.recent) else [])
            words = scores.get("parent_lexical", 0.0)
            scores["parent"] = round(closest + ALPHA * (parent_z or 0.0) + PARENT_WORDS * words, 4)
            details["parent_z"] = parent_z
        details["compared_with"] = max(("article", "parent"), key=lambda k: scores.get(k, -9))
        return self._signal(item, scores, details, {})

    def _discussion(
        self, item: ScoringInput, comment: Any, own: Any, batch: Compared
    ) -> DiscussionEvidence:
        if not len(own):
            return DiscussionEvidence(0, 0)
        return weigh(comment, own, batch.rivals(item.article_id))

    def _against_article(
        self, embedder: Embedder, item: ScoringInput, comment: Any, batch: Compared
    ) -> tuple[float, dict[str, Any]]:
        assert self.store is not None
        article = self.store.vectors(
            embedder, item.article_title, item.article_section, item.article_body
        )
        similarity, best = article.similarity(comment)
        background = batch.background(article.key).similarities(comment)
        z = _z(similarity, background)
        return round(similarity + ALPHA * (z or 0.0), 4), {
            "article_z": z,
            "background_articles": len(background),
            "best_passage": article.passages[best][:PASSAGE_SHOWN],
        }

    def prepare(
        self,
        articles: Sequence[tuple[str, str]],
        comments: Sequence[str],
        discussions: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Embed these articles, remember these comments and these articles' discussions
        (texts in the order they were published) before scoring, so even the first examples
        of an evaluation are judged against a background."""
        embedder = self._loaded()
        if embedder is None or self.store is None:
            return
        for title, body in dict.fromkeys(a for a in articles if any(a)):
            self.store.vectors(embedder, title, None, body)
        self._recent.extend(embedder.encode(list(dict.fromkeys(comments))[:RECENT_COMMENTS]))
        if isinstance(self.comments, MemoryComments):
            for article_id, texts in (discussions or {}).items():
                self.comments.remember(article_id, newest_first(embedder, self._texts, texts))

    def _signal(
        self,
        item: ScoringInput,
        scores: dict[str, float],
        details: dict[str, Any],
        extra: dict[str, Any],
    ) -> SignalResult:
        scores = dict(scores)
        article = scores.get("article", scores.get("article_lexical"))
        if "discussion" in scores:
            article = (article or 0.0) + scores["discussion"]
        candidates = [article, scores.get("parent", scores.get("parent_lexical"))]
        scores["on_topic"] = round(max((c for c in candidates if c is not None), default=0.0), 4)
        spoken, share = language(item.text)
        evidence = details.get("evidence", {})
        context = {k: v for k, v in evidence.items() if k != "comment"}
        # The policy decides which languages the check reads; a weak guess is no guess.
        details = {
            **details,
            **extra,
            "confidence": confidence(evidence.get("comment", 0.0), context),
            "language": spoken if share >= MIN_LANGUAGE_SHARE else "unknown",
        }
        return SignalResult(self.name, self.version, SignalState.OK, scores, details)

    def _loaded(self) -> Embedder | None:
        return self.model.get() if self.model else None

    def _problem(self) -> str:
        if self.model is None:
            return "no embedding model configured"
        return f"embedding model unavailable ({self.model.problem}); lexical scores only"

    def warm_up(self) -> None:
        """Load the embedding model now."""
        self._loaded()

    def health(self) -> ScorerHealth:
        """ok with the method, or unavailable (lexical scores only) with the reason."""
        if self.model is None:
            return ScorerHealth(ScorerState.OK, self.version, self._problem())
        detail = self._problem() if self.model.problem else ""
        return ScorerHealth(self.model.state, self.version, detail)


def _z(value: float, background: Sequence[float]) -> float | None:
    """How many standard deviations `value` lies above the background, within [-3, 3]."""
    import numpy as np

    if len(background) < MIN_BACKGROUND:
        return None
    spread = float(np.std(background)) or 1e-6
    return round(max(-3.0, min(3.0, (value - float(np.mean(background))) / spread)), 3)
