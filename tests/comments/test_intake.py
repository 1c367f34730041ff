import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation import sites
from moderation.audit import history
from moderation.comments.articles import ArticleLookup
from moderation.comments.intake import (
    IdempotencyConflict,
    QueueEntry,
    submit_comment,
    upsert_article,
)
from moderation.comments.requeue import requeue_stale
from moderation.comments.validation import ArticleData, CommentSubmission, ValidationError
from moderation.db import make_engine, make_session_factory, utcnow
from moderation.kinds import CommentStatus
from moderation.models import AuditEntry, AuditLogIsAppendOnly, Comment
from tests.support import factories
from tests.support.schema import fresh_postgres_database


def test_a_comment_is_committed_before_it_is_queued(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    site_id = factories.article(session).site_id
    seen_by_another_connection: list[bool] = []

    def enqueue(entry: QueueEntry) -> None:
        # A worker reads with its own connection: the row must be committed before publishing.
        with session_factory() as worker_session:
            found = worker_session.get(Comment, entry.comment_id) is not None
            seen_by_another_connection.append(found)

    submission = CommentSubmission("a1", None, "u1", "Reader", "Good talks.")
    comment, created = submit_comment(session, site_id, submission, enqueue)
    assert created and comment.status == CommentStatus.PENDING
    assert seen_by_another_connection == [True]
    assert [e.action for e in history(session, "comment", comment.id)] == ["comment.created"]


def test_a_failed_publish_keeps_the_comment_pending(any_session: Session) -> None:
    site_id = factories.article(any_session).site_id

    def broker_down(_: QueueEntry) -> None:
        raise ConnectionError("Redis is down")

    submission = CommentSubmission("a1", None, "u1", "Reader", "Kept safe in the database.")
    comment, created = submit_comment(any_session, site_id, submission, broker_down)
    assert created
    assert any_session.get(Comment, comment.id).status == CommentStatus.PENDING


def test_the_same_idempotency_key_returns_the_same_comment(any_session: Session) -> None:
    factories.article(any_session)
    queued: list[str] = []
    first = factories.comment(any_session, key="k-1", queued=queued)
    again = factories.comment(any_session, key="k-1", queued=queued)
    assert again.id == first.id
    assert queued == [first.id], "a retry queues nothing new"
    assert len(any_session.scalars(select(Comment)).all()) == 1


def test_an_idempotency_key_reused_for_another_comment_is_refused(any_session: Session) -> None:
    factories.article(any_session)
    factories.comment(any_session, body="First text.", key="k-2")
    with pytest.raises(IdempotencyConflict):
        factories.comment(any_session, body="Different text.", key="k-2")


def test_unknown_article_and_foreign_parent_are_validation_errors(any_session: Session) -> None:
    factories.article(any_session, "a1")
    factories.article(any_session, "a2")
    other = factories.comment(any_session, article_id="a2")
    with pytest.raises(ValidationError) as unknown:
        factories.comment(any_session, article_id="missing")
    assert "no article with this id" in unknown.value.fields["article_id"]
    with pytest.raises(ValidationError) as foreign:
        factories.comment(any_session, article_id="a1", parent_id=other.id)
    assert foreign.value.fields == {"parent_id": "the parent comment belongs to another article"}
    with pytest.raises(ValidationError) as missing:
        factories.comment(any_session, parent_id="0" * 32)
    assert missing.value.fields == {"parent_id": "no comment with this id"}


def test_upserting_an_article_updates_it_and_audits_the_changed_fields(
    any_session: Session,
) -> None:
    factories.article(any_session)
    changed = ArticleData(factories.ARTICLE.title, factories.ARTICLE.url, "New body.", "Europe")
    article = factories.article(any_session, data=changed)
    assert (article.body, article.section) == ("New body.", "Europe")
    entries = history(any_session, "article", "a1")
    assert [e.action for e in entries] == ["article.created", "article.updated"]
    assert entries[-1].data["fields"] == ["body", "section"]


def test_requeue_sweeps_only_stale_pending_comments_once(any_session: Session) -> None:
    factories.article(any_session)
    stale = factories.comment(any_session, body="Lost in a Redis restart.")
    fresh = factories.comment(any_session, body="Just queued.")
    decided = factories.comment(any_session, body="Already decided.")
    old = utcnow() - timedelta(minutes=10)
    any_session.execute(
        update(Comment).where(Comment.id.in_([stale.id, decided.id])).values(queued_at=old)
    )
    any_session.execute(
        update(Comment).where(Comment.id == decided.id).values(status=CommentStatus.PUBLISHED)
    )
    any_session.commit()
    queued: list[QueueEntry] = []
    assert requeue_stale(any_session, timedelta(minutes=2), queued.append) == 1
    assert queued == [QueueEntry(stale.id, "u1")]
    assert requeue_stale(any_session, timedelta(minutes=2), queued.append) == 0, "claimed once"
    assert fresh.id not in [entry.comment_id for entry in queued]


def stale_comments(session: Session, authors: list[str]) -> list[Comment]:
    """Comments (one per entry of `authors`) last queued ten minutes ago, oldest first."""
    factories.article(session)
    made = [factories.comment(session, f"Comment {n}.", author_id=a) for n, a in enumerate(authors)]
    for n, comment in enumerate(made):
        old = utcnow() - timedelta(minutes=10, seconds=-n)
        session.execute(update(Comment).where(Comment.id == comment.id).values(queued_at=old))
    session.commit()
    return made


def test_the_sweep_is_fair_between_authors(any_session: Session) -> None:
    made = stale_comments(any_session, ["flooder"] * 5 + ["reader"])
    queued: list[QueueEntry] = []
    requeue_stale(any_session, timedelta(minutes=2), queued.append, limit=3, fair_share=2)
    assert [e.comment_id for e in queued] == [made[0].id, made[5].id, made[1].id], (
        "every author's first stale comment before anyone's second, even past the limit"
    )
    requeue_stale(any_session, timedelta(minutes=2), queued.append, fair_share=2)
    assert [(e.author_id, e.deferred) for e in queued[3:]] == [
        ("flooder", False),
        ("flooder", False),
        ("flooder", True),
    ], "each sweep gives an author their fair share, and defers the rest"
    deferred = any_session.scalars(select(Comment.id).where(Comment.deferred)).all()
    assert deferred == [made[4].id]


def test_deferred_comments_are_sent_again_only_once_the_backlog_is_empty(
    any_session: Session,
) -> None:
    made = stale_comments(any_session, ["flooder", "flooder"])
    any_session.execute(update(Comment).where(Comment.id == made[1].id).values(deferred=True))
    any_session.commit()
    queued: list[QueueEntry] = []
    sweep = {"older_than": timedelta(minutes=2), "enqueue": queued.append, "fair_share": 1}
    assert requeue_stale(any_session, **sweep, backlog_empty=False) == 1  # type: ignore[arg-type]
    assert queued == [QueueEntry(made[0].id, "flooder")], "still waiting in the backlog"
    assert requeue_stale(any_session, **sweep, backlog_empty=True) == 1  # type: ignore[arg-type]
    assert queued[1] == QueueEntry(made[1].id, "flooder", deferred=True), "never lost"


def test_audit_entries_cannot_be_changed_or_deleted(any_session: Session) -> None:
    factories.article(any_session)
    entry = any_session.scalars(select(AuditEntry)).first()
    assert entry is not None
    entry.actor = "someone else"
    with pytest.raises(AuditLogIsAppendOnly):
        any_session.flush()
    any_session.rollback()
    any_session.delete(any_session.scalars(select(AuditEntry)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        any_session.flush()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_postgres_refuses_audit_changes_even_in_raw_sql(
    pg_session: Session, statement: str
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    factories.article(pg_session)
    with pytest.raises(DBAPIError, match="append-only"):
        pg_session.execute(text(statement))


def test_the_returned_comment_is_the_stored_row(any_session: Session) -> None:
    site_id = factories.article(any_session).site_id
    submission = CommentSubmission("a1", None, "u1", "Reader", "Stored as sent.", "10.0.0.1")
    comment, _ = submit_comment(any_session, site_id, submission, lambda _: None, "k-9", "ip")
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert stored is comment, "the session knows it as the stored row"
    assert (stored.body, stored.status, stored.idempotency_key) == (
        "Stored as sent.",
        CommentStatus.PENDING,
        "k-9",
    )
    assert stored.created_at is not None and stored.client_ip_hash not in (None, "10.0.0.1")
    assert [e.data for e in history(any_session, "comment", comment.id)] == [
        {"author_id": "u1", "article_id": "a1"}
    ]


@pytest.fixture(scope="module")
def committing_engine() -> Iterator[Engine]:
    """An engine on a PostgreSQL database of this module's own: these tests commit for real,
    and the session's shared database must stay as empty as the rolled-back tests expect."""
    with fresh_postgres_database(f"modq_test_intake_{os.getpid()}") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def pg_sessions(committing_engine: Engine) -> sessionmaker[Session]:
    """Sessions on the engine itself (as the web app's), committing for real."""
    return make_session_factory(committing_engine)


def new_site(sessions: sessionmaker[Session]) -> tuple[int, str, ArticleLookup]:
    """A new site with an article (its id is the site's name), and a memory of articles that
    knows it."""
    articles = ArticleLookup()
    with sessions() as session:
        site, _ = sites.create_site(session, f"s-{uuid.uuid4().hex}")
        upsert_article(session, site.id, site.name, factories.ARTICLE)
        assert articles.find(session, site.name) is not None
    return site.id, site.name, articles


def post(
    sessions: sessionmaker[Session],
    site: tuple[int, str, ArticleLookup],
    key: str,
    enqueue: Any = lambda _: None,
) -> tuple[Comment, bool]:
    """A comment on the site's article, posted as the web app does: the article and the
    stricter mode known from memory, so the session begins with the insert."""
    site_id, article_id, articles = site
    submission = CommentSubmission(article_id, None, "u1", "Reader", "Good talks.")
    with sessions() as session:
        return submit_comment(
            session, site_id, submission, enqueue, key, articles=articles, closing=lambda _: None
        )


def test_on_postgresql_intake_commits_in_one_statement_before_queueing(
    pg_sessions: sessionmaker[Session], committing_engine: Engine
) -> None:
    site = new_site(pg_sessions)
    sent: list[tuple[str, bool]] = []
    seen: list[list[str]] = []

    def record(connection: Any, _cursor: object, statement: str, *_: object) -> None:
        sent.append((statement.split()[0], connection.connection.dbapi_connection.autocommit))

    def enqueue(entry: QueueEntry) -> None:
        event.remove(committing_engine, "before_cursor_execute", record)
        with pg_sessions() as worker_session:  # committed, with its audit entry
            seen.append([e.action for e in history(worker_session, "comment", entry.comment_id)])

    event.listen(committing_engine, "before_cursor_execute", record)
    post(pg_sessions, site, uuid.uuid4().hex, enqueue)
    # One statement in autocommit: no BEGIN and COMMIT round trips around it.
    assert sent == [("WITH", True)]
    assert seen == [["comment.created"]]


def test_on_postgresql_a_retry_stores_neither_a_comment_nor_an_audit_entry(
    pg_sessions: sessionmaker[Session],
) -> None:
    site, key = new_site(pg_sessions), uuid.uuid4().hex
    first, _ = post(pg_sessions, site, key)
    audited = select(func.count()).select_from(AuditEntry)
    with pg_sessions() as session:
        entries = session.scalar(audited)
    again, created = post(pg_sessions, site, key)
    assert (again.id, created) == (first.id, False)
    with pg_sessions() as session:
        assert session.scalar(audited) == entries, "the refused insert took its audit entry along"
