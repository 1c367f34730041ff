"""The stored records of the learning loop: spot-checks of automatic decisions and drift
alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.models import Comment


class SpotCheck(Base):
    """An automatic decision picked for a moderator to confirm or overturn."""

    __tablename__ = "spot_checks"

    comment_id: Mapped[str] = mapped_column(ForeignKey(Comment.id), primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # what the policy did
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))  # confirmed | overturned
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship()


class DriftAlert(Base):
    """A day whose scores moved far from the month before."""

    __tablename__ = "drift_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    psi: Mapped[float] = mapped_column(Float)
    recent: Mapped[int] = mapped_column(Integer)  # scores in the last day
    baseline: Mapped[int] = mapped_column(Integer)  # scores in the month before
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
