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
from moderation.kinds import CommentStatus, Decider, Role


def new_comment_id() -> str:
    """An unguessable comment id, so a status URL does not reveal other comments."""
    return uuid.uuid4().hex


USERNAME_MAX_CHARS = 100


class Site(Base):
    """A site that sends articles and comments; its API keys are its credentials."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Origins (scheme://host[:port]) whose browsers may call the API (CORS).
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Comments accepted without a key, from readers' browsers on `origins`: off by default.
    open_intake: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    keys: Mapped[list[ApiKey]] = relationship(back_populates="site", order_by="ApiKey.id")


class ApiKey(Base):
    """One of a site's keys; only a SHA-256 of it is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # its first characters, to tell keys apart
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="keys")


class Article(Base):
    """An article of a site, keyed by the site's own id."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
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
        # The review queue's order (see decisions/priority.py): one index walk per page.
        Index("ix_comments_status_priority", "status", "priority"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_comment_id)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
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
    # Queued behind other authors' comments: its author was over their fair share.
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the policy sends the comment to review (decisions/priority.py): its place in
    # the queue, why, and what the queue's filters read without opening the signals.
    priority: Mapped[float | None] = mapped_column(Float)
    priority_why: Mapped[str | None] = mapped_column(String(300))
    reason_codes: Mapped[str | None] = mapped_column(String(500))  # " code code "
    language: Mapped[str | None] = mapped_column(String(16))
    detoxify_scores: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # Near-copies and bursts are reviewed as one card, the wave of its first comment; a wave's
    # decision shows publicly once its undo window has closed.
    wave_id: Mapped[str | None] = mapped_column(String(32), index=True)
    public_after: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    signals: Mapped[list[Signal]] = relationship(back_populates="comment", order_by="Signal.scorer")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="comment", order_by="Decision.id"
    )

    def public_status(self, now: datetime) -> str:
        """The status readers see: a wave's decision waits for its undo window to close."""
        held = self.public_after is not None and self.public_after > now
        return CommentStatus.REVIEW if held else self.status


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
    # A moderator's latest decisions: the undo key, the dashboard's per-moderator figures.
    __table_args__ = (Index("ix_decisions_moderator_created", "moderator_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(ForeignKey("comments.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"))
    policy_version: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken back within the window

    comment: Mapped[Comment] = relationship(back_populates="decisions")
    moderator: Mapped[Moderator | None] = relationship()

    @property
    def decider(self) -> Decider:
        """The policy or a moderator, as the public API says it."""
        return Decider.MODERATOR if self.moderator_id else Decider.POLICY

    @property
    def decider_name(self) -> str:
        """`policy`, or the moderator's username (for moderators' eyes only)."""
        return self.moderator.username if self.moderator else Decider.POLICY


class Moderator(Base):
    """A person who may log in to the review UI."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_CHARS), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MODERATOR)

    @property
    def is_admin(self) -> bool:
        """Admins also manage moderators, word lists and the policy, and lift sanctions."""
        return self.role == Role.ADMIN

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
    # A subject's history, and the failed logins shown to a moderator, are read by subject.
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

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
