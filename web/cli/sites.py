"""`modq site`: the sites that write to modq, their API keys and browser settings."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from moderation import sites
from moderation.masking import MASK
from moderation.models import Site
from web.runtime import runtime

site_cli = AppGroup("site", help="Sites and their API keys.")
key_cli = AppGroup("key", help="A site's API keys.")
site_cli.add_command(key_cli)
ORIGIN_HELP = "An origin (https://host[:port]) whose readers' browsers may call the API; repeat."
OPEN_HELP = (
    "Take comments WITHOUT a key from browsers on the site's origins (readers post directly). "
    "Rate limits are then the only guard against floods."
)


@site_cli.command("create")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help=ORIGIN_HELP)
@click.option("--open-intake", is_flag=True, help=OPEN_HELP)
def create(name: str, origins: tuple[str, ...], open_intake: bool) -> None:
    """Create a site; its first API key is printed once (only a hash of it is kept)."""
    with runtime().session_factory() as session:
        try:
            site, token = sites.create_site(session, name, origins, open_intake)
        except sites.SiteError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"created site {site.name}")
        _show_new_key(token)
        click.echo(
            f"Reader-token secret (signs your readers' tokens, HS256, aud modq:{site.name}; "
            f"shown only now): {site.reader_secret}"
        )
        _warn_if_open(site)


@site_cli.command("update")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help=ORIGIN_HELP + " Replaces the list.")
@click.option("--no-origins", is_flag=True, help="Remove every origin.")
@click.option("--open-intake/--closed-intake", default=None, help=OPEN_HELP)
@click.option(
    "--anonymous/--verified-only",
    "anonymous",
    default=None,
    help="Let readers without the site's token comment in the embed under a name they type.",
)
@click.option(
    "--show-reasons/--hide-reasons",
    "show_reasons",
    default=None,
    help="Tell a reader in the embed why their comment was not published.",
)
def update(
    name: str,
    origins: tuple[str, ...],
    no_origins: bool,
    open_intake: bool | None,
    anonymous: bool | None,
    show_reasons: bool | None,
) -> None:
    """Change a site's origins, open intake, or what its embed allows and says."""
    with runtime().session_factory() as session:
        site = _site(session, name)
        new_origins = [] if no_origins else (list(origins) or None)
        try:
            sites.update_site(
                session,
                site,
                new_origins,
                open_intake,
                anonymous_comments=anonymous,
                show_reasons=show_reasons,
            )
        except sites.SiteError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{site.name}: {_describe(site)}")
        _warn_if_open(site)


@site_cli.command("list")
def list_() -> None:
    """Every site, its settings and its keys (never the keys themselves)."""
    with runtime().session_factory() as session:
        found = sites.all_sites(session)
        for site in found:
            click.echo(f"{site.name}: {_describe(site)}")
            for key in site.keys:
                state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
                used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
                click.echo(
                    f"  key {key.id}: {key.hint}…  {state}, created "
                    f"{key.created_at:%Y-%m-%d %H:%M}, last used {used}"
                    + (f"  ({key.label})" if key.label else "")
                )
    if not found:
        click.echo("no sites yet: modq site create NAME")


@site_cli.command("rotate-secret")
@click.argument("name")
@click.option(
    "--keep-old", is_flag=True, help="Leave the old keys live (revoke them later, one by one)."
)
def rotate_secret(name: str, keep_old: bool) -> None:
    """A new API key for a site (printed once); its other keys are revoked at once."""
    with runtime().session_factory() as session:
        site = _site(session, name)
        key, token = sites.rotate_key(session, site, keep_old)
        click.echo(f"key {key.id} for {site.name}")
        _show_new_key(token)
        if not keep_old:
            click.echo("every other key of this site is revoked")


@site_cli.command("origins")
@click.argument("name")
@click.option("--add", "added", multiple=True, help="An origin to allow (https://host[:port]).")
@click.option("--remove", "removed", multiple=True, help="An origin to take off the list.")
def origins(name: str, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """Show or change the origins whose browsers may call the API and frame the embed."""
    with runtime().session_factory() as session:
        site = _site(session, name)
        if added or removed:
            try:
                sites.change_origins(session, site, added, removed)
            except sites.SiteError as exc:
                raise click.ClickException(str(exc)) from None
        click.echo("\n".join(site.origins) or f"{site.name} lists no origins")


@key_cli.command("add")
@click.argument("site_name")
@click.option("--label", default="", help="What the key is for (shown by `modq site list`).")
def key_add(site_name: str, label: str) -> None:
    """Give a site another key (printed once), e.g. before revoking an old one."""
    with runtime().session_factory() as session:
        key, token = sites.add_key(session, _site(session, site_name), label)
        click.echo(f"key {key.id} for {site_name}")
        _show_new_key(token)


@key_cli.command("revoke")
@click.argument("key_id", type=int)
def key_revoke(key_id: int) -> None:
    """Revoke a key: calls with it are refused from now on."""
    with runtime().session_factory() as session:
        try:
            key = sites.revoke_key(session, key_id)
        except sites.SiteError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"revoked key {key.id} ({key.hint}…) of {key.site.name}")


def _site(session: Session, name: str) -> Site:
    site = sites.find_site(session, name)
    if site is None:
        raise click.ClickException(f"no site named {name!r} (modq site list)")
    return site


def _describe(site: Site) -> str:
    origins = ", ".join(site.origins) or "no browser origins"
    intake = "OPEN INTAKE: comments without a key" if site.open_intake else "writes need a key"
    readers = "anonymous comments" if site.anonymous_comments else "verified readers only"
    reasons = ", reasons shown" if site.show_reasons else ""
    secret = f"reader secret {site.reader_secret[:4]}…{MASK}"
    return f"{origins}; {intake}; {readers}{reasons}; {secret}"


def _show_new_key(token: str) -> None:
    click.echo(f"API key (shown only now, store it safely): {token}")
    click.echo("Send it as: Authorization: Bearer <key>")


def _warn_if_open(site: Site) -> None:
    if site.open_intake:
        click.secho(f"WARNING: {sites.open_intake_warning(site)}", fg="yellow", err=True)
