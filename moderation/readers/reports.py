"""Readers' reports on published comments: each reader counts once; enough distinct readers
hide a comment from the public thread until a moderator decides; the reported queue."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.comments.validation import ValidationError
from moderation.db import utcnow
from moderation.decisions.authors import count_outcome
from moderation.errors import Invalid, NotFound
from moderation.kinds import Action, CommentStatus, EventType, ReportReason
from moderation.models import Comment, Decision, Moderator
from moderation.policy.reasons import public_sentence
from moderation.readers.models import Report
from moderation.webhooks import outbox


@dataclass(frozen=True)
class ReportOutcome:
    """What a report did: counted (a reader's first on this comment) and whether the comment
    is now hidden."""

    counted: bool
    hidden: bool


@dataclass(frozen=True)
class ReportedComment:
    """A comment in the reported queue: how many readers reported it, and why."""

    comment: Comment
    readers: int
    reasons: dict[str, int]
    hidden: bool


def parse_reason(value: object) -> ReportReason:
    """A report's reason, or ValidationError naming the choices."""
    try:
        return ReportReason(str(value))
    except ValueError:
        raise ValidationError({"reason": f"must be one of {', '.join(ReportReason)}"}) from None


def report_comment(
    session: Session,
    comment_id: str,
    reader_id: str,
    reason: ReportReason,
    hide_after: int | None,
) -> ReportOutcome:
    """Record a reader's report on a published comment (committed); a second report by the
    same reader changes nothing."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status != CommentStatus.PUBLISHED:
        raise NotFound("no published comment with this id")
    counted = _add(session, comment, reader_id, reason)
    hidden = comment.id in hidden_among(session, [comment.id], hide_after)
    return ReportOutcome(counted, hidden)


def _add(session: Session, comment: Comment, reader_id: str, reason: ReportReason) -> bool:
    mine = select(Report.id).where(Report.comment_id == comment.id, Report.reader_id == reader_id)
    if session.scalar(mine) is not None:
        return False
    session.add(
        Report(comment_id=comment.id, site_id=comment.site_id, reader_id=reader_id, reason=reason)
    )
    audit.record(
        session, f"reader:{reader_id}", "comment.reported", "comment", comment.id, reason=reason
    )
    outbox.record(session, comment, EventType.REPORTED)  # sent once this commits
    try:
        session.commit()
    except IntegrityError:  # the same reader's report committed by a concurrent request
        session.rollback()
        return False
    return True


def _open_counts() -> Select[str, int]:
    return (
        select(Report.comment_id, func.count().label("readers"))
        .where(Report.resolved_at.is_(None))
        .group_by(Report.comment_id)
    )


def hidden_among(
    session: Session, comment_ids: Collection[str], hide_after: int | None
) -> set[str]:
    """Which of these comments enough readers reported to hide them (open reports only)."""
    if hide_after is None or not comment_ids:
        return set()
    query = _open_counts().where(Report.comment_id.in_(list(comment_ids)))
    return {row.comment_id for row in session.execute(query) if row.readers >= hide_after}


def reported_comments(
    session: Session, hide_after: int | None, site_id: int | None = None, limit: int = 50
) -> list[ReportedComment]:
    """Reported comments not yet decided by a moderator, most-reported first (then the
    earliest reported), with their reasons."""
    counts = _open_counts().add_columns(func.min(Report.created_at).label("first"))
    if site_id is not None:
        counts = counts.where(Report.site_id == site_id)
    rows = session.execute(counts.order_by(func.count().desc(), "first").limit(limit)).all()
    comments = {
        c.id: c
        for c in session.scalars(
            select(Comment)
            .where(Comment.id.in_([r.comment_id for r in rows]))
            .options(selectinload(Comment.article), selectinload(Comment.parent))
        )
    }
    reasons = _reasons(session, list(comments))
    return [
        ReportedComment(
            comments[r.comment_id],
            r.readers,
            reasons.get(r.comment_id, {}),
            hide_after is not None and r.readers >= hide_after,
        )
        for r in rows
    ]


def open_reasons(session: Session, comment_id: str) -> dict[str, int]:
    """How many open reports a comment has, by reason (empty when none)."""
    return _reasons(session, [comment_id]).get(comment_id, {})


def _reasons(session: Session, comment_ids: list[str]) -> dict[str, dict[str, int]]:
    query = (
        select(Report.comment_id, Report.reason, func.count())
        .where(Report.comment_id.in_(comment_ids), Report.resolved_at.is_(None))
        .group_by(Report.comment_id, Report.reason)
    )
    found: dict[str, dict[str, int]] = {}
    for comment_id, reason, n in session.execute(query):
        found.setdefault(comment_id, {})[reason] = int(n)
    return found


def decide_reported(
    session: Session, comment_id: str, moderator: Moderator, action: Action, note: str = ""
) -> None:
    """A moderator's decision on a reported comment (committed): publish keeps it (shown
    again), reject removes it; either way its open reports are resolved."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    if action not in (Action.PUBLISH, Action.REJECT):
        raise Invalid(f"moderators publish or reject, not {action}")
    now = utcnow()
    session.execute(
        update(Report)
        .where(Report.comment_id == comment_id, Report.resolved_at.is_(None))
        .values(resolved_at=now)
    )
    if action is Action.REJECT and comment.status == CommentStatus.PUBLISHED:
        comment.status, comment.decided_at = CommentStatus.REJECTED, now
        count_outcome(session, comment.author_id, CommentStatus.PUBLISHED, change=-1)
        count_outcome(session, comment.author_id, CommentStatus.REJECTED)
        outbox.record_status(
            session, comment, CommentStatus.REJECTED, previous_status=CommentStatus.PUBLISHED
        )
        reason = {"code": "moderator", "message": note or "removed after readers' reports"}
        session.add(
            Decision(
                comment_id=comment_id,
                action=action,
                reasons=[reason | {"public": public_sentence("moderator")}],
                moderator_id=moderator.id,
                created_at=now,
            )
        )
    actor = audit.moderator_actor(moderator.username)
    audit.record(session, actor, "reports.decided", "comment", comment_id, action=action, note=note)
    session.commit()
