"""Taking back one's own decision within the undo window: the comment returns to review,
held by the moderator who undid it. After the window, a decision can only be overridden
(decisions/review.py), which the audit log shows as such."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import claim
from moderation.decisions import claims
from moderation.decisions.authors import count_outcome
from moderation.errors import Conflict, NotFound
from moderation.kinds import STATUS_AFTER, Action, CommentStatus
from moderation.models import Comment, Decision, Moderator
from moderation.policy.reasons import public_sentence
from moderation.webhooks import outbox

UNDONE = "undone"  # the reason code of the decision that puts a comment back in review


class WindowClosed(Conflict):
    """The undo window has passed: override the decision instead."""


def undo(
    session: Session,
    decision_id: int,
    moderator: Moderator,
    window: timedelta,
    now: datetime,
    hold: timedelta,
) -> Comment:
    """Put the comment of one's own decision back in review (committed, audited)."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.moderator_id != moderator.id:
        raise NotFound(f"no decision {decision_id} of yours to undo")
    if now - decision.created_at > window:
        raise WindowClosed(
            f"the {window.total_seconds():.0f}-second undo window has closed: "
            "override the decision instead"
        )
    if not _undo_one(session, decision, moderator, now):
        session.rollback()
        raise Conflict("this decision was already undone or changed since")
    for member in _same_wave(session, decision):
        _undo_one(session, member, moderator, now)
    session.commit()
    comment = session.get(Comment, decision.comment_id)
    assert comment is not None
    claims.take(session, comment.id, moderator, now, hold)
    return comment


def _undo_one(session: Session, decision: Decision, moderator: Moderator, now: datetime) -> bool:
    """Put one decided comment back in review (not committed); False if it changed since."""
    after = STATUS_AFTER[Action(decision.action)]
    unchanged = (Comment.id == decision.comment_id, Comment.status == after)
    open_decision = (Decision.id == decision.id, Decision.undone_at.is_(None))
    if not (
        claim(session, Decision, *open_decision, undone_at=now)
        and claim(
            session,
            Comment,
            *unchanged,
            status=CommentStatus.REVIEW,
            decided_at=now,
            public_after=None,
        )
    ):
        return False
    comment = session.get(Comment, decision.comment_id)
    assert comment is not None
    count_outcome(session, comment.author_id, after, change=-1)
    if outbox.withdraw(session, comment.id, decision.created_at):  # too late to keep it quiet
        outbox.record_status(session, comment, CommentStatus.REVIEW, previous_status=after)
    session.add(_back_to_review(comment.id, moderator, now))
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "comment.undone",
        "comment",
        comment.id,
        undone=decision.action,
        decision=decision.id,
    )
    return True


def _same_wave(session: Session, decision: Decision) -> list[Decision]:
    """The decisions the same moderator made on the rest of a wave with this one."""
    wave = select(Comment.id).where(Comment.wave_id == decision.comment_id)
    query = select(Decision).where(
        Decision.comment_id.in_(wave),
        Decision.comment_id != decision.comment_id,
        Decision.moderator_id == decision.moderator_id,
        Decision.created_at == decision.created_at,
        Decision.undone_at.is_(None),
    )
    return list(session.scalars(query))


def _back_to_review(comment_id: str, moderator: Moderator, now: datetime) -> Decision:
    return Decision(
        comment_id=comment_id,
        action=Action.REVIEW,
        reasons=[
            {
                "code": UNDONE,
                "message": "A moderator undid their decision.",
                "public": public_sentence(UNDONE),
            }
        ],
        moderator_id=moderator.id,
        created_at=now,
    )


def last_undoable(
    session: Session, moderator: Moderator, window: timedelta, now: datetime
) -> Decision | None:
    """The moderator's latest decision still inside the undo window, if any."""
    query = (
        select(Decision)
        .where(
            Decision.moderator_id == moderator.id,
            Decision.undone_at.is_(None),
            Decision.action != Action.REVIEW,
            Decision.created_at > now - window,
        )
        # A wave's decisions share their time; the wave's lead was decided first.
        .order_by(Decision.created_at.desc(), Decision.id)
    )
    return session.scalar(query.limit(1))
