"""Beat's hourly task learns each site's on-topic lines: run for real, by a worker, on
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from moderation.db import make_engine, make_session_factory
from moderation.learning.models import TopicLine
from tests.conftest import make_settings
from tests.end_to_end.conftest import E2E_REDIS
from tests.learning.test_topic_lines import VERSION, scored
from tests.support import factories
from tests.support.processes import celery_process, settings_env, wait_for
from workers.celery_app import TOPIC_LINES_TASK, create_celery


def test_a_worker_learns_the_lines_beat_asks_for(e2e_database: str, tmp_path: Path) -> None:
    policy = tmp_path / "site.yaml"
    policy.write_text("on_topic: {learn_after: 20, max_flag_share: 0.1}\n")
    settings = make_settings(
        tmp_path, database_url=e2e_database, redis_url=E2E_REDIS, policy_file=policy
    )
    redis.Redis.from_url(E2E_REDIS).flushdb()
    engine = make_engine(e2e_database)
    sessions = make_session_factory(engine)
    with sessions() as session:
        factories.article(session)
        factories.article(session, "thin-1", site_name="thin")
        for n in range(30):
            scored(session, 0.5 + n / 100)
            scored(session, -0.8 + n / 100, article="thin-1", site="thin")
        sites = {name: factories.site(session, name).id for name in ("test", "thin")}
    count = select(func.count()).select_from(TopicLine)
    with celery_process("worker", settings_env(settings), tmp_path / "worker.log"):
        create_celery(settings).send_task(TOPIC_LINES_TASK)
        with sessions() as session:
            wait_for(lambda: session.scalar(count) or session.rollback(), timeout=120)
            rows = {(r.site_id, r.section): r for r in session.scalars(select(TopicLine))}
    engine.dispose()
    test, thin = rows[(sites["test"], "")], rows[(sites["thin"], "")]
    assert test.line == pytest.approx(0.53) and test.scorer_version == VERSION
    assert thin.line == pytest.approx(-0.77), "learned from its own comments only"
    assert rows[(sites["test"], "World")].comments == 30
