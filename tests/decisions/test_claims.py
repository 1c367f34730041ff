"""Claims: one card per moderator, never the same card twice, expiry, renewal, release, and
decisions refused on a card someone else holds (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.db import utcnow
from moderation.decisions import claims
from moderation.decisions.queues import Filters, View
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, Role
from moderation.models import Moderator
from tests.conftest import MODERATOR_PASSWORD
from tests.support.workspace import waiting

HOLD = timedelta(minutes=5)


def team(session: Session, *names: str) -> list[Moderator]:
    return [
        accounts.create_moderator(session, name, MODERATOR_PASSWORD, role=Role.MODERATOR)
        for name in names
    ]


def test_two_moderators_get_different_cards(any_session: Session) -> None:
    first, second = waiting(any_session, "first", weight=4), waiting(any_session, "second")
    alice, bob = team(any_session, "alice", "bob")
    assert claims.take_next(any_session, View(), alice, HOLD) == first.id
    assert claims.take_next(any_session, View(), bob, HOLD) == second.id
    assert claims.take_next(any_session, View(), bob, HOLD) == second.id  # still bob's
    assert claims.taken_by_others(any_session, [first.id, second.id], bob.id, utcnow()) == {
        first.id: "alice"
    }


def test_nothing_left_when_every_card_is_held(any_session: Session) -> None:
    waiting(any_session, "only")
    alice, bob = team(any_session, "alice", "bob")
    claims.take_next(any_session, View(), alice, HOLD)
    assert claims.take_next(any_session, View(), bob, HOLD) is None


def test_an_abandoned_claim_expires(any_session: Session) -> None:
    only = waiting(any_session, "only")
    alice, bob = team(any_session, "alice", "bob")
    claims.take_next(any_session, View(now=utcnow() - timedelta(minutes=6)), alice, HOLD)
    assert claims.take_next(any_session, View(), bob, HOLD) == only.id


def test_skipping_releases_and_moves_on(any_session: Session) -> None:
    first, second = waiting(any_session, "first", weight=4), waiting(any_session, "second")
    alice, bob = team(any_session, "alice", "bob")
    assert claims.take_next(any_session, View(), alice, HOLD) == first.id
    claims.release(any_session, first.id, alice.id)
    any_session.commit()
    assert claims.take_next(any_session, View(), alice, HOLD, skip=[first.id]) == second.id
    assert claims.take_next(any_session, View(), bob, HOLD) == first.id


def test_opening_a_card_someone_holds_says_who(any_session: Session) -> None:
    only = waiting(any_session, "only")
    alice, bob = team(any_session, "alice", "bob")
    claims.take(any_session, only.id, alice, utcnow(), HOLD)
    with pytest.raises(claims.Taken, match="alice is working on this comment"):
        claims.take(any_session, only.id, bob, utcnow(), HOLD)


def test_renewal_keeps_the_card_and_a_lapsed_one_is_taken_back_if_free(
    any_session: Session,
) -> None:
    only = waiting(any_session, "only")
    (alice,) = team(any_session, "alice")
    claims.take(any_session, only.id, alice, utcnow() - timedelta(minutes=10), HOLD)
    assert claims.holder(any_session, only.id, utcnow()) is None
    claims.renew(any_session, only.id, alice, utcnow(), HOLD)
    held = claims.holder(any_session, only.id, utcnow())
    assert held is not None and held.moderator_id == alice.id


def test_a_decision_on_a_card_another_holds_is_refused_and_a_decision_releases(
    any_session: Session,
) -> None:
    only = waiting(any_session, "only")
    alice, bob = team(any_session, "alice", "bob")
    claims.take(any_session, only.id, alice, utcnow(), HOLD)
    with pytest.raises(claims.Taken, match="alice"):
        decide_as_moderator(any_session, only.id, bob, Action.PUBLISH)
    decide_as_moderator(any_session, only.id, alice, Action.PUBLISH)
    assert claims.holder(any_session, only.id, utcnow()) is None


def test_claiming_follows_the_filters(any_session: Session) -> None:
    waiting(any_session, "elsewhere", article="a2", weight=9)
    mine = waiting(any_session, "here")
    (alice,) = team(any_session, "alice")
    view = View(filters=Filters(article="a1"))
    assert claims.take_next(any_session, view, alice, HOLD) == mine.id
