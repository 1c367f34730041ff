"""Claiming with two concurrent sessions on PostgreSQL: a candidate locked by one session is
walked past by the other (SKIP LOCKED), and two moderators racing through the queue never
get the same card."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from moderation import accounts
from moderation.db import make_engine, make_session_factory
from moderation.decisions import claims
from moderation.decisions.queues import View
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, Role
from moderation.models import Comment, Moderator
from tests.conftest import MODERATOR_PASSWORD
from tests.support.schema import fresh_postgres_database
from tests.support.workspace import waiting

pytestmark = pytest.mark.postgres
HOLD = timedelta(minutes=5)
CARDS = 40


@pytest.fixture
def sessions(request: pytest.FixtureRequest) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database of their own: these tests commit from several connections."""
    name = f"modq_claims_{os.getpid()}_{request.node.name[-12:].lower()}"
    with fresh_postgres_database(name) as url:
        engine = make_engine(url, pool_size=4)
        yield make_session_factory(engine)
        engine.dispose()


@pytest.fixture
def moderators(sessions: sessionmaker[Session]) -> list[Moderator]:
    with sessions() as session:
        return [
            accounts.create_moderator(session, name, MODERATOR_PASSWORD, role=Role.MODERATOR)
            for name in ("alice", "bob")
        ]


def test_a_locked_candidate_is_skipped_not_waited_for(
    sessions: sessionmaker[Session], moderators: list[Moderator]
) -> None:
    with sessions() as setup:
        first = waiting(setup, "first", weight=4).id
        second = waiting(setup, "second").id
    bob = moderators[1]
    with sessions() as holding, sessions() as other:
        # Alice's session has chosen `first` and locked its row, and has not committed yet.
        locked = holding.scalar(sa.select(Comment.id).where(Comment.id == first).with_for_update())
        assert locked == first
        other.execute(sa.text("SET lock_timeout = '2s'"))  # waiting would fail the test
        assert claims.take_next(other, View(), bob, HOLD) == second
        holding.rollback()


def test_two_moderators_racing_through_the_queue_never_share_a_card(
    sessions: sessionmaker[Session], moderators: list[Moderator]
) -> None:
    with sessions() as setup:
        ids = {waiting(setup, f"comment {i}", weight=1 + i % 3).id for i in range(CARDS)}
    start = threading.Barrier(2)
    seen: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def work(moderator: Moderator) -> None:
        mine: list[str] = []
        try:
            with sessions() as session:
                start.wait()
                while (card := claims.take_next(session, View(), moderator, HOLD)) is not None:
                    mine.append(card)
                    decide_as_moderator(session, card, moderator, Action.PUBLISH)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        seen[moderator.username] = mine

    threads = [threading.Thread(target=work, args=(m,)) for m in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    alice, bob = seen["alice"], seen["bob"]
    assert not set(alice) & set(bob), "a card was given to both moderators"
    assert set(alice) | set(bob) == ids and len(alice) + len(bob) == CARDS
    assert alice and bob, "both moderators worked"
