"""The outbox: an event is written in the same transaction as the decision it reports, with
one delivery per endpoint of the site, so an event exists exactly when its decision does.
Tasks are sent after the commit; when that fails (Redis away) the sweep sends them later.
Delivery is at least once: receivers drop an event whose `webhook-id` they have seen."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import EVENT_FOR_STATUS, CommentStatus, DeliveryState, EventType
from moderation.models import Comment, Decision
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from moderation.webhooks.signing import new_event_id

# A task sent this long ago for a delivery still due was probably lost: send it again.
RESEND_LOST_AFTER = timedelta(seconds=60)
TAKE_AT_MOST = 500


def record(
    session: Session,
    comment: Comment,
    event_type: EventType,
    deliver_after: datetime | None = None,
    previous_status: str | None = None,
    status: str | None = None,
) -> WebhookEvent | None:
    """Add the event about `comment` to the caller's transaction, for every endpoint of its
    site that wants it (paused ones too: they get it when resumed); None when none does.
    `deliver_after` holds it back, e.g. until a moderator's undo window has passed; `status`
    is the comment's new status when the loaded object may not show it yet."""
    endpoints = _site_endpoints(session, comment.site_id)
    if not any(e.wants(event_type.value) for e in endpoints):
        return None
    decision = _last_decision(session, comment.id)
    change = StatusChange(comment, status or comment.status, previous_status)
    return _add(session, change, event_type, endpoints, decision, deliver_after)


def record_status(
    session: Session,
    comment: Comment,
    status: CommentStatus,
    deliver_after: datetime | None = None,
    previous_status: str | None = None,
) -> WebhookEvent | None:
    """The event for a comment's new status (published, rejected or review)."""
    event_type = EVENT_FOR_STATUS.get(status)
    if event_type is None:
        return None
    return record(session, comment, event_type, deliver_after, previous_status, status)


def record_decided(session: Session, decided: Sequence[tuple[StatusChange, Decision]]) -> None:
    """The events of a batch of decisions just made, reading each site's endpoints once."""
    site_ids = sorted({change.comment.site_id for change, _ in decided})
    endpoints = {site_id: _site_endpoints(session, site_id) for site_id in site_ids}
    for change, decision in decided:
        event_type = EVENT_FOR_STATUS.get(CommentStatus(change.status))
        if event_type is not None:
            site_endpoints = endpoints[change.comment.site_id]
            _add(session, change, event_type, site_endpoints, decision)


@dataclass(frozen=True)
class StatusChange:
    """What an event reports: a comment, its new status, and the one before if it matters."""

    comment: Comment
    status: str
    previous_status: str | None


def _add(
    session: Session,
    change: StatusChange,
    event_type: EventType,
    site_endpoints: Sequence[WebhookEndpoint],
    decision: Decision | None,
    deliver_after: datetime | None = None,
) -> WebhookEvent | None:
    endpoints = [e for e in site_endpoints if e.wants(event_type.value)]
    if not endpoints:
        return None
    now = utcnow()
    comment = change.comment
    event = WebhookEvent(
        id=new_event_id(),
        site_id=comment.site_id,
        type=event_type.value,
        comment_id=comment.id,
        body=_body(change, event_type, now, decision),
        created_at=now,
    )
    session.add(event)
    due = max(now, deliver_after) if deliver_after else now
    session.add_all(
        WebhookDelivery(event=event, endpoint_id=e.id, next_attempt_at=due) for e in endpoints
    )
    session.info["webhooks_recorded"] = True  # the web side sends them after the commit
    return event


def _site_endpoints(session: Session, site_id: int) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.site_id == site_id, WebhookEndpoint.removed_at.is_(None)
    )
    return list(session.scalars(query))


def _body(
    change: StatusChange, event_type: EventType, at: datetime, decision: Decision | None
) -> str:
    """The JSON body: what a site needs to act on the event, never moderators' notes."""
    comment = change.comment
    data: dict[str, Any] = {
        "comment_id": comment.id,
        "article_id": comment.article.external_id,
        "parent_id": comment.parent_id,
        "author_id": comment.author_id,
        "status": change.status,
        "decided_by": decision.decider.value if decision else None,
        "reasons": [
            {"code": r["code"], "public": r.get("public", "")}
            for r in (decision.reasons if decision else [])
        ],
    }
    if change.previous_status:
        data["previous_status"] = change.previous_status
    timestamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"type": event_type.value, "timestamp": timestamp, "data": data})


def _last_decision(session: Session, comment_id: str) -> Decision | None:
    query = (
        select(Decision)
        .where(Decision.comment_id == comment_id)
        .order_by(Decision.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def take_due(session: Session, now: datetime | None = None) -> list[int]:
    """Deliveries to send a task for now (committed as sent): due, pending, to an endpoint
    that is not paused, and never sent or sent so long ago that the message looks lost."""
    now = now or utcnow()
    query = (
        select(WebhookDelivery)
        .join(WebhookEndpoint)
        .where(
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(
                WebhookDelivery.queued_at.is_(None),
                WebhookDelivery.queued_at < now - RESEND_LOST_AFTER,
            ),
            WebhookEndpoint.paused_at.is_(None),
            WebhookEndpoint.removed_at.is_(None),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(TAKE_AT_MOST)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    taken = list(session.scalars(query))
    for delivery in taken:
        delivery.queued_at = now
    session.commit()
    return [d.id for d in taken]


def release(session: Session, delivery_ids: list[int]) -> None:
    """Mark deliveries as not sent after all (the broker was away), so the next sweep sends
    them at once instead of waiting for them to look lost; committed."""
    if delivery_ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(delivery_ids))
            .values(queued_at=None)
        )
        session.commit()


def withdraw(session: Session, comment_id: str, since: datetime) -> bool:
    """Withdraw the deliveries not yet attempted of the comment's events since `since` (its
    decision was undone inside the undo window; in the caller's transaction); True if one had
    already been attempted, so the site may have heard of the decision and must hear of the
    undo."""
    events = select(WebhookEvent.id).where(
        WebhookEvent.comment_id == comment_id, WebhookEvent.created_at >= since
    )
    deliveries = list(
        session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.event_id.in_(events),
                WebhookDelivery.state != DeliveryState.WITHDRAWN,
            )
        )
    )
    for delivery in deliveries:
        if delivery.state == DeliveryState.PENDING and delivery.attempts == 0:
            delivery.state = DeliveryState.WITHDRAWN
    return any(d.state != DeliveryState.WITHDRAWN for d in deliveries)
