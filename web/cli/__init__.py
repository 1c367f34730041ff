"""`modq`: every command-line task, on Flask's CLI (`modq run`, `modq shell`, ... work too)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from moderation import accounts
from moderation import db as database
from moderation.comments.demo import DEMO_ARTICLE, DEMO_ARTICLE_ID, DEMO_COMMENTS
from moderation.config import (
    DETOXIFY_VARIANTS,
    ConfigError,
    Settings,
    documented_variables,
    env_name,
)
from moderation.kinds import Role
from moderation.masking import MASK, mask_credentials
from moderation.sites import DEV_KEY_FILE, read_dev_key
from web.runtime import runtime


def _create_app() -> Flask:
    from web import create_app

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"modq: {mask_credentials(str(exc))}", err=True)
        sys.exit(2)


db_cli = AppGroup("db", help="Database schema.")
moderator_cli = AppGroup("moderator", help="Moderator accounts.")
demo_cli = AppGroup("demo", help="Demo content.")
detoxify_cli = AppGroup("detoxify", help="The Detoxify model: offline files, checks.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply database migrations."""
    database.upgrade(runtime().settings.database_url, revision)
    click.echo(f"database at {revision}")


@moderator_cli.command("create")
@click.argument("username")
@click.password_option(help="Prompted for when not given.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.MODERATOR.value,
    show_default=True,
    help="admin also manages moderators, word lists and the policy, and lifts sanctions.",
)
def moderator_create(username: str, password: str, role: str) -> None:
    """Create a moderator account."""
    with runtime().session_factory() as session:
        try:
            accounts.create_moderator(session, username, password, actor="cli", role=Role(role))
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"created {role} {username}")


@moderator_cli.command("reset-password")
@click.argument("username")
def moderator_reset_password(username: str) -> None:
    """Give a moderator a one-time password (to change at login) and end their sessions."""
    with runtime().session_factory() as session:
        try:
            one_time = accounts.reset_password(session, username, actor="cli")
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"one-time password for {username} (works once): {one_time}")


@demo_cli.command("load")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the service answers, for the status URLs printed.",
)
def demo_load(base_url: str) -> None:
    """Post the demo article and comments through the intake API."""
    client = current_app.test_client()
    headers = _api_headers()
    response = client.put(
        f"/api/v1/articles/{DEMO_ARTICLE_ID}", json=DEMO_ARTICLE, headers=headers, base_url=base_url
    )
    _check(response, "article")
    ids: dict[str, str] = {}
    for demo in DEMO_COMMENTS:
        payload: dict[str, Any] = {
            "article_id": DEMO_ARTICLE_ID,
            "body": demo.body,
            "author": {"id": demo.author_id, "name": demo.author_name},
        }
        if demo.reply_to:
            payload["parent_id"] = ids[demo.reply_to]
        response = client.post(
            "/api/v1/comments",
            json=payload,
            base_url=base_url,
            headers={**headers, "Idempotency-Key": f"demo-{demo.key}"},
        )
        _check(response, demo.key)
        ids[demo.key] = response.get_json()["id"]
        click.echo(f"{demo.key:16} {response.get_json()['status_url']}")
    click.echo(f"The worker scores them now; borderline ones appear at {base_url}/review/")
    click.echo(f"The article as readers see it, with its comments: {base_url}/demo")


def _api_headers() -> dict[str, str]:
    settings = runtime().settings
    key = settings.demo_api_key or read_dev_key(settings.var_dir)
    if not key:
        raise click.ClickException(
            "no API key to post the demo with: start the service once with `modq up` (it "
            f"writes {settings.var_dir / DEV_KEY_FILE}), or set MODQ_DEMO_API_KEY to a key "
            "from `modq site create NAME`"
        )
    return {"Authorization": f"Bearer {key}"}


def _check(response: Any, what: str) -> None:
    if response.status_code >= 300:
        raise click.ClickException(
            f"{what}: {response.status_code} {response.get_data(as_text=True)}"
        )


@detoxify_cli.command("prepare")
@click.option(
    "--variant", type=click.Choice(DETOXIFY_VARIANTS), default="unbiased", show_default=True
)
@click.option(
    "--dest",
    type=click.Path(path_type=Path),
    default=Path("models"),
    show_default=True,
    help="Folder to write the files into.",
)
@click.option(
    "--checkpoint-url", help="Where to get the .ckpt (default: Detoxify's release; file:// works)."
)
@click.option(
    "--hf-source",
    help="Hub model or local folder for config and tokenizer "
    "(default: the one the checkpoint names).",
)
def detoxify_prepare(
    variant: str, dest: Path, checkpoint_url: str | None, hf_source: str | None
) -> None:
    """Download a variant's checkpoint, config and tokenizer for offline workers."""
    from moderation.signals.detoxify.prepare import prepare

    try:
        prepared = prepare(variant, dest, checkpoint_url, hf_source)
    except Exception as exc:
        raise click.ClickException(f"could not prepare {variant}: {exc}") from None
    click.echo(f"prepared {prepared.version} ({', '.join(prepared.labels)})")
    click.echo("Point the workers at it:\n" + prepared.environment())


@detoxify_cli.command("check")
def detoxify_check() -> None:
    """Load the configured model as a worker would, and say what it is or what is missing."""
    from moderation.signals.detoxify.model import ModelUnavailable, load_detoxify
    from moderation.wiring import detoxify_options

    try:
        loaded = load_detoxify(detoxify_options(runtime().settings))
    except ModelUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{loaded.version}: {', '.join(loaded.labels)} on {loaded.device}")


@click.command("config")
@with_appcontext
def show_config() -> None:
    """List every MODQ_ variable: its value here (secrets masked), default and meaning."""
    current = shown_values(runtime().settings)
    for name, default, doc in documented_variables():
        click.echo(f"{name} = {current[name]} (default {default})\n    {doc}")


def shown_values(settings: Settings) -> dict[str, str]:
    """Each variable's current value as it may be printed: secrets as ***, URLs masked."""
    shown = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value in (None, ""):
            shown[env_name(f.name)] = "(unset)"
        else:
            secret = f.metadata.get("secret")
            shown[env_name(f.name)] = MASK if secret else mask_credentials(str(value))
    return shown


@click.command("up")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def up(host: str, port: int) -> None:
    """Run everything locally: Redis if needed, migrations, web, worker and beat."""
    from web.cli.devserver import run_all

    sys.exit(run_all(runtime().settings, host, port))


def register(app: Flask) -> None:
    """Add the commands to the app's CLI (the app factory calls this)."""
    from web.cli.authors import author_cli
    from web.cli.eval import evaluate
    from web.cli.policy import calibration, drift, policy_cli
    from web.cli.sites import site_cli
    from web.cli.webhooks import webhook_cli
    from web.cli.words import words_cli

    commands = (
        db_cli,
        moderator_cli,
        demo_cli,
        site_cli,
        webhook_cli,
        detoxify_cli,
        words_cli,
        policy_cli,
        author_cli,
        evaluate,
        calibration,
        drift,
        show_config,
        up,
    )
    for command in commands:
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the `modq` console script."""
    FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        load_dotenv=False,
        help="modq: the comment-moderation queue.",
    ).main()
