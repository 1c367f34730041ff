"""`modq author`: pre-moderate an author, or reject everything they have waiting."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import sites
from moderation.decisions import authors, review
from moderation.models import Moderator
from web.runtime import runtime

author_cli = AppGroup("author", help="Commenters.")


@author_cli.command("premoderate")
@click.argument("author_id")
@click.option("--off", is_flag=True, help="Stop pre-moderating this author.")
def premoderate(author_id: str, off: bool) -> None:
    """Send all of an author's comments to review (or stop, with --off)."""
    with runtime().session_factory() as session:
        authors.set_premoderated(session, author_id, not off, "cli")
    click.echo(f"{author_id}: {'no longer ' if off else ''}pre-moderated")


@author_cli.command("reject-all")
@click.argument("author_id")
@click.option(
    "--moderator", "username", required=True, help="Who decides (recorded with each decision)."
)
@click.option("--site", "site_name", help="Only this site's comments (default: every site's).")
@click.option("--note", default="", help="Why (kept with each decision and in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reject_all(author_id: str, username: str, site_name: str | None, note: str, yes: bool) -> None:
    """Reject every pending or in-review comment of an author."""
    with runtime().session_factory() as session:
        moderator = session.scalar(select(Moderator).where(Moderator.username == username))
        if moderator is None or not moderator.active:
            raise click.ClickException(f"no active moderator named {username!r}")
        site_id = _site_id(session, site_name)
        waiting = review.waiting_from(session, author_id, site_id)
        total = sum(waiting.values())
        if not total:
            click.echo(f"{author_id}: nothing pending or in review")
            return
        if not yes:
            click.confirm(
                f"Reject {total} comments of {author_id} ({_counts(waiting)})?", abort=True
            )
        rejected = review.reject_all_from(session, author_id, moderator, note, site_id)
    click.echo(f"{author_id}: rejected {len(rejected)} comments")


def _site_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    site = sites.find_site(session, name)
    if site is None:
        raise click.ClickException(f"no site named {name!r} (modq site list)")
    return site.id


def _counts(waiting: dict[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(waiting.items()))
