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
    """Store each scorer's state where the web process can read it (one query for all: it
    runs after every batch, so with a trickle of comments, after every comment)."""
    names = [scorer.name for scorer in scorers]
    stored = session.scalars(select(ScorerStatus).where(ScorerStatus.scorer.in_(names)))
    rows = {row.scorer: row for row in stored}
    for scorer in scorers:
        health = scorer.health()
        row = rows.get(scorer.name) or ScorerStatus(scorer=scorer.name)
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
