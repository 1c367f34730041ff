"""The review queue's priority: harm from the scores, exposure from the article's and the
thread's activity, age as a doubling; stored when the pipeline sends a comment to review."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from moderation.decisions import priority
from moderation.decisions.pipeline import score_and_decide
from moderation.models import Comment
from tests.support import factories
from tests.support.signals import POLICY, abuse, signals


def test_harm_is_the_highest_detoxify_score_and_unknown_when_it_did_not_run() -> None:
    assert priority.harm(signals(abuse(threat=0.7))) == (0.7, "threat 0.70")
    assert priority.harm({}) == (priority.UNKNOWN_HARM, "abuse check did not run")
    assert priority.harm(signals(abuse()))[0] == priority.MIN_HARM


def test_a_busy_article_and_a_busy_thread_raise_exposure(session: Session) -> None:
    factories.article(session)
    quiet = factories.comment(session, "alone")
    lone, why = priority.exposure(session, quiet, quiet.created_at)
    assert lone == 1.5 and why == "1 comment on the article in the last hour"
    parent = factories.comment(session, "parent")
    replies = [factories.comment(session, f"reply {i}", parent_id=parent.id) for i in range(6)]
    busy, why = priority.exposure(session, replies[-1], replies[-1].created_at)
    assert busy > lone and "a reply in a busy thread (6 replies)" in why


def test_the_stored_value_orders_as_weight_times_doubling_age() -> None:
    from moderation.db import utcnow

    now = utcnow()
    hour_old = priority.priority_value(now - timedelta(hours=1), 1.0)
    assert priority.priority_value(now, 2.0) == hour_old  # 2 now ties 1 an hour old
    assert priority.priority_value(now, 2.1) > hour_old


def test_the_pipeline_places_a_comment_it_sends_to_review(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session, "Energy talks.")
    score_and_decide(any_session, [comment.id], [], POLICY)  # no scorer: checks fail closed
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert stored is not None and stored.status == "review"
    assert stored.priority is not None
    assert stored.priority_why is not None and stored.priority_why.startswith("abuse check")
    assert stored.reason_codes is not None and " check_failed " in stored.reason_codes
