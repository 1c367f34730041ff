"""The vectors a batch of comments needs, with one embedding pass.

Comments, the parents and thread openers they answer and the discussions they come with are
embedded together, each distinct text once. A comment embedded before (a parent, a thread
opener, a comment delivered twice) is read from the store instead, and every vector computed
here is stored for the replies to come. What the comments are compared with besides (recent
comments, other articles, other discussions) is stacked once per batch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from moderation.cache import Recent
from moderation.signals.base import ScoringInput
from moderation.signals.relevance.article_vectors import Background, VectorStore, background_of
from moderation.signals.relevance.comment_vectors import DISCUSSION_COMMENTS, CommentVectors
from moderation.signals.relevance.discussion import Rivals, rivals
from moderation.signals.relevance.embeddings import Embedder

TEXT_CACHE_ITEMS = 20_000  # discussion texts remembered (an evaluation repeats them)
BY_TEXT = "text:"  # the key of a parent given as a text alone: never stored


@dataclass(frozen=True)
class BatchVectors:
    """Each comment's vector, the vectors of what it answers and of its discussion, in the
    order of the batch."""

    comments: list[Any]
    answered: list[list[Any]]  # its parent's and thread opener's
    discussion: list[Any]  # published siblings' rows, newest first


TextCache = Recent[str, Any]  # vectors of texts, the least recently used forgotten first


def resolve(
    embedder: Embedder, store: CommentVectors, cache: TextCache, inputs: Sequence[ScoringInput]
) -> BatchVectors:
    """Read what is stored, embed the rest in one pass, store what was embedded."""
    known = store.stored(embedder.name, {key for item in inputs for key, _ in _needed(item)})
    said = {t: cache.get(t) for item in inputs for t in _recent(item)}
    texts = [t for item in inputs for key, t in _needed(item) if key not in known]
    unique = list(dict.fromkeys(texts + [t for t, v in said.items() if v is None]))
    fresh = dict(zip(unique, embedder.encode(unique), strict=True))
    store.keep(
        embedder.name,
        {
            key: fresh[text]
            for item in inputs
            for key, text in _needed(item)
            if key not in known and not key.startswith(BY_TEXT)
        },
    )
    for text, vector in said.items():
        said[text] = fresh[text] if vector is None else vector
        cache.put(text, said[text])
    stored = store.discussions(embedder.name, {i.article_id for i in inputs if not i.discussion})
    found = [[known[k] if k in known else fresh[t] for k, t in _needed(i)] for i in inputs]
    return BatchVectors(
        [vectors[0] for vectors in found],
        [vectors[1:] for vectors in found],
        [_discussion(i, said, stored) for i in inputs],
    )


@dataclass(frozen=True)
class Compared:
    """What a batch's comments are compared with besides their own context."""

    recent: Any  # the recent comments' rows
    background: Callable[[str], Background]  # other articles than an article (by key)
    rivals: Callable[[str], Rivals]  # other articles' discussions than an article's (by id)


def compared_with(
    embedder: Embedder, store: VectorStore, comments: CommentVectors, recent: Collection[Any]
) -> Compared:
    """The recent comments as one matrix, and the other articles and discussions than a
    comment's, stacked once per batch and article (a batch's comments share a few)."""
    import numpy as np

    @functools.cache
    def background(article_key: str) -> Background:
        return background_of(store.background(embedder, article_key))

    @functools.cache
    def others(article_id: str) -> Rivals:
        return rivals(comments.others(embedder.name, article_id))

    rows = np.stack(list(recent)) if recent else np.zeros((0, 0), dtype=np.float32)
    return Compared(rows, background, others)


def newest_first(embedder: Embedder, cache: TextCache, texts: Sequence[str]) -> Any:
    """A discussion's rows, newest first, embedding only the texts not cached."""
    import numpy as np

    recent = list(reversed(texts[-DISCUSSION_COMMENTS:]))
    # Read once: a small cache could forget a text between its put and a second read.
    found: dict[str, Any] = {t: cache.get(t) for t in recent}
    missing = [t for t, vector in found.items() if vector is None]
    for text, vector in zip(missing, embedder.encode(missing), strict=True):
        cache.put(text, vector)
        found[text] = vector
    return np.stack([found[t] for t in recent]) if recent else np.zeros((0, 0), np.float32)


def _needed(item: ScoringInput) -> Iterator[tuple[str, str]]:
    """(key, text) of the comment, then of its parent and thread opener: keyed by comment id
    when there is one, else by the text itself (`modq eval` gives parents as texts)."""
    yield item.comment_id, item.text
    for key, text in ((item.parent_id, item.parent_text), (item.thread_id, item.thread_text)):
        if text:
            yield key or f"{BY_TEXT}{text}", text


def _recent(item: ScoringInput) -> list[str]:
    """The newest DISCUSSION_COMMENTS texts of the discussion it came with, newest first."""
    return list(reversed(item.discussion[-DISCUSSION_COMMENTS:]))


def _discussion(item: ScoringInput, said: dict[str, Any], stored: dict[str, Any]) -> Any:
    import numpy as np

    if item.discussion:
        return np.stack([said[t] for t in _recent(item)])
    return stored.get(item.article_id, np.zeros((0, 0), dtype=np.float32))
