"""What the activity scorer needs to know about each author, read once per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.signals.base import AuthorContext

LOOK_BACK = timedelta(hours=24)  # how far back repeats are looked for
RATE_WINDOW = timedelta(hours=1)
RECENT_TEXTS = 20  # latest comments of the author compared with a new one


def author_contexts(session: Session, comments: Sequence[Comment]) -> dict[str, AuthorContext]:
    """Each comment's author context, from one query for the whole batch."""
    if not comments:
        return {}
    authors = {c.author_id for c in comments}
    addresses = {c.client_ip_hash for c in comments if c.client_ip_hash}
    since = min(c.created_at for c in comments) - LOOK_BACK
    same_source: ColumnElement[bool] = Comment.author_id.in_(authors)
    if addresses:
        same_source = or_(same_source, Comment.client_ip_hash.in_(addresses))
    earlier = session.execute(
        select(
            Comment.id, Comment.author_id, Comment.client_ip_hash, Comment.body, Comment.created_at
        )
        .where(same_source, Comment.created_at >= since)
        .order_by(Comment.created_at.desc())
    ).all()
    return {c.id: _context(c, earlier) for c in comments}


def _context(comment: Comment, earlier: Sequence[Any]) -> AuthorContext:
    before = [r for r in earlier if r.id != comment.id and r.created_at <= comment.created_at]
    in_hour = [r for r in before if r.created_at > comment.created_at - RATE_WINDOW]
    mine = [r for r in before if r.author_id == comment.author_id]
    return AuthorContext(
        recent_texts=tuple(r.body for r in mine[:RECENT_TEXTS]),
        last_hour=sum(r.author_id == comment.author_id for r in in_hour),
        last_hour_same_ip=sum(
            bool(comment.client_ip_hash) and r.client_ip_hash == comment.client_ip_hash
            for r in in_hour
        ),
    )
