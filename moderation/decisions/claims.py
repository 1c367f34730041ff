"""Claims: a moderator working on one comment holds it for a few minutes, so two moderators
never get the same card.

A claim is a row of `review_claims` keyed by the comment: whatever the database, two live
claims on one comment cannot exist. A claim is renewed while its moderator works, released by
a decision or a skip, and ignored once it has expired (a closed laptop holds nothing for
long). Taking the next card locks the candidate comment row with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so moderators asking at the same instant walk past each other's candidates
instead of queueing behind them; the claim row then decides.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.db import claim as conditional_update
from moderation.decisions.models import ReviewClaim
from moderation.decisions.queues import View, conditions, in_review, ordered
from moderation.errors import Conflict
from moderation.kinds import Queue
from moderation.models import Comment, Moderator

ATTEMPTS = 5  # candidates tried when others keep taking them first


class Taken(Conflict):
    """Another moderator holds the comment."""

    def __init__(self, comment_id: str, holder: str) -> None:
        super().__init__(f"{holder} is working on this comment")
        self.comment_id, self.holder = comment_id, holder


def holder(session: Session, comment_id: str, now: datetime) -> ReviewClaim | None:
    """The live claim on a comment, if any."""
    found = session.get(ReviewClaim, comment_id, populate_existing=True)
    return found if found is not None and found.expires_at > now else None


def taken_by_others(
    session: Session, comment_ids: Collection[str], me: int, now: datetime
) -> dict[str, str]:
    """Which of these comments others hold, and who."""
    if not comment_ids:
        return {}
    query = (
        select(ReviewClaim.comment_id, Moderator.username)
        .join(Moderator, Moderator.id == ReviewClaim.moderator_id)
        .where(
            ReviewClaim.comment_id.in_(list(comment_ids)),
            ReviewClaim.expires_at > now,
            ReviewClaim.moderator_id != me,
        )
    )
    return {comment_id: username for comment_id, username in session.execute(query)}


def take(session: Session, comment_id: str, me: Moderator, now: datetime, hold: timedelta) -> None:
    """Claim one comment for `me` (committed), releasing my other claim; Taken if another
    moderator holds it."""
    if not _take(session, comment_id, me.id, now, hold):
        session.rollback()
        live = holder(session, comment_id, now)
        raise Taken(comment_id, live.moderator.username if live else "another moderator")
    session.commit()


def _take(session: Session, comment_id: str, me: int, now: datetime, hold: timedelta) -> bool:
    session.execute(
        delete(ReviewClaim).where(
            ReviewClaim.moderator_id == me, ReviewClaim.comment_id != comment_id
        )
    )
    try:
        with session.begin_nested():
            session.add(
                ReviewClaim(
                    comment_id=comment_id, moderator_id=me, claimed_at=now, expires_at=now + hold
                )
            )
            session.flush()
        return True
    except IntegrityError:  # a claim row exists: mine, or an expired one, may be taken over
        mine_or_expired = or_(ReviewClaim.moderator_id == me, ReviewClaim.expires_at <= now)
        return conditional_update(
            session,
            ReviewClaim,
            ReviewClaim.comment_id == comment_id,
            mine_or_expired,
            moderator_id=me,
            claimed_at=now,
            expires_at=now + hold,
        )


def take_next(
    session: Session,
    view: View,
    me: Moderator,
    hold: timedelta,
    skip: Sequence[str] = (),
    resume: bool = True,
) -> str | None:
    """The comment this moderator holds (unless `resume` is off: they just let it go), else
    claim the first of the review view that nobody else holds (committed); None when there is
    none. `skip`: comments this moderator passed over."""
    assert view.queue is Queue.REVIEW
    mine = _still_mine(session, me.id, view.now, skip) if resume else None
    if mine is not None:
        return mine
    for _ in range(ATTEMPTS):
        comment_id = _first_free(session, view, me.id, skip)
        if comment_id is None:
            session.rollback()
            return None
        if _take(session, comment_id, me.id, view.now, hold):
            session.commit()
            return comment_id
        session.rollback()
    return None


def _still_mine(session: Session, me: int, now: datetime, skip: Sequence[str]) -> str | None:
    """The comment this moderator holds, while it is in review and not passed over."""
    query = select(ReviewClaim.comment_id).where(
        ReviewClaim.moderator_id == me,
        ReviewClaim.expires_at > now,
        exists().where(in_review(ReviewClaim.comment_id)),
    )
    found = session.scalar(query.limit(1))
    return found if found is not None and found not in skip else None


def _first_free(session: Session, view: View, me: int, skip: Sequence[str]) -> str | None:
    held = exists().where(
        ReviewClaim.comment_id == Comment.id,
        ReviewClaim.expires_at > view.now,
        ReviewClaim.moderator_id != me,
    )
    base = select(Comment.id).where(*conditions(session, view), ~held)
    if skip:
        base = base.where(Comment.id.not_in(list(skip)))
    for part in ordered(base, view):
        query = part.limit(1).with_for_update(skip_locked=True, of=Comment)
        found = session.scalar(query)
        if found is not None:
            return str(found)
    return None


def renew(session: Session, comment_id: str, me: Moderator, now: datetime, hold: timedelta) -> None:
    """Keep holding a comment (committed); Taken if another moderator has it now."""
    where = (ReviewClaim.comment_id == comment_id, ReviewClaim.moderator_id == me.id)
    if conditional_update(session, ReviewClaim, *where, expires_at=now + hold):
        session.commit()
        return
    take(session, comment_id, me, now, hold)  # lapsed or released: take it again if free


def release(session: Session, comment_id: str, me: int) -> None:
    """Let go of a comment (not committed)."""
    session.execute(
        delete(ReviewClaim).where(
            ReviewClaim.comment_id == comment_id, ReviewClaim.moderator_id == me
        )
    )


def release_any(session: Session, comment_id: str) -> None:
    """Drop whatever claim a decided comment had (not committed)."""
    session.execute(delete(ReviewClaim).where(ReviewClaim.comment_id == comment_id))


def held_by(session: Session, me: int, now: datetime) -> str | None:
    """The comment this moderator holds now, if any."""
    query = select(ReviewClaim.comment_id).where(
        ReviewClaim.moderator_id == me, ReviewClaim.expires_at > now
    )
    return session.scalar(query.limit(1))
