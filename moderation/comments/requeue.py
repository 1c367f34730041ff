"""The requeue sweep: comments still pending long after they were queued are queued again.

It bounds every way a queued comment can be lost or delayed: a publish that failed while the
broker was away, messages lost when Redis restarted without persistence, a message stuck
unacknowledged with a worker that died.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.comments.intake import Enqueue, publish
from moderation.db import claim, utcnow
from moderation.kinds import CommentStatus
from moderation.models import Comment

log = logging.getLogger(__name__)


def requeue_stale(
    session: Session, older_than: timedelta, enqueue: Enqueue, limit: int = 500
) -> int:
    """Queue again the pending comments last queued before `older_than` ago; returns how many.

    Each comment is claimed by moving its queued_at forward in a conditional update, so two
    sweeps never both requeue it; a duplicate delivery is harmless anyway (scoring skips
    comments that are no longer pending).
    """
    cutoff = utcnow() - older_than
    stale = list(
        session.scalars(
            select(Comment.id)
            .where(Comment.status == CommentStatus.PENDING, Comment.queued_at < cutoff)
            .order_by(Comment.queued_at)
            .limit(limit)
        )
    )
    claimed = [
        comment_id
        for comment_id in stale
        if claim(
            session,
            Comment,
            Comment.id == comment_id,
            Comment.status == CommentStatus.PENDING,
            Comment.queued_at < cutoff,
            queued_at=utcnow(),
        )
    ]
    session.commit()
    published = sum(publish(comment_id, enqueue) for comment_id in claimed)
    if claimed:
        log.info("requeued %d of %d stale pending comments", published, len(claimed))
    return published
