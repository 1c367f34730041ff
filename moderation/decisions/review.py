"""The review queue and moderators' decisions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions.authors import count_outcome
from moderation.errors import Conflict, Invalid, NotFound
from moderation.kinds import STATUS_AFTER, Action, CommentStatus
from moderation.models import Comment, Decision, Moderator
from moderation.policy.reasons import public_sentence

MODERATOR_ACTIONS = (Action.PUBLISH, Action.REJECT)


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
    session: Session, comment_id: str, moderator: Moderator, action: Action, note: str = ""
) -> Decision:
    """Publish or reject a comment in review (committed); raise AlreadyDecided if it is not."""
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
