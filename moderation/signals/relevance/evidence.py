"""How much evidence an on-topic comparison carries, as a confidence from 0 to 1.

A comparison is only as good as the texts on both sides. A comment of three words says too
little to be called off-topic; so does an article that is a title and one sentence, which is
all many sites send. The comment's side and the context's side are weighed apart: the context
is the best of the article, the parent a reply answers and the article's discussion, so a thin
article alone never makes a confident off-topic call, while a thin article with a lively
discussion can.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from moderation.signals.text import weighted_terms

# A comment whose content words weigh this much together gives full confidence in its score
# (about four rare words, or eight common ones).
FULL_EVIDENCE_WEIGHT = 12.0
# An article needs about a hundred content words (a short news item) for full confidence:
# gm-threads' articles cut to a title and a sentence weigh 10 to 101 (median 34), the full
# articles 286 to 831, so a title and a sentence stays under half.
FULL_ARTICLE_WEIGHT = 240.0


def text_evidence(text: str) -> float:
    """Evidence a comment's (or a parent's) words carry."""
    return round(min(1.0, sum(weighted_terms(text).values()) / FULL_EVIDENCE_WEIGHT), 3)


@functools.lru_cache(maxsize=256)
def article_evidence(title: str, section: str | None, body: str) -> float:
    """Evidence an article's words carry (cached per article version: a batch's comments
    mostly share a few articles)."""
    weight = sum(weighted_terms(f"{title} {section or ''} {body}").values())
    return round(min(1.0, weight / FULL_ARTICLE_WEIGHT), 3)


def confidence(comment: float, context: Mapping[str, float]) -> float:
    """The comment's evidence, capped by the best evidence on the context's side."""
    return round(min(comment, max(context.values(), default=0.0)), 3)
