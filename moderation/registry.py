"""Which scorers run, built from the settings: the one place that wires them together."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from moderation.abuse import DetoxifyScorer
from moderation.activity import ActivityScorer
from moderation.article_vectors import DatabaseStore, MemoryStore, VectorStore
from moderation.brigading import BrigadingScorer
from moderation.config import Settings
from moderation.detoxify_model import DetoxifyOptions
from moderation.embeddings import load_embedder
from moderation.lexical import LexicalAbuseScorer
from moderation.links import LinkScorer
from moderation.policy import Thresholds
from moderation.relevance import RelevanceScorer
from moderation.scoring import Scorer
from moderation.wordlists import StoredMatcher, WordListScorer


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


def default_scorers(
    settings: Settings, sessions: sessionmaker[Session], redis_client: Any
) -> list[Scorer]:
    """Every scorer, each run on every comment."""
    return [
        DetoxifyScorer(
            detoxify_options(settings),
            retry_seconds=settings.scorer_retry_seconds,
            explain_above=settings.abuse_publish_below,
            explain_budget_ms=settings.explain_budget_ms,
        ),
        relevance_scorer(settings, DatabaseStore(sessions)),
        LexicalAbuseScorer(),
        WordListScorer(StoredMatcher(sessions)),
        LinkScorer(settings.link_allow, settings.link_deny),
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
        LinkScorer(settings.link_allow, settings.link_deny),
    ]


def relevance_scorer(settings: Settings, store: VectorStore) -> RelevanceScorer:
    """The on-topic scorer with the configured embedding model."""
    load = functools.partial(load_embedder, settings.embedding_model, settings.detoxify_device)
    return RelevanceScorer(load, store, settings.relevance_languages)


def thresholds_from(settings: Settings) -> Thresholds:
    """The policy thresholds configured in the settings."""
    return Thresholds(
        settings.abuse_publish_below,
        settings.abuse_reject_above,
        settings.on_topic_min,
        settings.on_topic_min_lexical,
    )
