"""Finding a comment's article at intake without a query per comment: a small in-process
memory of article ids, kept for a short while."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.cache import Recent
from moderation.models import Article

ARTICLE_SECONDS = 30.0  # articles are never deleted nor moved to another site; see ArticleLookup
ARTICLE_ITEMS = 4096  # most recently used kept: a flood is on a few articles


@dataclass(frozen=True)
class ArticleRef:
    """What intake needs of an article: its row id, its site and when it was first stored
    (the stricter mode closes commenting on articles published while it lasts)."""

    id: int
    site_id: int
    created_at: datetime


class ArticleLookup:
    """Articles by their site's id, remembered for `seconds` and at most `items` of them.

    A remembered article is never wrong while the database is the same (an article keeps its
    row and its site); the time limit only bounds how long a database emptied under a running
    app (in tests) could be misread. Unknown ids are never remembered: the article may be
    created a moment later. Safe to share between threads."""

    def __init__(
        self,
        seconds: float = ARTICLE_SECONDS,
        items: int = ARTICLE_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._known: Recent[str, ArticleRef] = Recent(items, seconds, clock)

    def find(self, session: Session, external_id: str) -> ArticleRef | None:
        """The article with the site's id, or None."""
        if (known := self._known.get(external_id)) is not None:
            return known
        row = session.execute(
            select(Article.id, Article.site_id, Article.created_at).where(
                Article.external_id == external_id
            )
        ).first()
        if row is None:
            return None
        found = ArticleRef(row.id, row.site_id, row.created_at)
        self._known.put(external_id, found)
        return found

    def __len__(self) -> int:
        return len(self._known)
