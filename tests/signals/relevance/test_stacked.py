"""A comment compared with other articles and discussions stacked in one array gets what
comparing it with each in turn gives (the scorer stacks them once per batch for speed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from moderation.signals.relevance.article_vectors import ArticleVectors, background_of
from moderation.signals.relevance.discussion import (
    MIN_SIBLINGS,
    SAME_TEXT_COSINE,
    DiscussionEvidence,
    centroid,
    rivals,
    weigh,
)

RNG = np.random.default_rng(12)
DIMENSIONS = 16


def unit(*shape: int) -> Any:
    rows = RNG.standard_normal((*shape, DIMENSIONS)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def one_by_one(comment: Any, own: Any, others: Sequence[Any]) -> DiscussionEvidence:
    """The comparison as a loop over discussions (the code before the stacking)."""
    own = own[own @ comment < SAME_TEXT_COSINE]
    sims = own @ comment
    siblings, close = len(own), int((sims >= 0.4).sum())
    found = [o[o @ comment < SAME_TEXT_COSINE][:siblings] for o in others if len(o)]
    found = [r for r in found if len(r) >= MIN_SIBLINGS]
    if siblings < MIN_SIBLINGS or not found:
        return DiscussionEvidence(siblings, close, other_discussions=len(found))
    return DiscussionEvidence(
        siblings,
        close,
        float(centroid(own) @ comment) - max(float(centroid(o) @ comment) for o in found),
        float(sims.max()) - max(float((o @ comment).max()) for o in found),
        len(found),
    )


def case(own_rows: int, sizes: Sequence[int], copies: int) -> tuple[Any, Any, list[Any]]:
    """A comment, its discussion, other discussions of these sizes; the comment's own text
    stands in `copies` of the others (a comment posted twice is no evidence)."""
    comment, own = unit(1)[0], unit(own_rows)
    others = [unit(size) for size in sizes]
    for n in range(copies):
        if len(others[n]):
            others[n][min(n, len(others[n]) - 1)] = comment
    return comment, own, others


@pytest.mark.parametrize(
    ("own_rows", "sizes", "copies"),
    [
        (30, [100, 40, 7, 3, 0, 100], 0),
        (30, [100, 40, 7, 3, 0, 100], 3),
        (6, [6, 6, 5, 4], 2),  # a copy leaves a rival one row short of MIN_SIBLINGS
        (4, [50, 50], 0),  # too few siblings
        (20, [4, 2], 0),  # no rival long enough
        (20, [], 0),
    ],
)
def test_stacked_discussions_weigh_as_one_by_one(
    own_rows: int, sizes: list[int], copies: int
) -> None:
    comment, own, others = case(own_rows, sizes, copies)
    found, expected = weigh(comment, own, rivals(others)), one_by_one(comment, own, others)
    assert (found.siblings, found.close_to) == (expected.siblings, expected.close_to)
    assert found.other_discussions == expected.other_discussions
    assert found.usable == expected.usable
    if expected.usable:
        assert found.centroid_margin == pytest.approx(expected.centroid_margin, abs=1e-5)
        assert found.nearest_margin == pytest.approx(expected.nearest_margin, abs=1e-5)


def test_stacked_articles_give_each_articles_similarity() -> None:
    comment = unit(1)[0]
    articles = []
    for n, passages in enumerate([1, 15, 3, 40]):
        vectors = unit(passages)
        articles.append(ArticleVectors(str(n), ["p"] * passages, vectors, centroid(vectors)))
    found = background_of(articles).similarities(comment)
    expected = [a.similarity(comment)[0] for a in articles]
    assert found == pytest.approx(expected, abs=1e-6)
    assert len(background_of([]).similarities(comment)) == 0
