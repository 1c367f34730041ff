"""Moderators' decisions on comments in review, and overrides of decided ones."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions import claims, waves
from moderation.decisions.authors import count_outcome, count_outcomes
from moderation.decisions.models import NOTE_MAX_CHARS
from moderation.decisions.queues import CLAIM_ORDER, in_review
from moderation.errors import Conflict, Invalid, NotFound
from moderation.kinds import STATUS_AFTER, Action, CommentStatus
from moderation.models import Comment, Decision, Moderator
from moderation.policy.reasons import PUBLIC, public_sentence
from moderation.webhooks import outbox

MODERATOR_ACTIONS = (Action.PUBLISH, Action.REJECT)
WAITING = (CommentStatus.PENDING, CommentStatus.REVIEW)
MODERATOR = "moderator"  # the reason code of a moderator's decision without a chosen reason
# The public reasons a moderator picks from when rejecting (the keys 1 to 9 on the card).
REJECT_REASONS = (
    "offensive",
    "abusive",
    "insult",
    "threat",
    "hate_speech",
    "sexual_content",
    "spam",
    "off_topic",
    "repeat",
)


class AlreadyDecided(Conflict):
    """Someone decided the comment first; `decision` is theirs, if any."""

    def __init__(self, comment: Comment) -> None:
        last = comment.decisions[-1] if comment.decisions else None
        who = last.decider_name if last else "nobody"
        super().__init__(f"this comment is already {comment.status} (last decided by {who})")
        self.comment = comment


def checked(action: Action, reason: str, note: str) -> None:
    """Refuse what a moderator may not decide: another action, an unknown reason, a long
    note (an error, never a silent cut)."""
    if action not in MODERATOR_ACTIONS:
        raise Invalid(f"moderators publish or reject, not {action}")
    if reason != MODERATOR and reason not in PUBLIC:
        raise Invalid(f"unknown reason {reason!r}")
    if len(note) > NOTE_MAX_CHARS:
        raise Invalid(f"the note has {len(note)} characters; at most {NOTE_MAX_CHARS} are kept")


def decide_as_moderator(
    session: Session,
    comment_id: str,
    moderator: Moderator,
    action: Action,
    note: str = "",
    reason: str = MODERATOR,
    public_delay: timedelta = timedelta(0),
    **audited: object,
) -> Decision:
    """Publish or reject a comment in review, and the rest of the wave it leads (committed);
    AlreadyDecided if it is not in review, claims.Taken if another moderator holds it. A
    wave's decision shows to readers after `public_delay` (the undo window); its webhook
    events go out when that window has passed (an undone decision sends none)."""
    checked(action, reason, note)
    now = utcnow()
    live = claims.holder(session, comment_id, now)
    if live is not None and live.moderator_id != moderator.id:
        session.rollback()
        raise claims.Taken(comment_id, live.moderator.username)
    if not claim(
        session, Comment, in_review(comment_id), status=STATUS_AFTER[action], decided_at=now
    ):
        session.rollback()
        raise _why_not(session, comment_id)
    claims.release_any(session, comment_id)
    decided = (action, reason, note, now, now + public_delay)  # sites hear of it once final
    decision = _decided(session, comment_id, moderator, decided, audited)
    wave = [
        member.id
        for member in waves.members(session, comment_id)
        if claim(
            session, Comment, in_review(member.id), status=STATUS_AFTER[action], decided_at=now
        )
    ]
    for member in wave:
        _decided(session, member, moderator, decided, {"wave": comment_id})
    decided_ids = Comment.id.in_([comment_id, *wave])
    if wave:  # readers see a wave's decision once it can no longer be undone
        claim(session, Comment, decided_ids, public_after=now + public_delay)
    authors = session.scalars(select(Comment.author_id).where(decided_ids))
    count_outcomes(session, Counter((author, STATUS_AFTER[action]) for author in authors))
    session.commit()
    return decision


def _decided(
    session: Session,
    comment_id: str,
    moderator: Moderator,
    decided: tuple[Action, str, str, datetime, datetime],
    audited: dict[str, object],
) -> Decision:
    """A moderator's decision on one comment: record, event (held until `shown_at`), audit."""
    action, reason, note, now, shown_at = decided
    comment = session.get(Comment, comment_id)
    assert comment is not None
    decision = _record(session, comment_id, moderator, action, reason, note, now)
    outbox.record_status(session, comment, STATUS_AFTER[action], shown_at, CommentStatus.REVIEW)
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "comment.decided",
        "comment",
        comment_id,
        action=action.value,
        reason=reason,
        note=note,
        **audited,
    )
    return decision


def override(
    session: Session,
    comment_id: str,
    moderator: Moderator,
    action: Action,
    note: str = "",
    reason: str = MODERATOR,
) -> Decision:
    """Reverse a published or rejected comment (committed); the audit log names it an
    override, with what it was before."""
    checked(action, reason, note)
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    before = comment.status
    if (
        before not in (CommentStatus.PUBLISHED, CommentStatus.REJECTED)
        or before == STATUS_AFTER[action]
    ):
        raise Invalid(f"this comment is {before}: nothing to override with {action.value}")
    decision = set_outcome(session, comment, before, action, moderator, reason, note)
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        "comment.overridden",
        "comment",
        comment_id,
        before=before,
        action=action.value,
        reason=reason,
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
) -> list[str]:
    """Reject every pending or in-review comment of an author (on one site, or on all), in one
    transaction with a decision and an audit entry per comment; returns their ids.

    The conditional update claims each comment as a worker's decision does (the rows locked
    first in CLAIM_ORDER), so a pending one that a worker scores later stays rejected, and one
    decided meanwhile is left as it is."""
    now = utcnow()
    waiting = _waiting_from(author_id, site_id)
    session.execute(select(Comment.id).where(*waiting).order_by(*CLAIM_ORDER).with_for_update())
    rejected = list(
        session.scalars(
            update(Comment)
            .where(*waiting)
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
        outbox.record_status(session, comment, CommentStatus.REJECTED)
    if rejected:
        count_outcome(session, author_id, CommentStatus.REJECTED, change=len(rejected))
    session.commit()
    return rejected


def _waiting_from(author_id: str, site_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [Comment.author_id == author_id, Comment.status.in_(WAITING)]
    if site_id is not None:
        conditions.append(Comment.site_id == site_id)
    return conditions


def set_outcome(
    session: Session,
    comment: Comment,
    before: str,
    action: Action,
    moderator: Moderator,
    reason: str = MODERATOR,
    message: str = "",
) -> Decision:
    """Change a decided comment's status from `before` to the action's (not committed);
    AlreadyDecided if someone changed it first. Authors' counts follow."""
    now = utcnow()
    where = (Comment.id == comment.id, Comment.status == before)
    if not claim(session, Comment, *where, status=STATUS_AFTER[action], decided_at=now):
        session.rollback()
        raise _why_not(session, comment.id)
    count_outcome(session, comment.author_id, before, change=-1)
    count_outcome(session, comment.author_id, STATUS_AFTER[action])
    session.refresh(comment)
    decision = _record(session, comment.id, moderator, action, reason, message, now)
    outbox.record_status(session, comment, STATUS_AFTER[action], previous_status=before)
    return decision


def _record(
    session: Session,
    comment_id: str,
    moderator: Moderator,
    action: Action,
    reason: str,
    message: str,
    now: datetime,
) -> Decision:
    decision = Decision(
        comment_id=comment_id,
        action=action,
        reasons=[
            {
                "code": reason,
                "message": message or f"{action.value} by a moderator",
                "public": public_sentence(reason),
            }
        ],
        moderator_id=moderator.id,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    return decision


def _why_not(session: Session, comment_id: str) -> Exception:
    comment = session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        return NotFound(f"no comment {comment_id}")
    session.refresh(comment, ["decisions"])
    return AlreadyDecided(comment)
