"""Admin screens for webhooks: a site's endpoints (added with a secret shown once, removed,
resumed when paused), and each endpoint's delivery log with a resend button."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from moderation import sites
from moderation.errors import DomainError, Invalid
from moderation.kinds import DeliveryState, EventType
from moderation.webhooks import delivery, endpoints
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint
from web.admin_sites import actor
from web.auth import admin_required
from web.runtime import db, runtime

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin/webhooks")
LOG_ROWS = 50


@bp.app_context_processor
def paused_webhooks() -> dict[str, object]:
    """`paused_webhooks()` in templates: the paused endpoints, for admins (the banner every
    admin page shows under its navigation)."""

    def paused() -> list[WebhookEndpoint]:
        moderator = g.get("moderator")
        if moderator is None or not moderator.is_admin:
            return []
        return endpoints.paused_endpoints(db())

    return {"paused_webhooks": paused}


@bp.get("/")
@admin_required
def index() -> str:
    """Every live endpoint, paused ones first in a banner, and the form to add one."""
    return render_template(
        "admin/webhooks.html",
        endpoints=endpoints.live_endpoints(db()),
        sites=sites.all_sites(db()),
        event_types=list(EventType),
    )


@bp.post("/new")
@admin_required
def add() -> Response | str:
    """Register an endpoint; its signing secret is shown on this answer only."""
    site = sites.find_site(db(), request.form.get("site", ""))
    try:
        if site is None:
            raise Invalid("choose the site the events are about")
        endpoint = endpoints.add_endpoint(
            db(),
            site,
            request.form.get("url", ""),
            runtime().settings.webhook_private_addresses,
            request.form.getlist("event"),
            request.form.get("description", ""),
            actor=actor(),
        )
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin_webhooks.index"))
    return _secret_page(
        endpoint, f"Webhook {endpoint.id} sends {site.name}'s events to {endpoint.url}."
    )


def _secret_page(endpoint: WebhookEndpoint, message: str) -> str:
    return render_template(
        "admin/secret.html",
        message=message,
        secret=endpoint.secret,
        usage="The receiver checks each request's webhook-signature with it (see the README).",
        back=url_for("admin_webhooks.log", endpoint_id=endpoint.id),
    )


@bp.post("/<int:endpoint_id>/rotate")
@admin_required
def rotate(endpoint_id: int) -> str:
    """A new signing secret, shown once; events are signed with it from now on."""
    endpoint = endpoints.rotate_secret(db(), endpoint_id, actor())
    return _secret_page(endpoint, f"New signing secret for webhook {endpoint.id}.")


@bp.post("/<int:endpoint_id>/remove")
@admin_required
def remove(endpoint_id: int) -> Response:
    """Stop sending to an endpoint (its log is kept)."""
    endpoint = endpoints.remove_endpoint(db(), endpoint_id, actor())
    flash(f"Removed webhook {endpoint.id} ({endpoint.url}).", "info")
    return redirect(url_for("admin_webhooks.index"))


@bp.post("/<int:endpoint_id>/resume")
@admin_required
def resume(endpoint_id: int) -> Response:
    """Call a paused endpoint again; what waited is sent by the next sweep."""
    endpoint = endpoints.resume(db(), endpoint_id, actor())
    flash(f"Resumed webhook {endpoint.id}: the events that waited go out now.", "info")
    return redirect(url_for("admin_webhooks.log", endpoint_id=endpoint.id))


@bp.get("/<int:endpoint_id>")
@admin_required
def log(endpoint_id: int) -> str:
    """The endpoint's latest deliveries, each with its attempts."""
    endpoint = endpoints.get_endpoint(db(), endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_ROWS)
        .options(selectinload(WebhookDelivery.event), selectinload(WebhookDelivery.log))
    )
    return render_template(
        "admin/webhook_log.html",
        endpoint=endpoint,
        deliveries=list(db().scalars(query)),
        states=DeliveryState,
    )


@bp.post("/deliveries/<int:delivery_id>/resend")
@admin_required
def resend(delivery_id: int) -> Response:
    """Send a delivery again now (same webhook-id), with a fresh retry schedule."""
    found = db().get(WebhookDelivery, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    delivery.resend(db(), delivery_id, actor())
    flash(f"Delivery {delivery_id} of {found.event.type} is on its way again.", "info")
    return redirect(url_for("admin_webhooks.log", endpoint_id=found.endpoint_id))
