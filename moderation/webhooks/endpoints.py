"""A site's webhook endpoints: adding (the secret is shown once), listing, removing, and the
pause that stops calls to an endpoint that keeps failing until an admin resumes it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import utcnow
from moderation.errors import Invalid, NotFound
from moderation.kinds import DeliveryState, EventType
from moderation.models import Site
from moderation.webhooks.addresses import resolve
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.signing import new_secret

log = logging.getLogger(__name__)


def add_endpoint(
    session: Session,
    site: Site,
    url: str,
    allow_private: bool,
    event_types: Iterable[str] = (),
    description: str = "",
    actor: str = "cli",
) -> WebhookEndpoint:
    """Register `url` for `site` (committed, audited); its new secret is on the result, to be
    shown once."""
    resolve(url, allow_private)  # refuses other schemes, and internal addresses unless allowed
    endpoint = WebhookEndpoint(
        site=site,
        url=url.strip(),
        secret=new_secret(),
        event_types=_event_types(event_types),
        description=description.strip()[:200],
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session, actor, "webhook.added", "webhook", endpoint.id, site=site.name, url=endpoint.url
    )
    session.commit()
    return endpoint


def _event_types(values: Iterable[str]) -> list[str]:
    chosen = []
    for value in values:
        try:
            chosen.append(EventType(value).value)
        except ValueError:
            known = ", ".join(e.value for e in EventType)
            raise Invalid(f"{value!r} is not an event type; one of {known}") from None
    return sorted(set(chosen))


def live_endpoints(session: Session, site_id: int | None = None) -> list[WebhookEndpoint]:
    """Endpoints not removed (of one site, or of all), by site and id."""
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.removed_at.is_(None))
        .order_by(WebhookEndpoint.site_id, WebhookEndpoint.id)
        .options(selectinload(WebhookEndpoint.site))
    )
    if site_id is not None:
        query = query.where(WebhookEndpoint.site_id == site_id)
    return list(session.scalars(query))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """A live endpoint, or NotFound."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.removed_at is not None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


def remove_endpoint(session: Session, endpoint_id: int, actor: str = "cli") -> WebhookEndpoint:
    """Stop sending to an endpoint (committed, audited); its delivery log is kept."""
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.removed_at = utcnow()
    audit.record(session, actor, "webhook.removed", "webhook", endpoint.id, url=endpoint.url)
    session.commit()
    return endpoint


def rotate_secret(session: Session, endpoint_id: int, actor: str = "cli") -> WebhookEndpoint:
    """A new secret for an endpoint (committed, audited): events are signed with it from now."""
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.secret = new_secret()
    audit.record(session, actor, "webhook.secret_rotated", "webhook", endpoint.id)
    session.commit()
    return endpoint


def pause(session: Session, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Stop calling an endpoint (in the caller's transaction); its events wait, undelivered."""
    endpoint.paused_at, endpoint.paused_reason = now, reason
    audit.record(session, audit.SYSTEM, "webhook.paused", "webhook", endpoint.id, reason=reason)
    log.warning(
        "webhook endpoint %d of site %s (%s) paused: %s; resume it on the admin screen or with "
        "`modq webhook resume %d`",
        endpoint.id,
        endpoint.site.name,
        endpoint.url,
        reason,
        endpoint.id,
    )


def resume(session: Session, endpoint_id: int, actor: str = "cli") -> WebhookEndpoint:
    """Call a paused endpoint again (committed, audited): what waited is due now."""
    endpoint = get_endpoint(session, endpoint_id)
    now = utcnow()
    endpoint.paused_at, endpoint.paused_reason = None, ""
    endpoint.consecutive_failures, endpoint.failing_since = 0, None
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.state == DeliveryState.PENDING,
        )
        .values(next_attempt_at=now, queued_at=None, attempts=0)
    )
    audit.record(session, actor, "webhook.resumed", "webhook", endpoint.id)
    session.commit()
    return endpoint


def paused_endpoints(session: Session) -> list[WebhookEndpoint]:
    """Live endpoints that are paused: what the admin screens warn about."""
    return [e for e in live_endpoints(session) if e.paused_at is not None]
