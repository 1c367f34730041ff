"""The review queue and moderators' decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions.authors import count_outcome
from moderation.errors import Conflict, Invalid, NotFound
from moderation.kinds import STATUS_AFTER, Action, CommentStatus
from moderation.models import Comment, Decision, Moderator
from moderation.policy.reasons import public_sentence
from moderation.webhooks import outbox

MODERATOR_ACTIONS = (Action.PUBLISH, Action.REJECT)
WAITING = (CommentStatus.PENDING, CommentStatus.REVIEW)


class AlreadyDecided(Conflict):
    """Someone decided the comment first; `decision` is theirs, if any."""

    def __init__(self, comment: Comment) -> None:
        last = comment.decisions[-1] if comment.decisions else None
        who = last.decider_name if last else "nobody"
        super().__init__(f"this comment is already {comment.status} (last decided by {who})")
        self.comment = comment


def review_queue(session: Session, limit: int = 50) -> list[Comment]:
    """Comments waiting for a moderator, oldest first, with what the card shows."""
    query = (
        select(Comment)
        .where(Comment.status == CommentStatus.REVIEW)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
        .options(
            selectinload(Comment.article),
            selectinload(Comment.parent),
            selectinload(Comment.signals),
            selectinload(Comment.decisions).selectinload(Decision.moderator),
        )
    )
    return list(session.scalars(query))


def queue_size(session: Session) -> int:
    """How many comments wait for a moderator."""
    query = select(func.count()).select_from(Comment).where(Comment.status == CommentStatus.REVIEW)
    return int(session.scalar(query) or 0)


def decide_as_moderator(
    session: Session,
    comment_id: str,
    moderator: Moderator,
    action: Action,
    note: str = "",
    deliver_after: datetime | None = None,
) -> Decision:
    """Publish or reject a comment in review (committed); raise AlreadyDecided if it is not.
    Its webhook event goes out after the commit, or at `deliver_after` (an undo window)."""
    if action not in MODERATOR_ACTIONS:
        raise Invalid(f"moderators publish or reject, not {action}")
    now = utcnow()
    where = (Comment.id == comment_id, Comment.status == CommentStatus.REVIEW)
    if not claim(session, Comment, *where, status=STATUS_AFTER[action], decided_at=now):
        session.rollback()
        comment = session.get(Comment, comment_id)
        if comment is None:
            raise NotFound(f"no comment {comment_id}")
        raise AlreadyDecided(comment)
    reasons = [
        {
            "code": "moderator",
            "message": note or f"{action.value} by a moderator",
            "public": public_sentence("moderator"),
        }
    ]
    comment = session.get(Comment, comment_id)
    assert comment is not None
    count_outcome(session, comment.author_id, STATUS_AFTER[action])
    decision = Decision(
        comment_id=comment_id,
        action=action,
        reasons=reasons,
        moderator_id=moderator.id,
        created_at=now,
    )
    session.add(decision)
    outbox.record_status(
        session, comment, STATUS_AFTER[action], deliver_after, CommentStatus.REVIEW
    )
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "comment.decided",
        "comment",
        comment_id,
        action=action.value,
        note=note,
    )
    session.commit()
    return decision


def waiting_from(session: Session, author_id: str, site_id: int | None = None) -> dict[str, int]:
    """How many of an author's comments are pending or in review, by status."""
    query = (
        select(Comment.status, func.count())
        .where(*_waiting_from(author_id, site_id))
        .group_by(Comment.status)
    )
    return {status: int(n) for status, n in session.execute(query)}


def reject_all_from(
    session: Session,
    author_id: str,
    moderator: Moderator,
    note: str = "",
    site_id: int | None = None,
    deliver_after: datetime | None = None,
) -> list[str]:
    """Reject every pending or in-review comment of an author (on one site, or on all), in one
    transaction with a decision and an audit entry per comment; returns their ids.

    The conditional update claims each comment as a worker's decision does, so a pending one
    that a worker scores later stays rejected, and one decided meanwhile is left as it is.
    """
    now = utcnow()
    rejected = list(
        session.scalars(
            update(Comment)
            .where(*_waiting_from(author_id, site_id))
            .values(status=CommentStatus.REJECTED, decided_at=now)
            .returning(Comment.id)
            .execution_options(synchronize_session=False)
        )
    )
    message = note or "rejected with every waiting comment of its author"
    reason = {"code": "moderator", "message": message, "public": public_sentence("moderator")}
    actor = audit.moderator_actor(moderator.username)
    for comment_id in rejected:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        session.add(
            Decision(
                comment_id=comment_id,
                action=Action.REJECT,
                reasons=[reason],
                moderator_id=moderator.id,
                created_at=now,
            )
        )
        audit.record(
            session,
            actor,
            "comment.decided",
            "comment",
            comment_id,
            action=Action.REJECT.value,
            note=note,
            bulk="author",
        )
        outbox.record_status(session, comment, CommentStatus.REJECTED, deliver_after)
    if rejected:
        count_outcome(session, author_id, CommentStatus.REJECTED, change=len(rejected))
    session.commit()
    return rejected


def _waiting_from(author_id: str, site_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [Comment.author_id == author_id, Comment.status.in_(WAITING)]
    if site_id is not None:
        conditions.append(Comment.site_id == site_id)
    return conditions
