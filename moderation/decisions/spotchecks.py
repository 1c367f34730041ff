"""Spot-checks: a share of automatic decisions goes to a moderator, to measure their errors.

The sample is drawn by hashing the comment id, so it is random across comments but the same
every time for one comment (a second delivery never draws it twice).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import claim, utcnow
from moderation.decisions.review import set_outcome
from moderation.errors import Conflict
from moderation.kinds import STATUS_AFTER, Action, SpotCheckVerdict
from moderation.learning.models import SpotCheck
from moderation.models import Comment, Moderator

OPPOSITE = {Action.PUBLISH: Action.REJECT, Action.REJECT: Action.PUBLISH}


class AlreadyChecked(Conflict):
    """Another moderator checked this decision first."""


def drawn(comment_id: str, share: float) -> bool:
    """True for about `share` of comment ids, always the same ones."""
    value = int.from_bytes(hashlib.sha256(comment_id.encode()).digest()[:8], "big")
    return value / 2**64 < share


def maybe_spot_check(session: Session, comment_id: str, action: Action, share: float) -> bool:
    """Queue an automatic decision for a spot-check when the draw says so (in the caller's
    transaction)."""
    if action not in OPPOSITE or not drawn(comment_id, share):
        return False
    session.add(SpotCheck(comment_id=comment_id, action=action.value))
    return True


def open_spot_checks(session: Session, limit: int = 50) -> list[SpotCheck]:
    """Automatic decisions waiting for a moderator's look, oldest first."""
    query = (
        select(SpotCheck)
        .where(SpotCheck.verdict.is_(None))
        .order_by(SpotCheck.created_at)
        .limit(limit)
        .options(
            selectinload(SpotCheck.comment).selectinload(Comment.article),
            selectinload(SpotCheck.comment).selectinload(Comment.signals),
            selectinload(SpotCheck.comment).selectinload(Comment.decisions),
        )
    )
    return list(session.scalars(query))


def check(
    session: Session, comment_id: str, moderator: Moderator, verdict: SpotCheckVerdict
) -> SpotCheck:
    """Confirm the automatic decision, or overturn it (which reverses the comment's status);
    committed and audited."""
    where = (SpotCheck.comment_id == comment_id, SpotCheck.verdict.is_(None))
    if not claim(
        session, SpotCheck, *where, verdict=verdict, moderator_id=moderator.id, checked_at=utcnow()
    ):
        session.rollback()
        raise AlreadyChecked(f"the decision on {comment_id} was already checked")
    spot = session.get(SpotCheck, comment_id)
    assert spot is not None
    if verdict is SpotCheckVerdict.OVERTURNED:
        _reverse(session, spot, moderator)
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        f"spot_check.{verdict}",
        "comment",
        comment_id,
        automatic=spot.action,
    )
    session.commit()
    return spot


def _reverse(session: Session, spot: SpotCheck, moderator: Moderator) -> None:
    automatic = Action(spot.action)
    message = "Overturned on spot-check."
    set_outcome(
        session,
        spot.comment,
        STATUS_AFTER[automatic],
        OPPOSITE[automatic],
        moderator,
        message=message,
    )
