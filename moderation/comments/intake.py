"""Taking in articles and comments: store first, then queue for scoring."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from moderation import audit
from moderation.breaker import CircuitOpen
from moderation.comments.articles import ArticleLookup, ArticleRef
from moderation.comments.validation import ArticleData, CommentSubmission, ValidationError
from moderation.db import utcnow
from moderation.decisions import duty
from moderation.errors import Conflict
from moderation.kinds import CommentStatus
from moderation.models import Article, AuditEntry, Comment, new_comment_id
from moderation.sites import check_owner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueEntry:
    """What the scoring queue carries for one comment."""

    comment_id: str
    author_id: str  # workers share each batch fairly between authors
    deferred: bool = False  # scored after every other author's comments


Enqueue = Callable[[QueueEntry], None]


class IdempotencyConflict(Conflict):
    """An Idempotency-Key was reused for a different comment."""

    code = "idempotency_conflict"


def upsert_article(
    session: Session, site_id: int, external_id: str, data: ArticleData, actor: str = "api"
) -> tuple[Article, bool]:
    """Create or update a site's article by its id (committed); True when it was created.

    An article another site created is refused (WrongSite)."""
    article = find_article(session, external_id)
    created = article is None
    if article is None:
        article = Article(site_id=site_id, external_id=external_id)
        session.add(article)
    else:
        check_owner(site_id, article.site_id, f"article {external_id!r}")
    changed = {k: v for k, v in asdict(data).items() if getattr(article, k, None) != v}
    for field, value in changed.items():
        setattr(article, field, value)
    session.flush()
    if changed:
        audit.record(
            session,
            actor,
            "article.created" if created else "article.updated",
            "article",
            external_id,
            fields=sorted(changed),
        )
    session.commit()
    return article, created


def find_article(session: Session, external_id: str) -> Article | None:
    """The article with the site's id, or None."""
    return session.scalar(select(Article).where(Article.external_id == external_id))


def submit_comment(
    session: Session,
    site_id: int,
    submission: CommentSubmission,
    enqueue: Enqueue,
    idempotency_key: str | None = None,
    ip_key: str = "",
    deferred: bool = False,
    second_thought: str | None = None,
    articles: ArticleLookup | None = None,
    closing: Callable[[Session], duty.Closing | None] = duty.closing,
) -> tuple[Comment, bool]:
    """Store a site's comment (committed), then queue it; returns (comment, created).

    A retry with the same Idempotency-Key returns the first comment and queues nothing (the
    insert meets the key's unique index, so a first request pays no lookup for it). The
    reader's address is kept only as a hash keyed with `ip_key`. A deferred comment is
    scored after other authors' comments. An article of another site is refused (WrongSite).
    `second_thought` is what the reader chose when warned before posting (kinds.SecondThought).
    `articles` remembers article ids between calls (by default each call looks it up);
    `closing` reads whether the stricter mode closes commenting (a web process keeps it for
    a few seconds instead of a query per comment).
    """
    fingerprint = _fingerprint(submission)
    articles = ArticleLookup(seconds=0) if articles is None else articles
    article, parent_id = _targets(session, submission, articles)
    check_owner(site_id, article.site_id, f"article {submission.article_id!r}")
    duty.check_open(closing(session), article)
    now = utcnow()
    row = {
        "id": new_comment_id(),
        "site_id": site_id,
        "article_id": article.id,
        "parent_id": parent_id,
        "author_id": submission.author_id,
        "author_name": submission.author_name,
        "body": submission.body,
        "status": CommentStatus.PENDING,
        "created_at": now,
        "queued_at": now,
        "idempotency_key": idempotency_key,
        "request_fingerprint": fingerprint,
        "client_ip_hash": hash_address(submission.client_ip, ip_key),
        "deferred": deferred,
        "second_thought": second_thought,
    }
    try:
        _insert(session, row, submission)
    except IntegrityError:  # the key was used before (a retry), or by a concurrent request
        session.rollback()
        if idempotency_key and (earlier := _by_key(session, idempotency_key, fingerprint)):
            return earlier, False
        raise
    comment = _persistent(session, Comment(**row))
    publish(QueueEntry(comment.id, comment.author_id, deferred), enqueue)
    return comment, True


def _insert(session: Session, row: dict[str, Any], submission: CommentSubmission) -> None:
    """The comment and its audit entry, committed together. Plain inserts: intake's hot path
    skips the ORM's unit of work, which cost more than the database did."""
    data = {"author_id": submission.author_id, "article_id": submission.article_id}
    if row["second_thought"]:
        data["second_thought"] = row["second_thought"]
    entry = audit.row("api", "comment.created", "comment", row["id"], data)
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":  # SQLite has no INSERT inside WITH: two inserts
        connection = session.connection()
        connection.execute(insert(Comment), row)
        connection.execute(insert(AuditEntry), entry)
        session.commit()
        return
    statement = _comment_with_audit(tuple(row), tuple(entry))
    params = _named("comment_", row) | _named("audit_", entry)
    if session.in_transaction() or not isinstance(bind, Engine):
        session.connection().execute(statement, params)
        session.commit()
        return
    # Intake's usual case (the key and the article came from memory, so the session has not
    # begun): one statement in autocommit, on a connection of the session's pool but outside
    # the session, so it commits as it returns, with no BEGIN, COMMIT or session bookkeeping.
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(statement, params)


@functools.cache
def _comment_with_audit(columns: tuple[str, ...], audit_columns: tuple[str, ...]) -> Insert:
    """One statement for the comment and its audit entry (PostgreSQL: a data-modifying WITH),
    built once; its parameters are named as `_named` names them."""
    comment: dict[str, Any] = {name: bindparam(f"comment_{name}") for name in columns}
    entry: dict[str, Any] = {name: bindparam(f"audit_{name}") for name in audit_columns}
    new_comment = insert(Comment).values(comment).cte("new_comment")
    return insert(AuditEntry).values(entry).add_cte(new_comment)


def _named(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {prefix + name: value for name, value in values.items()}


def _persistent(session: Session, comment: Comment) -> Comment:
    """The stored comment as an object of the session, as if it had been loaded."""
    make_transient_to_detached(comment)
    session.add(comment)
    return comment


def hash_address(address: str | None, key: str) -> str | None:
    """A keyed hash of a network address: equal addresses compare equal, nothing more."""
    if not address:
        return None
    canonical = str(ipaddress.ip_address(address.strip()))
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()[:32]


def _fingerprint(submission: CommentSubmission) -> str:
    canonical = json.dumps(asdict(submission), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _by_key(session: Session, key: str, fingerprint: str) -> Comment | None:
    earlier = session.scalar(select(Comment).where(Comment.idempotency_key == key))
    if earlier is not None and earlier.request_fingerprint != fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different comment")
    return earlier


def _targets(
    session: Session, submission: CommentSubmission, articles: ArticleLookup
) -> tuple[ArticleRef, str | None]:
    article = articles.find(session, submission.article_id)
    if article is None:
        raise ValidationError(
            {
                "article_id": "no article with this id; create it first with "
                "PUT /api/v1/articles/<article_id>"
            }
        )
    if submission.parent_id is None:
        return article, None
    parent = session.get(Comment, submission.parent_id)
    if parent is None:
        raise ValidationError({"parent_id": "no comment with this id"})
    if parent.article_id != article.id:
        raise ValidationError({"parent_id": "the parent comment belongs to another article"})
    return article, parent.id


def publish(entry: QueueEntry, enqueue: Enqueue) -> bool:
    """Hand the comment to the queue; on failure it stays pending for the requeue sweep."""
    try:
        enqueue(entry)
    except CircuitOpen:  # the outage was logged once, where it began
        log.debug("comment %s stays pending until the requeue sweep", entry.comment_id)
        return False
    except Exception as exc:  # the broker is down: the row is safe, the sweep will retry
        log.warning(
            "could not queue comment %s (%s); it will be requeued",
            entry.comment_id,
            exc,
            extra={"comment_id": entry.comment_id},
        )
        return False
    return True
