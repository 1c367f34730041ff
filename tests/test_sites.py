"""Sites and API keys: names, origins, keys hashed at rest, revocation, the development key,
and the migration that gives existing articles and comments a site."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import sites
from moderation.audit import history
from moderation.config import Settings
from moderation.db import upgrade


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://News.Example.org", "https://news.example.org"),
        ("https://news.example.org/", "https://news.example.org"),
        ("https://news.example.org:443", "https://news.example.org"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_stored_as_browsers_send_them(given: str, origin: str) -> None:
    assert sites.normalise_origin(given) == origin


@pytest.mark.parametrize(
    "bad",
    [
        "news.example.org",
        "ftp://news.example.org",
        "https://news.example.org/comments",
        "https://news.example.org?x=1",
        "https://user@news.example.org",
        "https://news.example.org:99999",
        "*",
    ],
)
def test_anything_but_an_origin_is_refused(bad: str) -> None:
    with pytest.raises(sites.SiteError, match="is not an origin"):
        sites.normalise_origin(bad)


def test_a_site_gets_a_first_key_and_more_keys_each_shown_once(session: Session) -> None:
    site, first = sites.create_site(session, "gazette", ["https://gazette.example"])
    key, second = sites.add_key(session, site, "backup")
    assert first != second and all(t.startswith(sites.KEY_PREFIX) for t in (first, second))
    assert sites.authenticate(session, first).site_id == site.id
    assert sites.authenticate(session, second).id == key.id
    stored = session.execute(sa.text("SELECT key_hash, hint, label FROM api_keys")).all()
    assert all(first not in str(row) and second not in str(row) for row in stored)
    actions = [e.action for e in history(session, "site", "gazette")]
    assert actions == ["site.created"]


@pytest.mark.parametrize("name", ["", "Gazette", "has space", "x" * 101, "-dash"])
def test_site_names_are_simple(session: Session, name: str) -> None:
    with pytest.raises(sites.SiteError, match="not a site name"):
        sites.create_site(session, name)


def test_a_duplicate_site_is_refused(session: Session) -> None:
    sites.create_site(session, "gazette")
    with pytest.raises(sites.SiteError, match="already exists"):
        sites.create_site(session, "gazette")


def test_a_revoked_key_is_refused_and_revocation_is_audited(session: Session) -> None:
    site, token = sites.create_site(session, "gazette")
    sites.revoke_key(session, site.keys[0].id, actor="cli")
    with pytest.raises(sites.KeyRefused, match="revoked") as refused:
        sites.authenticate(session, token)
    assert refused.value.presented
    assert [e.action for e in history(session, "api_key", site.keys[0].id)] == [
        "api_key.created",
        "api_key.revoked",
    ]
    with pytest.raises(sites.SiteError, match="no API key"):
        sites.revoke_key(session, 999)


def test_the_development_key_file_is_private_and_kept_while_it_works(
    session: Session, settings: Settings
) -> None:
    token = sites.ensure_dev_key(session, settings.var_dir)
    path = settings.var_dir / sites.DEV_KEY_FILE
    assert token and path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sites.authenticate(session, token).site.name == sites.DEV_SITE
    assert sites.ensure_dev_key(session, settings.var_dir) is None, "a working key is kept"
    sites.revoke_key(session, sites.authenticate(session, token).id)
    replaced = sites.ensure_dev_key(session, settings.var_dir)
    assert replaced and replaced != token and sites.read_dev_key(settings.var_dir) == replaced
    assert len(sites.all_sites(session)) == 1, "the same dev site, with a new key"


def test_the_migration_gives_existing_articles_and_comments_a_site(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO articles (id, external_id, url, title, body, created_at, updated_at) "
                "VALUES (1, 'a1', 'https://e.org/a', 'T', 'B', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO comments (id, article_id, author_id, author_name, body, status, "
                "created_at, queued_at) VALUES ('c1', 1, 'u1', 'U', 'Hi.', 'pending', "
                "'2026-01-01', '2026-01-01')"
            )
        )
    upgrade(url)
    with engine.connect() as connection:
        [site] = connection.execute(sa.text("SELECT id, name FROM sites")).all()
        owners = connection.execute(
            sa.text("SELECT site_id FROM articles UNION ALL SELECT site_id FROM comments")
        ).scalars()
        assert site.name == "default" and set(owners) == {site.id}
    engine.dispose()
