"""Which scorers run and which policy decides, built from the settings: the one place that
wires them together."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.decisions.active_policy import fallback_text, stored_policy
from moderation.policy.document import Policy
from moderation.signals.activity import ActivityScorer
from moderation.signals.base import Scorer, TextRescorer
from moderation.signals.brigading import BrigadingScorer
from moderation.signals.detoxify.model import DetoxifyOptions
from moderation.signals.detoxify.scorer import DetoxifyScorer
from moderation.signals.lanes import default_lanes, set_torch_threads
from moderation.signals.lexical import LexicalAbuseScorer
from moderation.signals.links import LinkScorer
from moderation.signals.relevance.article_vectors import DatabaseStore, MemoryStore, VectorStore
from moderation.signals.relevance.comment_vectors import (
    CommentVectors,
    DatabaseComments,
    MemoryComments,
)
from moderation.signals.relevance.embeddings import load_embedder
from moderation.signals.relevance.scorer import RelevanceScorer
from moderation.signals.words.lists import WordListScorer, stored_matcher


def detoxify_options(settings: Settings) -> DetoxifyOptions:
    """The Detoxify model the settings ask for."""
    return DetoxifyOptions(
        variant=settings.detoxify_model,
        checkpoint=settings.detoxify_checkpoint,
        hf_config=settings.detoxify_hf_config,
        device=settings.detoxify_device,
        quantize=settings.detoxify_quantize,
        batch_size=settings.detoxify_batch_size,
    )


def policy_source(settings: Settings, sessions: sessionmaker[Session]) -> Callable[[], Policy]:
    """The active policy, re-read as it changes."""
    return stored_policy(sessions, fallback_text(settings.policy_file))


@dataclass(frozen=True)
class ScorerSet:
    """The scorers run on every comment, and the ones other steps call by their role."""

    every: list[Scorer]  # Detoxify first: in lanes, the longest work starts first
    rescorer: TextRescorer  # the identity guard's re-scoring of swapped texts
    relevance: RelevanceScorer
    explainer: DetoxifyScorer  # the spans behind a high score, found after the decision
    lanes: int = 1  # scorers run side by side (signals/lanes.py)


def default_scorers(
    settings: Settings,
    sessions: sessionmaker[Session],
    redis_client: Any,
    policy: Callable[[], Policy],
) -> ScorerSet:
    """Every scorer, each run on every comment."""
    # Torch's thread count for the process, set in the thread that will run the scorers and
    # before any model loads: a thread that has used torch keeps the count it had (lanes.py).
    set_torch_threads(settings.torch_threads)
    detoxify = DetoxifyScorer(
        detoxify_options(settings),
        retry_seconds=settings.scorer_retry_seconds,
        explain_above=lambda: policy().lowest_publish_line,
        explain_budget_ms=settings.explain_budget_ms,
    )
    relevance = relevance_scorer(settings, DatabaseStore(sessions), DatabaseComments(sessions))
    cheap: list[Scorer] = [
        LexicalAbuseScorer(settings.scorer_retry_seconds),
        WordListScorer(stored_matcher(sessions)),
        LinkScorer(),
        ActivityScorer(),
        BrigadingScorer(redis_client),
    ]
    return ScorerSet([detoxify, relevance, *cheap], detoxify, relevance, detoxify, lanes(settings))


def offline_scorers(settings: Settings, sessions: sessionmaker[Session]) -> ScorerSet:
    """The scorers that need no site history and write nothing (for `modq eval`)."""
    set_torch_threads(settings.torch_threads)  # as in default_scorers
    detoxify = DetoxifyScorer(detoxify_options(settings), settings.scorer_retry_seconds)
    relevance = relevance_scorer(settings, MemoryStore(), MemoryComments())
    cheap: list[Scorer] = [
        LexicalAbuseScorer(settings.scorer_retry_seconds),
        WordListScorer(stored_matcher(sessions)),
        LinkScorer(),
    ]
    return ScorerSet([detoxify, relevance, *cheap], detoxify, relevance, detoxify)


def lanes(settings: Settings) -> int:
    """How many scorers run side by side: the setting, or the default for torch's threads."""
    return settings.scorer_lanes or default_lanes(settings.torch_threads)


def relevance_scorer(
    settings: Settings, store: VectorStore, comments: CommentVectors
) -> RelevanceScorer:
    """The on-topic scorer with the configured embedding model, articles' vectors kept in
    `store` and comments' in `comments`."""
    load = functools.partial(
        load_embedder,
        settings.embedding_model,
        settings.detoxify_device,
        settings.embedding_bf16,
    )
    return RelevanceScorer(load, store, comments, settings.scorer_retry_seconds)
