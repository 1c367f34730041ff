"""Webhook delivery against a real HTTP receiver on 127.0.0.1: signatures that the
standardwebhooks library verifies, retries on the schedule, pausing a failing endpoint."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from moderation import accounts
from moderation.db import utcnow
from moderation.decisions.pipeline import record_decision
from moderation.decisions.review import decide_as_moderator
from moderation.decisions.undo import undo
from moderation.errors import Invalid
from moderation.kinds import Action, CommentStatus, DeliveryState, EventType
from moderation.models import Comment, Moderator
from moderation.policy.verdicts import Reason, Verdict
from moderation.webhooks import delivery, endpoints, outbox
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from moderation.webhooks.signing import new_secret
from tests.support import factories
from tests.support.receiver import Receiver, receiver

REJECT = Verdict(Action.REJECT, (Reason("insult", "insult 0.97", Action.REJECT),), "v1-test")


@pytest.fixture
def hook(any_session: Session) -> tuple[Receiver, WebhookEndpoint]:
    """A receiver and an endpoint of the test site pointing at it."""
    with receiver() as listening:
        site = factories.site(any_session)
        yield listening, endpoints.add_endpoint(any_session, site, listening.url, True)


def decided(session: Session, verdict: Verdict = REJECT) -> WebhookDelivery:
    """A comment decided by the policy, and the delivery its decision recorded."""
    factories.article(session)
    comment = factories.comment(session)
    record_decision(session, comment.id, comment.author_id, {}, verdict)
    return session.scalars(select(WebhookDelivery)).one()


def test_a_decision_is_posted_signed_as_standard_webhooks_says(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    listening, endpoint = hook
    pending = decided(any_session)
    assert any_session.scalars(select(WebhookEvent)).one().type == "comment.rejected"
    entry = delivery.attempt(any_session, pending.id, allow_private=True)
    assert entry is not None and entry.ok and entry.response == "answered 200"
    [request] = listening.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "comment.rejected"
    data = payload["data"]
    assert data["status"] == "rejected" and data["article_id"] == "a1"
    assert data["decided_by"] == "policy"
    assert data["reasons"] == [
        {"code": "insult", "public": "Your comment appears to insult someone."}
    ]
    assert "insult 0.97" not in request.body.decode()  # moderators' detail stays inside
    assert request.headers["webhook-id"] == pending.event_id
    with pytest.raises(WebhookVerificationError):  # another endpoint's secret fails
        Webhook(new_secret()).verify(request.body, request.headers)
    assert delivery.attempt(any_session, pending.id, True) is None  # delivered once


def test_a_receiver_that_fails_once_gets_the_event_on_the_retry(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    listening, _ = hook
    listening.statuses = [503]
    pending = decided(any_session)
    now = utcnow()
    first = delivery.attempt(any_session, pending.id, True, now=now)
    assert first is not None and first.status_code == 503
    any_session.refresh(pending)
    assert pending.state == DeliveryState.PENDING
    assert pending.next_attempt_at == now + delivery.RETRY_DELAYS[0]
    assert delivery.attempt(any_session, pending.id, True, now=now) is None  # not due yet
    assert outbox.take_due(any_session, now) == []
    later = now + delivery.RETRY_DELAYS[0]
    assert outbox.take_due(any_session, later) == [pending.id]  # the sweep sends it
    second = delivery.attempt(any_session, pending.id, True, now=later)
    assert second is not None and second.ok
    assert [len(listening.requests), pending.state, len(pending.log)] == [2, "delivered", 2]
    ids = {r.headers["webhook-id"] for r in listening.requests}
    assert ids == {pending.event_id}  # the same event: receivers can drop a duplicate


def test_an_endpoint_that_keeps_failing_is_paused_and_resumed(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    listening, endpoint = hook
    listening.statuses = [500, 500, 500]
    rules = delivery.PausePolicy(failures=3, hours=24)
    pending, now = decided(any_session), utcnow()
    for n in range(3):
        delivery.attempt(any_session, pending.id, True, rules, now=now)
        now = now + delivery.RETRY_DELAYS[n]
    any_session.refresh(endpoint)
    assert endpoint.paused_at is not None and "3 attempts in a row failed" in endpoint.paused_reason
    assert endpoints.paused_endpoints(any_session) == [endpoint]
    assert outbox.take_due(any_session, now + timedelta(days=1)) == []  # nothing sent
    assert delivery.attempt(any_session, pending.id, True, rules, now=now) is None
    assert len(listening.requests) == 3
    endpoints.resume(any_session, endpoint.id)
    assert outbox.take_due(any_session, utcnow()) == [pending.id]
    assert delivery.attempt(any_session, pending.id, True, rules).ok


def test_failing_for_hours_pauses_too(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    listening, endpoint = hook
    listening.statuses = [500, 500]
    pending, now = decided(any_session), utcnow()
    rules = delivery.PausePolicy(failures=100, hours=1)
    delivery.attempt(any_session, pending.id, True, rules, now=now)
    assert endpoint.paused_at is None
    delivery.attempt(any_session, pending.id, True, rules, now=now + timedelta(hours=2))
    assert endpoint.paused_at is not None and "for 1 hours" in endpoint.paused_reason


def test_after_the_last_scheduled_attempt_the_delivery_fails_and_can_be_resent(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    listening, _ = hook
    listening.statuses = [500] * (len(delivery.RETRY_DELAYS) + 1)
    pending, now = decided(any_session), utcnow()
    rules = delivery.PausePolicy(failures=1000, hours=1000)
    for wait in (*delivery.RETRY_DELAYS, timedelta(0)):
        assert delivery.attempt(any_session, pending.id, True, rules, now=now) is not None
        now += wait
    assert pending.state == DeliveryState.FAILED and len(pending.log) == 12
    assert sum(delivery.RETRY_DELAYS, timedelta()) > timedelta(hours=23)  # about a day
    delivery.resend(any_session, pending.id, "moderator:alice")
    assert delivery.attempt(any_session, pending.id, True).ok
    assert pending.state == DeliveryState.DELIVERED


def test_a_site_without_endpoints_records_no_event(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    record_decision(any_session, comment.id, comment.author_id, {}, REJECT)
    assert any_session.scalars(select(WebhookEvent)).all() == []


def test_an_endpoint_gets_only_the_types_it_asked_for(any_session: Session) -> None:
    site = factories.site(any_session)
    published_only = endpoints.add_endpoint(
        any_session, site, "http://127.0.0.1:9/x", True, [EventType.PUBLISHED]
    )
    factories.article(any_session)
    comment = factories.comment(any_session)
    record_decision(any_session, comment.id, "u1", {}, REJECT)
    assert any_session.scalars(select(WebhookEvent)).all() == []
    assert published_only.wants("comment.published")
    with pytest.raises(Invalid, match="not an event type"):
        endpoints.add_endpoint(any_session, site, "http://127.0.0.1:9/", True, ["comment.x"])


def in_review_with_moderator(session: Session) -> tuple[Comment, Moderator]:
    factories.article(session)
    comment = factories.comment(session)
    session.execute(
        update(Comment).where(Comment.id == comment.id).values(status=CommentStatus.REVIEW)
    )
    session.commit()
    return comment, accounts.create_moderator(session, "bob", "password-of-bob")


def test_a_moderators_event_waits_for_the_undo_window(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    comment, bob = in_review_with_moderator(any_session)
    window = timedelta(seconds=30)
    decide_as_moderator(any_session, comment.id, bob, Action.PUBLISH, public_delay=window)
    assert outbox.take_due(any_session) == []  # it can still be undone: sites wait
    [due] = outbox.take_due(any_session, utcnow() + window)
    body = json.loads(any_session.get(WebhookDelivery, due).event.body)
    assert body["type"] == "comment.published"
    assert body["data"]["decided_by"] == "moderator"
    assert body["data"]["previous_status"] == "review"


def test_an_undone_decision_sends_nothing(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    comment, bob = in_review_with_moderator(any_session)
    window = timedelta(seconds=30)
    decision = decide_as_moderator(any_session, comment.id, bob, Action.REJECT, public_delay=window)
    undo(any_session, decision.id, bob, window, utcnow(), timedelta(minutes=5))
    [withdrawn] = any_session.scalars(select(WebhookDelivery)).all()
    assert withdrawn.state == DeliveryState.WITHDRAWN
    assert outbox.take_due(any_session, utcnow() + timedelta(days=1)) == []


def test_undoing_a_decision_that_went_out_sends_the_return_to_review(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    comment, bob = in_review_with_moderator(any_session)
    decision = decide_as_moderator(any_session, comment.id, bob, Action.REJECT)
    [sent] = outbox.take_due(any_session)
    assert delivery.attempt(any_session, sent, True).ok
    undo(any_session, decision.id, bob, timedelta(seconds=30), utcnow(), timedelta(minutes=5))
    [again] = outbox.take_due(any_session)
    body = json.loads(any_session.get(WebhookDelivery, again).event.body)
    assert (body["type"], body["data"]["previous_status"]) == ("comment.review", "rejected")


def test_sending_is_marked_so_the_sweep_waits_before_sending_again(
    any_session: Session, hook: tuple[Receiver, WebhookEndpoint]
) -> None:
    pending, now = decided(any_session), utcnow()
    assert outbox.take_due(any_session, now) == [pending.id]
    assert outbox.take_due(any_session, now + timedelta(seconds=5)) == []  # on its way
    lost = now + outbox.RESEND_LOST_AFTER + timedelta(seconds=1)
    assert outbox.take_due(any_session, lost) == [pending.id]  # the message looks lost
