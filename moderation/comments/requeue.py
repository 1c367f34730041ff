"""The requeue sweep: comments still pending long after they were queued are queued again.

It bounds every way a queued comment can be lost or delayed: a publish that failed while the
broker was away, messages lost when Redis restarted without persistence, a message stuck
unacknowledged with a worker that died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.comments.intake import Enqueue, QueueEntry, publish
from moderation.db import claim, utcnow
from moderation.decisions.queues import CLAIM_ORDER
from moderation.kinds import CommentStatus
from moderation.models import Comment

log = logging.getLogger(__name__)


def requeue_stale(
    session: Session,
    older_than: timedelta,
    enqueue: Enqueue,
    limit: int = 500,
    fair_share: int = 0,
    backlog_empty: bool = True,
) -> int:
    """Queue again the pending comments last queued before `older_than` ago; returns how many.

    Fair as intake is: each author's first `fair_share` stale comments (0: all) go first, the
    rest behind everyone else's (deferred). Deferred comments wait their turn in the backlog
    for as long as it takes, so they are sent again only once the backlog is empty
    (`backlog_empty`): before, their message is still there, and a copy would only grow it.
    Each comment is claimed by moving its queued_at forward in a conditional update, so two
    sweeps never both requeue it; a duplicate delivery is harmless anyway (scoring skips
    comments that are no longer pending).
    """
    cutoff = utcnow() - older_than
    entries = _stale(session, cutoff, limit, fair_share, backlog_empty)
    won = {e.comment_id for e in _in_claim_order(session, entries) if _claim(session, e, cutoff)}
    session.commit()
    claimed = [entry for entry in entries if entry.comment_id in won]  # sent in fair order
    published = sum(publish(entry, enqueue) for entry in claimed)
    if claimed:
        log.info("requeued %d of %d stale pending comments", published, len(claimed))
    return published


def _stale(
    session: Session, cutoff: datetime, limit: int, fair_share: int, backlog_empty: bool
) -> list[QueueEntry]:
    """Stale pending comments, every author's first ones before anyone's later ones."""
    rank = (
        func.row_number()
        .over(partition_by=(Comment.deferred, Comment.author_id), order_by=Comment.queued_at)
        .label("rank")
    )
    conditions = [Comment.status == CommentStatus.PENDING, Comment.queued_at < cutoff]
    if not backlog_empty:
        conditions.append(Comment.deferred.is_(False))
    ranked = (
        select(Comment.id, Comment.author_id, Comment.deferred, Comment.queued_at, rank)
        .where(*conditions)
        .subquery()
    )
    rows = session.execute(
        select(ranked).order_by(ranked.c.deferred, ranked.c.rank, ranked.c.queued_at).limit(limit)
    )
    return [
        QueueEntry(row.id, row.author_id, row.deferred or 0 < fair_share < row.rank) for row in rows
    ]


def _in_claim_order(session: Session, entries: list[QueueEntry]) -> list[QueueEntry]:
    """The entries in CLAIM_ORDER, the order a worker's batch locks comments in: claimed in
    the order of fairness, the sweep and a batch could each wait for a row the other holds."""
    by_id = {entry.comment_id: entry for entry in entries}
    ordered = select(Comment.id).where(Comment.id.in_(by_id)).order_by(*CLAIM_ORDER)
    return [by_id[comment_id] for comment_id in session.scalars(ordered)]


def _claim(session: Session, entry: QueueEntry, cutoff: datetime) -> bool:
    return claim(
        session,
        Comment,
        Comment.id == entry.comment_id,
        Comment.status == CommentStatus.PENDING,
        Comment.queued_at < cutoff,
        queued_at=utcnow(),
        deferred=entry.deferred,
    )
