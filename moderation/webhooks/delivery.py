"""One attempt to deliver an event to an endpoint, its entry in the delivery log, and what
follows: done, a retry on the schedule, or, after the last one, failed. An endpoint that keeps
failing is paused.

Retry schedule (delays after each failed attempt; 12 attempts over about 24 hours):
5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 3 h, 4 h, 6 h, 8 h. Retries are sent by the
sweep, not by a task countdown: a countdown of hours would outlive Redis' visibility timeout
and be delivered twice."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import claim, utcnow
from moderation.errors import NotFound
from moderation.kinds import DeliveryState
from moderation.webhooks import endpoints as endpoints_
from moderation.webhooks.addresses import RefusedAddress, connection, resolve
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from moderation.webhooks.signing import headers

RETRY_DELAYS = tuple(
    timedelta(seconds=s) for s in (5, 30, 120, 600, 1800, 3600, 7200, 10800, 14400, 21600, 28800)
)
TIMEOUT_SECONDS = 10.0
# An attempt holds its delivery this long (longer than any attempt can take).
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)
RESPONSE_KEPT_CHARS = 1000
USER_AGENT = "modq-webhooks/1"


@dataclass(frozen=True)
class PausePolicy:
    """When an endpoint counts as broken: this many failed attempts in a row, or failing for
    this long without a success in between."""

    failures: int = 20
    hours: float = 24.0


@dataclass(frozen=True)
class Answer:
    """What an attempt got back."""

    status_code: int | None
    duration_ms: float
    error: str = ""
    response: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx answer (redirects are not followed, and count as failures)."""
        return self.status_code is not None and 200 <= self.status_code < 300


def attempt(
    session: Session,
    delivery_id: int,
    allow_private: bool,
    pause_policy: PausePolicy = PausePolicy(),
    now: datetime | None = None,
) -> WebhookAttempt | None:
    """Make one attempt if the delivery is due and no one else holds it (committed); None when
    there was nothing to do (already delivered, not due, endpoint paused or removed)."""
    started = now or utcnow()
    if not _hold(session, delivery_id, started):
        return None
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    endpoint = delivery.endpoint
    if endpoint.paused_at is not None or endpoint.removed_at is not None:
        delivery.locked_until = None
        session.commit()
        return None
    session.commit()  # the lease, before the slow part; no transaction is held over the call
    answer = post(endpoint, delivery, allow_private)
    return _record(session, delivery, answer, pause_policy, now or utcnow())


def _hold(session: Session, delivery_id: int, now: datetime) -> bool:
    return claim(
        session,
        WebhookDelivery,
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.state == DeliveryState.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        locked_until=now + LEASE,
    )


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, allow_private: bool) -> Answer:
    """POST the event's body, signed now, to the endpoint; never raises."""
    body = delivery.event.body
    started = time.perf_counter()
    try:
        target = resolve(endpoint.url, allow_private)
        conn = connection(target, TIMEOUT_SECONDS)
        try:
            conn.request("POST", target.path, body.encode(), _headers(endpoint, delivery, body))
            response = conn.getresponse()
            text = response.read(RESPONSE_KEPT_CHARS * 4).decode("utf-8", "replace")
        finally:
            conn.close()
    except (OSError, RefusedAddress, ValueError) as exc:  # refused, timed out, TLS, DNS...
        return Answer(None, _since(started), f"{type(exc).__name__}: {exc}"[:500])
    return Answer(response.status, _since(started), response=text[:RESPONSE_KEPT_CHARS])


def _headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: str) -> dict[str, str]:
    signed = headers(endpoint.secret, delivery.event_id, body, utcnow())
    return {**signed, "Content-Type": "application/json", "User-Agent": USER_AGENT}


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _record(
    session: Session,
    delivery: WebhookDelivery,
    answer: Answer,
    pause_policy: PausePolicy,
    now: datetime,
) -> WebhookAttempt:
    entry = WebhookAttempt(
        delivery=delivery,
        at=now,
        status_code=answer.status_code,
        duration_ms=answer.duration_ms,
        error=answer.error,
        response=answer.response,
    )
    session.add(entry)
    delivery.attempts += 1
    delivery.locked_until = None
    if answer.ok:
        _succeeded(delivery, now)
    else:
        _failed(session, delivery, answer, pause_policy, now)
    session.commit()
    return entry


def _succeeded(delivery: WebhookDelivery, now: datetime) -> None:
    delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
    endpoint = delivery.endpoint
    endpoint.consecutive_failures, endpoint.failing_since = 0, None


def _failed(
    session: Session,
    delivery: WebhookDelivery,
    answer: Answer,
    pause_policy: PausePolicy,
    now: datetime,
) -> None:
    if delivery.attempts > len(RETRY_DELAYS):
        delivery.state = DeliveryState.FAILED
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        delivery.queued_at = None  # the sweep sends it when due
    endpoint = delivery.endpoint
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    reason = _broken(endpoint, pause_policy, now)
    if reason and endpoint.paused_at is None:
        last = f"HTTP {answer.status_code}" if answer.status_code else answer.error
        endpoints_.pause(session, endpoint, f"{reason} (last: {last})", now)


def _broken(endpoint: WebhookEndpoint, pause_policy: PausePolicy, now: datetime) -> str:
    if endpoint.consecutive_failures >= pause_policy.failures:
        return f"{endpoint.consecutive_failures} attempts in a row failed"
    since = endpoint.failing_since
    if since and now - since >= timedelta(hours=pause_policy.hours):
        return f"every attempt failed for {pause_policy.hours:g} hours"
    return ""


def resend(session: Session, delivery_id: int, actor: str) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it, with a fresh retry schedule
    (committed, audited); receivers see the same `webhook-id`."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    delivery.state, delivery.attempts = DeliveryState.PENDING, 0
    delivery.next_attempt_at, delivery.queued_at, delivery.locked_until = utcnow(), None, None
    audit.record(session, actor, "webhook.resent", "webhook_delivery", delivery.id)
    session.info["webhooks_recorded"] = True  # the web side sends it after the commit
    session.commit()
    return delivery
