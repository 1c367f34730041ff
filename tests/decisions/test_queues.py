"""The queues: membership, counts, filters, search and the review queue's order, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.decisions import queues
from moderation.decisions.queues import Filters, View
from moderation.kinds import CommentStatus, Queue, QueueOrder
from tests.support import factories
from tests.support.workspace import waiting

HOUR = timedelta(hours=1)


def listed(session: Session, view: View) -> list[str]:
    return [c.body for c in queues.page(session, view)]


def test_the_review_queue_puts_harm_and_exposure_before_a_short_wait(any_session: Session) -> None:
    waiting(any_session, "mild, old", weight=1.0, age=timedelta(minutes=50))
    waiting(any_session, "harmful, new", weight=8.0, age=timedelta(minutes=5))
    waiting(any_session, "mild, new", weight=1.0, age=timedelta(minutes=5))
    assert listed(any_session, View()) == ["harmful, new", "mild, old", "mild, new"]


def test_age_doubles_the_weight_every_hour(any_session: Session) -> None:
    waiting(any_session, "weight 3, new", weight=3.0)
    waiting(any_session, "weight 1, two hours", weight=1.0, age=2 * HOUR - timedelta(minutes=1))
    view = View(rise_after=timedelta(hours=24))
    assert listed(any_session, view) == ["weight 1, two hours", "weight 3, new"]


def test_past_the_rise_after_limit_everything_comes_first_oldest_first(
    any_session: Session,
) -> None:
    waiting(any_session, "harmful, new", weight=50.0)
    waiting(any_session, "overdue, mild", weight=1.0, age=3 * HOUR)
    waiting(any_session, "overdue, older", weight=1.0, age=4 * HOUR)
    view = View(rise_after=2 * HOUR)
    assert listed(any_session, view) == ["overdue, older", "overdue, mild", "harmful, new"]
    assert [c.body for c in queues.page(any_session, view, offset=1, limit=1)] == ["overdue, mild"]
    assert [c.body for c in queues.page(any_session, view, offset=2)] == ["harmful, new"]
    assert queues.ids(any_session, view, 2) == [
        c.id for c in queues.page(any_session, view, limit=2)
    ]


def test_oldest_first_ignores_priority(any_session: Session) -> None:
    waiting(any_session, "new and harmful", weight=50.0)
    waiting(any_session, "old and mild", age=HOUR)
    assert listed(any_session, View(order=QueueOrder.OLDEST)) == [
        "old and mild",
        "new and harmful",
    ]


def test_queues_hold_their_statuses_and_count_them(any_session: Session) -> None:
    waiting(any_session, "in review")
    waiting(any_session, "published", status=CommentStatus.PUBLISHED)
    waiting(any_session, "rejected", status=CommentStatus.REJECTED)
    factories.comment(any_session, "pending")
    counts = queues.counts(any_session)
    assert (counts[Queue.REVIEW], counts[Queue.PUBLISHED], counts[Queue.REJECTED]) == (1, 1, 1)
    assert (counts[Queue.PENDING], counts[Queue.ALL], counts[Queue.REPORTED]) == (1, 4, 0)
    assert listed(any_session, View(queue=Queue.PENDING)) == ["pending"]
    assert listed(any_session, View(queue=Queue.REPORTED)) == []
    assert set(listed(any_session, View(queue=Queue.ALL))) == {
        "in review",
        "published",
        "rejected",
        "pending",
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(article="a2"), {"on a2"}),
        (Filters(section="world"), {"on a2", "threat in French", "by u9", "plain"}),
        (Filters(section="sport"), set()),
        (Filters(reason="threat"), {"threat in French"}),
        (Filters(author="u9"), {"by u9"}),
        (Filters(language="fr"), {"threat in French"}),
        (Filters(text="energy"), {"plain about energy"}),
        (Filters(label="threat", above=0.5), {"threat in French"}),
        (Filters(label="threat", above=0.95), set()),
        (Filters(since=utcnow() - timedelta(hours=2)), {"on a2", "threat in French", "by u9"}),
    ],
)
def test_filters(any_session: Session, filters: Filters, expected: set[str]) -> None:
    waiting(any_session, "on a2", article="a2")
    waiting(
        any_session,
        "threat in French",
        codes=("threat", "language"),
        language="fr",
        detoxify={"threat": 0.8, "insult": 0.1},
    )
    waiting(any_session, "by u9", author_id="u9")
    waiting(any_session, "plain about energy", age=timedelta(hours=5))
    expected = {"plain about energy" if e == "plain" else e for e in expected}
    view = View(filters=filters)
    assert set(listed(any_session, view)) == expected
    assert queues.size(any_session, view) == len(expected)


def test_search_takes_words_literally(any_session: Session) -> None:
    waiting(any_session, "100% wrong_way")
    waiting(any_session, "something else")
    assert listed(any_session, View(filters=Filters(text="100%"))) in (
        ["100% wrong_way"],
        [],  # PostgreSQL's full-text search drops the sign
    )
    assert listed(any_session, View(filters=Filters(text="wrong_way"))) == ["100% wrong_way"]
    assert listed(any_session, View(filters=Filters(text="%"))) in ([], ["100% wrong_way"])
