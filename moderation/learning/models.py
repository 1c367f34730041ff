"""The stored records of what was learned from the site: its on-topic lines, with their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db import Base, UTCDateTime, utcnow


class TopicLine(Base):
    """An on-topic line learned from the site's published comments (one row per section and
    recomputation, so the history stays); section "" is the whole site."""

    __tablename__ = "topic_lines"
    __table_args__ = (Index("ix_topic_lines_section_computed", "section", "computed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(200))
    line: Mapped[float | None] = mapped_column(Float)  # None: too few comments to learn from
    share: Mapped[float] = mapped_column(Float)  # the policy's max_flag_share it was learned for
    comments: Mapped[int] = mapped_column(Integer)  # published comments it was learned from
    scorer_version: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
