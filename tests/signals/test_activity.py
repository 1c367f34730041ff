from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.decisions.pending import pending
from moderation.models import Comment
from moderation.signals.activity import ActivityScorer, shingle_similarity
from tests.support import factories

SPAM = "Buy cheap watches today at the best prices anywhere online with free shipping"


def test_similarity_of_repeats() -> None:
    assert shingle_similarity(SPAM, SPAM) == 1.0
    assert shingle_similarity(SPAM, SPAM.replace("today", "now")) > 0.5
    assert shingle_similarity(SPAM, "An unrelated remark about the energy talks in Athens") == 0.0


def test_repeats_and_rate_come_from_the_authors_history(any_session: Session) -> None:
    factories.article(any_session)
    old = factories.comment(any_session, body=SPAM, author_id="spammer")
    for n in range(3):
        factories.comment(any_session, body=f"Other words number {n} here.", author_id="spammer")
    factories.comment(any_session, body=SPAM, author_id="someone-else")
    any_session.execute(
        update(Comment).where(Comment.id == old.id).values(created_at=utcnow() - timedelta(hours=3))
    )
    any_session.commit()
    new = factories.comment(any_session, body=SPAM + "!", author_id="spammer")
    [item] = [p.input for p in pending(any_session, [new.id])]
    signal = ActivityScorer().score_one(item)
    assert signal.scores["repeat"] == 1.0, "the three-hour-old copy is found"
    assert signal.scores["per_hour"] == 3.0, "the old one is outside the hour"
    assert signal.details["compared_with"] == 4


def test_the_same_network_address_is_counted_across_authors(any_session: Session) -> None:
    from moderation.comments.intake import submit_comment
    from moderation.comments.validation import CommentSubmission

    site_id = factories.article(any_session).site_id
    ids = []
    for n in range(4):
        submission = CommentSubmission("a1", None, f"sock-{n}", "Sock", f"Text {n}.", "203.0.113.9")
        ids.append(
            submit_comment(any_session, site_id, submission, lambda _: None, ip_key="k")[0].id
        )
    [item] = [p.input for p in pending(any_session, [ids[-1]])]
    signal = ActivityScorer().score_one(item)
    assert signal.scores["per_hour_same_ip"] == 3.0
    assert signal.scores["per_hour"] == 0.0
