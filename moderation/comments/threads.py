"""Published comments of an article as threads, a page of top-level threads at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import CommentStatus
from moderation.models import Article, Comment


@dataclass
class ThreadNode:
    """A published comment and its published replies; `comment` is None for a hidden parent."""

    id: str
    comment: Comment | None
    replies: list[ThreadNode] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadPage:
    """One page of threads and how many top-level threads there are."""

    threads: list[ThreadNode]
    total_threads: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        """True when a later page exists."""
        return self.page * self.per_page < self.total_threads


def published_threads(session: Session, article: Article, page: int, per_page: int) -> ThreadPage:
    """Threads of published comments, oldest thread first.

    A published reply whose parent is not published hangs under a placeholder for the parent,
    so the conversation keeps its shape without showing what was not published.
    """
    comments = list(
        session.scalars(
            select(Comment)
            .where(
                Comment.article_id == article.id,
                Comment.status == CommentStatus.PUBLISHED,
                or_(Comment.public_after.is_(None), Comment.public_after <= utcnow()),
            )
            .order_by(Comment.created_at, Comment.id)
        )
    )
    roots = build_forest(comments, _ancestry(session, comments))
    start = (page - 1) * per_page
    return ThreadPage(roots[start : start + per_page], len(roots), page, per_page)


def _ancestry(session: Session, comments: list[Comment]) -> dict[str, str | None]:
    """parent id of every comment on the article, published or not."""
    if not comments:
        return {}
    rows = session.execute(
        select(Comment.id, Comment.parent_id).where(Comment.article_id == comments[0].article_id)
    )
    return {row.id: row.parent_id for row in rows}


def build_forest(published: list[Comment], parent_of: dict[str, str | None]) -> list[ThreadNode]:
    """Arrange published comments into trees, inserting placeholders for hidden ancestors."""
    nodes = {c.id: ThreadNode(c.id, c) for c in published}
    roots: list[ThreadNode] = []
    for comment in published:
        node, parent_id = nodes[comment.id], parent_of.get(comment.id)
        while parent_id is not None and parent_id not in nodes:
            nodes[parent_id] = placeholder = ThreadNode(parent_id, None, [node])
            node, parent_id = placeholder, parent_of.get(parent_id)
        (nodes[parent_id].replies if parent_id is not None else roots).append(node)
    return roots
