"""What readers store: their reports on published comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.models import Comment


class Report(Base):
    """A reader's report on a comment; one per reader and comment, so a reader counts once."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("comment_id", "reader_id", name="uq_reports_reader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    reader_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(16))  # kinds.ReportReason
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator decides on the comment: a resolved report no longer counts.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    comment: Mapped[Comment] = relationship()
