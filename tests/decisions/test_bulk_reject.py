"""Rejecting everything an author has waiting: one decision and one audit entry per comment,
only that author's pending and in-review comments (on one site), and a worker's later
delivery of a pending one changes nothing."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.audit import history
from moderation.decisions.authors import standings
from moderation.decisions.pipeline import record_decision
from moderation.decisions.review import reject_all_from, waiting_from
from moderation.kinds import Action, CommentStatus
from moderation.models import Comment, Decision
from moderation.policy.verdicts import Verdict
from tests.support import factories


def set_status(session: Session, comment: Comment, status: CommentStatus) -> None:
    session.execute(update(Comment).where(Comment.id == comment.id).values(status=status))
    session.commit()


def test_everything_waiting_from_the_author_is_rejected_and_nothing_else(
    any_session: Session,
) -> None:
    site_id = factories.article(any_session).site_id
    pending = [factories.comment(any_session, f"Flood {n}.", author_id="flooder") for n in range(3)]
    in_review = factories.comment(any_session, "In review.", author_id="flooder")
    published = factories.comment(any_session, "Published earlier.", author_id="flooder")
    other = factories.comment(any_session, "Someone else.", author_id="reader")
    set_status(any_session, in_review, CommentStatus.REVIEW)
    set_status(any_session, published, CommentStatus.PUBLISHED)
    alice = accounts.create_moderator(any_session, "alice", "a long enough password")
    assert waiting_from(any_session, "flooder", site_id) == {"pending": 3, "review": 1}

    rejected = reject_all_from(any_session, "flooder", alice, "flooding", site_id)

    assert set(rejected) == {c.id for c in [*pending, in_review]}
    any_session.expire_all()
    statuses = dict(any_session.execute(select(Comment.id, Comment.status)).all())
    assert {statuses[i] for i in rejected} == {CommentStatus.REJECTED}
    assert statuses[published.id] == CommentStatus.PUBLISHED
    assert statuses[other.id] == CommentStatus.PENDING
    for comment_id in rejected:
        [decision] = any_session.scalars(select(Decision).where(Decision.comment_id == comment_id))
        assert (decision.action, decision.moderator_id) == (Action.REJECT, alice.id)
        assert decision.reasons[0]["message"] == "flooding"
        entries = [
            e for e in history(any_session, "comment", comment_id) if e.action == "comment.decided"
        ]
        assert len(entries) == 1 and entries[0].actor == "moderator:alice"
    assert standings(any_session, ["flooder"])["flooder"].rejected == 4
    assert waiting_from(any_session, "flooder", site_id) == {}


def test_a_worker_delivery_after_the_bulk_rejection_changes_nothing(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session, "Scored while a moderator cleared the flood.")
    alice = accounts.create_moderator(any_session, "alice", "a long enough password")
    reject_all_from(any_session, "u1", alice)
    late = record_decision(any_session, comment.id, "u1", {}, Verdict(Action.PUBLISH, ()))
    assert late.action is None
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert stored is not None and stored.status == CommentStatus.REJECTED
    assert len(stored.decisions) == 1


def test_only_the_given_sites_comments_are_rejected(any_session: Session) -> None:
    from moderation.comments.intake import submit_comment, upsert_article
    from moderation.comments.validation import CommentSubmission

    here = factories.article(any_session)
    elsewhere = factories.site(any_session, "elsewhere")
    upsert_article(any_session, elsewhere.id, "b1", factories.ARTICLE)
    submission = CommentSubmission("b1", None, "u1", "Same id, other site", "Hello.")
    theirs, _ = submit_comment(any_session, elsewhere.id, submission, lambda _: None)
    ours = factories.comment(any_session)
    alice = accounts.create_moderator(any_session, "alice", "a long enough password")
    assert reject_all_from(any_session, "u1", alice, site_id=here.site_id) == [ours.id]
    any_session.expire_all()
    assert any_session.get(Comment, theirs.id).status == CommentStatus.PENDING  # type: ignore[union-attr]
