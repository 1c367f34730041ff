"""Readers' reports: each reader counts once, enough readers hide a comment until a moderator
decides, and the reported queue puts the most-reported first (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.comments.threads import published_threads
from moderation.errors import NotFound
from moderation.kinds import Action, CommentStatus, ReportReason
from moderation.models import Comment
from moderation.readers.models import Report
from moderation.readers.reports import decide_reported, report_comment, reported_comments
from tests.support import factories

HIDE_AFTER = 3


def published(session: Session, body: str, author: str) -> Comment:
    factories.article(session)
    comment = factories.comment(session, body, author_id=author)
    comment.status = CommentStatus.PUBLISHED
    session.commit()
    return comment


def report(session: Session, comment: Comment, reader: str, reason: str = "abusive") -> bool:
    outcome = report_comment(session, comment.id, reader, ReportReason(reason), HIDE_AFTER)
    return outcome.counted


def shown(session: Session) -> list[str]:
    article = factories.article(session)
    page = published_threads(session, article, 1, 50, hide_after=HIDE_AFTER)
    return [node.id for node in page.threads]


def test_a_reader_reporting_twice_counts_once(any_session: Session) -> None:
    comment = published(any_session, "A comment.", "u1")
    assert report(any_session, comment, "r1") is True
    assert report(any_session, comment, "r1", "spam") is False
    count = any_session.scalar(select(func.count()).select_from(Report))
    assert count == 1


def test_the_threshold_of_distinct_readers_hides_the_comment(any_session: Session) -> None:
    comment = published(any_session, "A comment.", "u1")
    other = published(any_session, "Another comment.", "u2")
    for reader in ("r1", "r2", "r2"):
        report(any_session, comment, reader)
    assert comment.id in shown(any_session)  # two distinct readers, not three
    outcome = report_comment(any_session, comment.id, "r3", ReportReason.SPAM, HIDE_AFTER)
    assert outcome.hidden
    assert shown(any_session) == [other.id]


def test_no_threshold_hides_nothing(any_session: Session) -> None:
    comment = published(any_session, "A comment.", "u1")
    for reader in ("r1", "r2", "r3", "r4"):
        report_comment(any_session, comment.id, reader, ReportReason.SPAM, None)
    article = factories.article(any_session)
    assert [n.id for n in published_threads(any_session, article, 1, 9).threads] == [comment.id]


def test_only_published_comments_can_be_reported(any_session: Session) -> None:
    factories.article(any_session)
    waiting = factories.comment(any_session, "Still pending.")
    with pytest.raises(NotFound):
        report(any_session, waiting, "r1")


def test_the_reported_queue_puts_the_most_reported_first(any_session: Session) -> None:
    once = published(any_session, "Reported once.", "u1")
    thrice = published(any_session, "Reported thrice.", "u2")
    report(any_session, once, "r1", "spam")
    for reader, reason in (("r1", "abusive"), ("r2", "abusive"), ("r3", "off_topic")):
        report(any_session, thrice, reader, reason)
    queue = reported_comments(any_session, HIDE_AFTER)
    assert [(r.comment.id, r.readers, r.hidden) for r in queue] == [
        (thrice.id, 3, True),
        (once.id, 1, False),
    ]
    assert queue[0].reasons == {"abusive": 2, "off_topic": 1}


@pytest.mark.parametrize(
    ("action", "status", "visible"),
    [
        (Action.PUBLISH, CommentStatus.PUBLISHED, True),
        (Action.REJECT, CommentStatus.REJECTED, False),
    ],
)
def test_a_moderators_decision_resolves_the_reports(
    any_session: Session, action: Action, status: str, visible: bool
) -> None:
    comment = published(any_session, "A reported comment.", "u1")
    for reader in ("r1", "r2", "r3"):
        report(any_session, comment, reader)
    bob = accounts.create_moderator(any_session, "bob", "password-of-bob")
    decide_reported(any_session, comment.id, bob, action)
    assert any_session.get(Comment, comment.id).status == status  # type: ignore[union-attr]
    assert (comment.id in shown(any_session)) is visible
    assert reported_comments(any_session, HIDE_AFTER) == []
    if visible:  # kept: a reader who reported it before does not count again
        assert report(any_session, comment, "r1") is False
