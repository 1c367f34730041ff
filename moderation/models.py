"""The stored records: articles, comments, their signals and decisions, moderators, audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.kinds import CommentStatus


def new_comment_id() -> str:
    """An unguessable comment id, so a status URL does not reveal other comments."""
    return uuid.uuid4().hex


class Article(Base):
    """An article of the site, keyed by the site's own id."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Comment(Base):
    """A reader's comment or reply, with its current status."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_status_created", "status", "created_at"),
        Index("ix_comments_article_status", "article_id", "status"),
        Index("ix_comments_status_queued", "status", "queued_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_comment_id)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CommentStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When scoring was last asked for; the requeue sweep uses it to find lost tasks.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # A keyed hash of the reader's network address: enough to count, not to locate.
    client_ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    article: Mapped[Article] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    signals: Mapped[list[Signal]] = relationship(back_populates="comment", order_by="Signal.scorer")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="comment", order_by="Decision.id"
    )


class Signal(Base):
    """One scorer's output for one comment: scores by label, state and details."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), index=True)
    scorer: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="signals")


class Decision(Base):
    """A decision on a comment, by the policy or by a moderator."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    policy_version: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="decisions")
    moderator: Mapped[Moderator | None] = relationship()

    @property
    def decided_by(self) -> str:
        """`policy`, or the moderator's username."""
        return self.moderator.username if self.moderator else "policy"


class Moderator(Base):
    """A person who may log in to the review UI."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WordListEntry(Base):
    """A watched word or phrase and what a match does: reject, review or flag."""

    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleVectorsRow(Base):
    """The embedded passages of one version of an article (a cache shared by workers)."""

    __tablename__ = "article_vectors"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), index=True)
    passages: Mapped[str] = mapped_column(Text)  # JSON list of the passages' text
    vectors: Mapped[bytes] = mapped_column(LargeBinary)  # float32, passages x dimensions
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CommentEmbedding(Base):
    """A comment's sentence embedding, stored when it is scored: replies reuse their parent's
    and their thread opener's, and the discussion evidence reads the published ones."""

    __tablename__ = "comment_embeddings"

    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class PolicyVersion(Base):
    """A policy document as it was activated; decisions name the version that made them."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def label(self) -> str:
        """How decisions name this version."""
        return f"v{self.id}-{self.digest}"


class Author(Base):
    """What a commenter's comments came to, and whether a moderator pre-moderates them."""

    __tablename__ = "authors"

    author_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    published: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SpotCheck(Base):
    """An automatic decision picked for a moderator to confirm or overturn."""

    __tablename__ = "spot_checks"

    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), primary_key=True)
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


class ScorerStatus(Base):
    """The last state a worker reported for a scorer, so the web side can show it."""

    __tablename__ = "scorer_status"

    scorer: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """One state change; rows are only ever added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(_mapper: Mapper[Any], _connection: Any, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be changed or deleted")
