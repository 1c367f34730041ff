"""Fixtures of the end-to-end tests: a PostgreSQL database per module, emptied for each test,
the end-to-end Redis database, and the apps a test makes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import make_engine
from tests.conftest import make_settings
from tests.support.detoxify_checkpoint import TinyDetoxify
from tests.support.schema import fresh_postgres_database

E2E_REDIS = os.environ.get("MODQ_TEST_E2E_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(scope="module")
def e2e_database() -> Iterator[str]:
    with fresh_postgres_database(f"modq_e2e_{os.getpid()}") as url:
        yield url


@pytest.fixture
def e2e_settings(tmp_path: Path, e2e_database: str, tiny_detoxify: TinyDetoxify) -> Settings:
    engine = make_engine(e2e_database)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "TRUNCATE signals, decisions, comments, articles, audit_log, scorer_status, "
                "moderators, authors, api_keys, sites CASCADE"
            )
        )
    engine.dispose()
    redis.Redis.from_url(E2E_REDIS).flushdb()
    return make_settings(
        tmp_path,
        database_url=e2e_database,
        redis_url=E2E_REDIS,
        detoxify_checkpoint=tiny_detoxify.hub_layout,
        detoxify_hf_config=tiny_detoxify.hf_config,
        requeue_after_seconds=5,
        requeue_interval_seconds=1,
        scorer_retry_seconds=0,
    )


@pytest.fixture
def apps() -> Iterator[list[Flask]]:
    """Apps made by the test; their connection pools are closed at the end."""
    made: list[Flask] = []
    yield made
    for app in made:
        app.extensions["modq"].engine.dispose()
