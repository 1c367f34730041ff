"""What workers report about their scorers, stored where the web process can read it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import ScorerState
from moderation.models import ScorerStatus
from moderation.signals.base import Scorer, ScorerHealth


def record_health(session: Session, scorers: Sequence[Scorer]) -> None:
    """Store each scorer's state where the web process can read it."""
    for scorer in scorers:
        health = scorer.health()
        row = session.get(ScorerStatus, scorer.name) or ScorerStatus(scorer=scorer.name)
        if (row.state, row.version, row.detail) != (health.state, health.version, health.detail):
            row.state, row.version, row.detail = health.state, health.version, health.detail
            row.updated_at = utcnow()
            session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another worker inserted the same row first; its report stands
        session.rollback()


def scorer_health(session: Session) -> dict[str, ScorerHealth]:
    """What the workers last reported about each scorer."""
    return {
        row.scorer: ScorerHealth(ScorerState(row.state), row.version, row.detail)
        for row in session.scalars(select(ScorerStatus).order_by(ScorerStatus.scorer))
    }
