"""The stored records of the learning loop: spot-checks of automatic decisions, drift alerts,
and what was learned from the site: its on-topic lines, with their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
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


class TopicLine(Base):
    """An on-topic line learned from a site's published comments (one row per site, section and
    recomputation, so the history stays); section "" is the whole site."""

    __tablename__ = "topic_lines"
    # Deciding reads a site's newest computation, the Stats page its last 30 days.
    __table_args__ = (Index("ix_topic_lines_site_computed", "site_id", "computed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    section: Mapped[str] = mapped_column(String(200))
    line: Mapped[float | None] = mapped_column(Float)  # None: too few comments to learn from
    share: Mapped[float] = mapped_column(Float)  # the policy's max_flag_share it was learned for
    comments: Mapped[int] = mapped_column(Integer)  # published comments it was learned from
    scorer_version: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
