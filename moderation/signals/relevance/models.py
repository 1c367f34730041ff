"""The stored embeddings of comments, kept for the replies and discussions that reuse them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db import Base, UTCDateTime, utcnow
from moderation.models import Comment


class CommentEmbedding(Base):
    """A comment's sentence embedding, stored when it is scored: replies reuse their parent's
    and their thread opener's, and the discussion evidence reads the published ones."""

    __tablename__ = "comment_embeddings"

    comment_id: Mapped[str] = mapped_column(ForeignKey(Comment.id), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
