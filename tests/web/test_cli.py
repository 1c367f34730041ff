"""`modq` commands, run through Flask's CLI runner."""

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from moderation import accounts, sites
from moderation.comments.demo import DEMO_COMMENTS
from moderation.config import Settings
from moderation.models import Comment, Moderator
from tests.conftest import make_settings
from web import create_app


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/readyz").status_code == 200


def test_moderator_create_stores_a_hashed_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["moderator", "create", "carol"], input="a good long password\n" * 2
    )
    assert result.exit_code == 0, result.output
    with app.extensions["modq"].session_factory() as session:
        carol = session.scalar(select(Moderator).where(Moderator.username == "carol"))
        assert carol is not None and "a good long password" not in carol.password_hash
        assert accounts.authenticate(session, "carol", "a good long password") is not None


def test_moderator_create_refuses_a_short_password_and_a_duplicate(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(args=["moderator", "create", "dan", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    runner.invoke(args=["moderator", "create", "dan", "--password", "long enough pw"])
    again = runner.invoke(args=["moderator", "create", "dan", "--password", "long enough pw"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_demo_load_goes_through_the_api_and_is_idempotent(app: Flask, settings: Settings) -> None:
    runner = app.test_cli_runner()
    without_key = runner.invoke(args=["demo", "load"])
    assert without_key.exit_code != 0 and "modq up" in without_key.output
    with app.extensions["modq"].session_factory() as session:
        sites.ensure_dev_key(session, settings.var_dir)  # as `modq up` does
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    with app.extensions["modq"].session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == len(DEMO_COMMENTS)
        reply = session.scalar(select(Comment).where(Comment.parent_id.is_not(None)))
        assert reply is not None and reply.author_name == "Aegean Voice"
    assert len(app.extensions["enqueued"]) == len(DEMO_COMMENTS)


def test_config_lists_every_variable(app: Flask) -> None:
    output = app.test_cli_runner().invoke(args=["config"]).output
    assert re.search(r"MODQ_DATABASE_URL = sqlite:///\S+ \(default \(unset\)\)", output)
    assert re.search(r"MODQ_VAR_DIR = \S+ \(default var\)", output)
    assert "MODQ_DETOXIFY_HF_CONFIG" in output


def test_config_shows_current_values_with_secrets_masked(tmp_path: Path) -> None:
    # Issue 10, finding 6: credentials are masked wherever they are shown.
    settings = make_settings(
        tmp_path,
        redis_url="redis://:hunter2@cache:6379/0",
        database_url="postgresql+psycopg://modq:s3cr3t@db/modq",
        demo_api_key="site-key-123",
    )
    output = create_app(settings).test_cli_runner().invoke(args=["config"]).output
    assert "MODQ_REDIS_URL = redis://:***@cache:6379/0 (default redis://127.0.0.1:6379/0)" in output
    assert "MODQ_DATABASE_URL = postgresql+psycopg://modq:***@db/modq" in output
    assert "MODQ_DEMO_API_KEY = *** (default (unset))" in output
    assert "MODQ_SECRET_KEY = ***" in output
    for secret in ("hunter2", "s3cr3t", "site-key-123", "test-secret"):
        assert secret not in output


def test_moderator_create_with_the_admin_role(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["moderator", "create", "erin", "--role", "admin", "--password", "long enough pw"]
    )
    assert result.exit_code == 0 and "created admin erin" in result.output, result.output
    plain = runner.invoke(args=["moderator", "create", "fay", "--password", "long enough pw"])
    assert "created moderator fay" in plain.output
    bad = runner.invoke(
        args=["moderator", "create", "gus", "--role", "boss", "--password", "x" * 12]
    )
    assert bad.exit_code != 0 and "boss" in bad.output
    with app.extensions["modq"].session_factory() as session:
        roles = dict(session.execute(select(Moderator.username, Moderator.role)).all())
    assert roles == {"erin": "admin", "fay": "moderator"}
