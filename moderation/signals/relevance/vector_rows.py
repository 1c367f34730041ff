"""The stored embeddings of articles' passages, shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db import Base, UTCDateTime, utcnow


class ArticleVectorsRow(Base):
    """The embedded passages of one version of an article (a cache shared by workers)."""

    __tablename__ = "article_vectors"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    passages: Mapped[str] = mapped_column(Text)  # JSON list of the passages' text
    vectors: Mapped[bytes] = mapped_column(LargeBinary)  # float32, passages x dimensions
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
