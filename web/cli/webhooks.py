"""`modq webhook`: the URLs a site receives signed events at, and what became of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask.cli import AppGroup

from moderation.errors import DomainError
from moderation.kinds import EventType
from moderation.sites import find_site
from moderation.webhooks import delivery, endpoints
from moderation.webhooks.models import WebhookEndpoint
from web.runtime import runtime

webhook_cli = AppGroup("webhook", help="Webhook endpoints: signed events about comments.")
EVENT_CHOICE = click.Choice([e.value for e in EventType])
T = TypeVar("T")


@webhook_cli.command("add")
@click.argument("url")
@click.option("--site", "site_name", required=True, help="The site the events are about.")
@click.option("--event", "events", multiple=True, type=EVENT_CHOICE, help="Only these; repeat.")
@click.option("--description", default="", help="What the endpoint is (shown in lists).")
def add(url: str, site_name: str, events: tuple[str, ...], description: str) -> None:
    """Send a site's events to URL; prints the signing secret once."""
    settings = runtime().settings
    with runtime().session_factory() as session:
        site = find_site(session, site_name)
        if site is None:
            raise click.ClickException(f"no site named {site_name!r} (modq site list)")
        try:
            endpoint = endpoints.add_endpoint(
                session, site, url, settings.webhook_private_addresses, events, description
            )
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"webhook {endpoint.id}: {endpoint.url} ({_types(endpoint)})")
        _show_secret(endpoint)


@webhook_cli.command("list")
@click.option("--site", "site_name", default=None, help="Only this site's endpoints.")
def list_(site_name: str | None) -> None:
    """Endpoints, their state and the last attempts (secrets masked)."""
    with runtime().session_factory() as session:
        site = find_site(session, site_name) if site_name else None
        if site_name and site is None:
            raise click.ClickException(f"no site named {site_name!r} (modq site list)")
        found = endpoints.live_endpoints(session, site.id if site else None)
        for endpoint in found:
            state = f"PAUSED: {endpoint.paused_reason}" if endpoint.paused_at else "active"
            click.echo(
                f"{endpoint.id}  {endpoint.site.name}  {endpoint.url}  {state}  "
                f"secret {endpoint.masked_secret}  ({_types(endpoint)})"
            )
    if not found:
        click.echo("no webhook endpoints yet: modq webhook add URL --site NAME")


@webhook_cli.command("remove")
@click.argument("endpoint_id", type=int)
def remove(endpoint_id: int) -> None:
    """Stop sending to an endpoint (its delivery log is kept)."""
    with runtime().session_factory() as session:
        endpoint = _call(lambda: endpoints.remove_endpoint(session, endpoint_id))
        click.echo(f"removed webhook {endpoint.id} ({endpoint.url})")


@webhook_cli.command("resume")
@click.argument("endpoint_id", type=int)
def resume(endpoint_id: int) -> None:
    """Call a paused endpoint again; what waited is sent by the next sweep."""
    with runtime().session_factory() as session:
        endpoint = _call(lambda: endpoints.resume(session, endpoint_id))
        click.echo(f"resumed webhook {endpoint.id} ({endpoint.url})")


@webhook_cli.command("rotate-secret")
@click.argument("endpoint_id", type=int)
def rotate_secret(endpoint_id: int) -> None:
    """A new signing secret for an endpoint, printed once; events are signed with it now."""
    with runtime().session_factory() as session:
        endpoint = _call(lambda: endpoints.rotate_secret(session, endpoint_id))
        _show_secret(endpoint)


@webhook_cli.command("resend")
@click.argument("delivery_id", type=int)
def resend(delivery_id: int) -> None:
    """Send one delivery again now, with a fresh retry schedule (the sweep sends it)."""
    with runtime().session_factory() as session:
        sent = _call(lambda: delivery.resend(session, delivery_id, "cli"))
        click.echo(f"delivery {sent.id} of event {sent.event_id} is due again")


def _call(action: Callable[[], T]) -> T:
    try:
        return action()
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


def _types(endpoint: WebhookEndpoint) -> str:
    return ", ".join(endpoint.event_types) or "every event"


def _show_secret(endpoint: WebhookEndpoint) -> None:
    click.echo(f"signing secret (shown only now, store it safely): {endpoint.secret}")
    click.echo("verify each request with it, e.g. standardwebhooks' Webhook(secret).verify")
