"""Recording a batch's decisions: one transaction, few statements, each comment once, authors
counted by concurrent workers, and one comment that cannot be stored holding back no other."""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.db import make_engine, make_session_factory
from moderation.decisions.authors import count_outcome
from moderation.decisions.pipeline import Decided, record_decisions, score_and_decide
from moderation.kinds import Action, CommentStatus, SignalState
from moderation.models import AuditEntry, Author, Comment, Decision, Signal
from moderation.policy.reader import load
from moderation.policy.verdicts import Reason, Verdict
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult
from moderation.webhooks import endpoints
from moderation.webhooks.models import WebhookEvent
from tests.support import factories
from tests.support.schema import fresh_postgres_database
from tests.support.signals import abuse, ok

PUBLISH = Verdict(Action.PUBLISH, (Reason("clean", "clean", Action.PUBLISH),), "v-test")
REJECT = Verdict(Action.REJECT, (Reason("insult", "insult 0.97", Action.REJECT),), "v-test")


def batch(session: Session, size: int, authors: int = 3) -> list[Decided]:
    """`size` pending comments by `authors` authors, every third one to be rejected."""
    factories.article(session)
    comments = [
        factories.comment(session, body=f"Energy talks, point {i}.", author_id=f"u{i % authors}")
        for i in range(size)
    ]
    return [
        Decided(c.id, c.author_id, {"detoxify": abuse()}, REJECT if i % 3 == 0 else PUBLISH)
        for i, c in enumerate(comments)
    ]


def test_a_batch_is_stored_in_one_commit_with_a_statement_or_two_per_comment(
    any_session: Session,
) -> None:
    site = factories.site(any_session)
    endpoints.add_endpoint(any_session, site, "http://127.0.0.1:9/modq", True)
    decided = batch(any_session, 24)
    statements: list[str] = []
    commits: list[Session] = []

    def executed(*args: object) -> None:
        statements.append(str(args[2]))

    def committed(session: Session) -> None:
        commits.append(session)

    engine = any_session.get_bind()
    event.listen(engine, "before_cursor_execute", executed)
    event.listen(any_session, "after_commit", committed)
    try:
        outcomes = record_decisions(any_session, decided)
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(any_session, "after_commit", committed)
    assert len(commits) == 1
    if engine.dialect.name == "postgresql":  # SQLite inserts row by row, in process
        # one claim per comment, then a few inserts and updates for the whole batch
        assert len(statements) <= 2 * len(decided) + 12, statements
    assert [o.action for o in outcomes] == [d.verdict.action.value for d in decided]
    any_session.expire_all()
    for d in decided:
        comment = any_session.get(Comment, d.comment_id)
        assert comment.status == ("rejected" if d.verdict is REJECT else "published")
        assert [x.action for x in comment.decisions] == [d.verdict.action.value]
    audited = any_session.scalars(select(AuditEntry).where(AuditEntry.action == "comment.decided"))
    assert len(audited.all()) == len(decided)
    bodies = [json.loads(e.body) for e in any_session.scalars(select(WebhookEvent))]
    assert sorted(b["data"]["comment_id"] for b in bodies) == sorted(d.comment_id for d in decided)
    rejected = next(b for b in bodies if b["type"] == "comment.rejected")
    [reason] = rejected["data"]["reasons"]
    assert reason["code"] == "insult" and reason["public"]
    assert rejected["data"]["decided_by"] == "policy" and rejected["data"]["article_id"] == "a1"
    counts = {a.author_id: (a.published, a.rejected) for a in any_session.scalars(select(Author))}
    assert counts == {"u0": (0, 8), "u1": (8, 0), "u2": (8, 0)}


class Unstorable:
    """A scorer whose signal for one comment holds a value JSON cannot store."""

    name = "detoxify"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        return [
            SignalResult(
                "detoxify",
                "v",
                SignalState.OK,
                {"toxicity": 0.01},
                {"odd": object()} if "poison" in i.text else {},
            )
            for i in inputs
        ]

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        return ScorerHealth("ok", "v")


def test_a_comment_that_cannot_be_stored_holds_back_no_other(any_session: Session) -> None:
    factories.article(any_session)
    bodies = ["Energy talks matter.", "poison pill", "Shipping and trade too."]
    ids = [factories.comment(any_session, body=b).id for b in bodies]
    outcomes = score_and_decide(any_session, ids, [Unstorable()], load())
    assert [o.action is not None for o in outcomes] == [True, False, True]
    any_session.expire_all()
    statuses = [any_session.get(Comment, i).status for i in ids]
    assert statuses[1] == CommentStatus.PENDING  # the requeue sweep tries it again
    assert CommentStatus.PENDING not in (statuses[0], statuses[2])
    for comment_id, rows in zip(ids, [1, 0, 1], strict=True):
        for model in (Decision, Signal, WebhookEvent):
            stored = any_session.scalars(select(model).where(model.comment_id == comment_id))
            assert len(stored.all()) == (rows if model is not WebhookEvent else 0)
        entries = select(AuditEntry).where(
            AuditEntry.subject_id == comment_id, AuditEntry.action == "comment.decided"
        )
        assert len(any_session.scalars(entries).all()) == rows


def test_near_copies_in_one_batch_make_a_wave_led_by_the_oldest(any_session: Session) -> None:
    factories.article(any_session)
    first = factories.comment(any_session, body="Copy this everywhere.", author_id="u1")
    copy = factories.comment(any_session, body="Copy this everywhere!", author_id="u2")
    review = Verdict(Action.REVIEW, (Reason("brigading", "copies", Action.REVIEW),), "v-test")
    brigading = ok("brigading", {"authors": 2.0}, similar_comments=[first.id])
    newest_first = [
        Decided(copy.id, "u2", {"brigading": brigading}, review),
        Decided(first.id, "u1", {}, review),
    ]
    record_decisions(any_session, newest_first)
    any_session.expire_all()
    waves = [any_session.get(Comment, c.id).wave_id for c in (first, copy)]
    assert waves == [first.id, first.id]
    assert all(any_session.get(Comment, c.id).priority is not None for c in (first, copy))


@pytest.fixture(scope="module")
def own_database() -> Iterator[sessionmaker[Session]]:
    """A PostgreSQL database of this module's own: these tests commit from several
    connections at once, which the shared database's rolled-back sessions cannot show."""
    with fresh_postgres_database(f"modq_test_recording_{os.getpid()}") as url:
        engine = make_engine(url, pool_size=4)
        yield make_session_factory(engine)
        engine.dispose()


def test_two_workers_counting_one_author_at_once_both_count(
    own_database: sessionmaker[Session],
) -> None:
    with own_database() as first:
        count_outcome(first, "racer", CommentStatus.PUBLISHED)
        first.commit()
        count_outcome(first, "racer", CommentStatus.PUBLISHED)  # not committed yet

        def second() -> None:
            with own_database() as other:
                count_outcome(other, "racer", CommentStatus.PUBLISHED)
                other.commit()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)  # it waits for the first to commit, or finishes on its own
        first.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    with own_database() as session:
        assert session.get(Author, "racer").published == 3


def test_two_workers_with_the_same_comments_in_other_orders_decide_each_once(
    own_database: sessionmaker[Session],
) -> None:
    with own_database() as session:
        decided = batch(session, 30, authors=7)
    orders = [random.Random(seed).sample(decided, len(decided)) for seed in (1, 2)]
    outcomes: list[list[str | None]] = []
    errors: list[BaseException] = []

    def worker(order: list[Decided]) -> None:
        try:
            with own_database() as own:
                outcomes.append([o.action for o in record_decisions(own, order)])
        except BaseException as exc:  # a deadlock would land here
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(action is not None for run in outcomes for action in run) == len(decided)
    with own_database() as session:
        ids = [d.comment_id for d in decided]
        per_comment = session.execute(
            select(Decision.comment_id, sa.func.count())
            .where(Decision.comment_id.in_(ids))
            .group_by(Decision.comment_id)
        ).all()
        assert sorted(n for _, n in per_comment) == [1] * len(decided)
        counted = select(sa.func.sum(Author.published) + sa.func.sum(Author.rejected))
        assert session.scalar(counted.where(Author.author_id.like("u%"))) == len(decided)
