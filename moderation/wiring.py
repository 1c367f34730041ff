"""Which scorers run and which policy decides, built from the settings: the one place that
wires them together."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.decisions.active_policy import StoredPolicy, fallback_text
from moderation.policy.document import Policy
from moderation.signals.activity import ActivityScorer
from moderation.signals.base import Scorer
from moderation.signals.brigading import BrigadingScorer
from moderation.signals.detoxify.model import DetoxifyOptions
from moderation.signals.detoxify.scorer import DetoxifyScorer
from moderation.signals.lexical import LexicalAbuseScorer
from moderation.signals.links import LinkScorer
from moderation.signals.relevance.article_vectors import DatabaseStore, MemoryStore, VectorStore
from moderation.signals.relevance.comment_vectors import CommentVectors, DatabaseComments
from moderation.signals.relevance.embeddings import load_embedder
from moderation.signals.relevance.scorer import RelevanceScorer
from moderation.signals.words.lists import StoredMatcher, WordListScorer


def detoxify_options(settings: Settings) -> DetoxifyOptions:
    """The Detoxify model the settings ask for."""
    return DetoxifyOptions(
        variant=settings.detoxify_model,
        checkpoint=settings.detoxify_checkpoint,
        hf_config=settings.detoxify_hf_config,
        device=settings.detoxify_device,
        quantize=settings.detoxify_quantize,
        threads=settings.torch_threads,
        batch_size=settings.detoxify_batch_size,
    )


def policy_source(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], Policy]:
    """The active policy, re-read as it changes."""
    return StoredPolicy(sessions, fallback_text(settings.policy_file))


def default_scorers(
    settings: Settings,
    sessions: sessionmaker[Session],
    redis_client: Any,
    policy: Callable[[], Policy],
) -> list[Scorer]:
    """Every scorer, each run on every comment."""
    return [
        DetoxifyScorer(
            detoxify_options(settings),
            retry_seconds=settings.scorer_retry_seconds,
            explain_above=lambda: policy().lowest_publish_line,
            explain_budget_ms=settings.explain_budget_ms,
        ),
        relevance_scorer(settings, DatabaseStore(sessions), DatabaseComments(sessions)),
        LexicalAbuseScorer(),
        WordListScorer(StoredMatcher(sessions)),
        LinkScorer(),
        ActivityScorer(),
        BrigadingScorer(redis_client),
    ]


def offline_scorers(settings: Settings, sessions: sessionmaker[Session]) -> list[Any]:
    """The scorers that need no site history and write nothing (for `modq eval`)."""
    return [
        DetoxifyScorer(detoxify_options(settings), retry_seconds=settings.scorer_retry_seconds),
        relevance_scorer(settings, MemoryStore()),
        LexicalAbuseScorer(),
        WordListScorer(StoredMatcher(sessions)),
        LinkScorer(),
    ]


def relevance_scorer(
    settings: Settings, store: VectorStore, comments: CommentVectors | None = None
) -> RelevanceScorer:
    """The on-topic scorer with the configured embedding model (comments' vectors kept in
    `comments`, or nowhere)."""
    load = functools.partial(load_embedder, settings.embedding_model, settings.detoxify_device)
    return RelevanceScorer(load, store, comments)
