"""/metrics in Prometheus' text format: statuses, scorer states and drift from the database;
the broker's queue; the intake's publish breaker. Each part is exported when it can be read,
so an outage of one does not hide the others (`modq_database_up 0`, `modq_broker_up 0`)."""

from __future__ import annotations

import redis
from flask import Blueprint, Response
from sqlalchemy import func, select

from moderation.decisions.health import scorer_health
from moderation.kinds import ScorerState
from moderation.learning import drift
from moderation.learning.models import SpotCheck
from moderation.models import Comment
from moderation.redis_client import fail_fast
from web.errors import database_unavailable
from web.runtime import db, runtime

bp = Blueprint("metrics", __name__)
QUEUE = "celery"  # Celery's default queue, a Redis list; taken messages wait in a hash


@bp.get("/metrics")
def metrics() -> Response:
    """Aggregate numbers only: nothing about any comment or person."""
    lines = database_metrics() + broker_metrics() + publish_metrics()
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


def database_metrics() -> list[str]:
    """Comments by status, open spot-checks, scorers up, drift; or only that the database is
    down."""
    try:
        lines = _from_database()
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        db().rollback()
        return ["# TYPE modq_database_up gauge", "modq_database_up 0"]
    return ["# TYPE modq_database_up gauge", "modq_database_up 1", *lines]


def _from_database() -> list[str]:
    lines = ["# TYPE modq_comments gauge"]
    for status, count in db().execute(
        select(Comment.status, func.count()).group_by(Comment.status)
    ):
        lines.append(f'modq_comments{{status="{status}"}} {count}')
    open_checks = db().scalar(
        select(func.count()).select_from(SpotCheck).where(SpotCheck.verdict.is_(None))
    )
    lines += [
        "# TYPE modq_spot_checks_open gauge",
        f"modq_spot_checks_open {open_checks or 0}",
        "# TYPE modq_scorer_up gauge",
    ]
    for name, health in scorer_health(db()).items():
        lines.append(f'modq_scorer_up{{scorer="{name}"}} {int(health.state == ScorerState.OK)}')
    lines.append("# TYPE modq_score_drift_psi gauge")
    latest: dict[str, float] = {}
    for alert in drift.recent_alerts(db()):
        latest.setdefault(alert.label, alert.psi)
    lines += [f'modq_score_drift_psi{{label="{label}"}} {psi}' for label, psi in latest.items()]
    return lines


def broker_metrics() -> list[str]:
    """Whether Redis answers, and the scoring messages waiting and taken but unacknowledged."""
    client = fail_fast(runtime().settings.redis_url)
    try:
        ready, unacked = client.llen(QUEUE), client.hlen("unacked")
    except redis.RedisError:
        return ["# TYPE modq_broker_up gauge", "modq_broker_up 0"]
    finally:
        client.close()
    return [
        "# TYPE modq_broker_up gauge",
        "modq_broker_up 1",
        "# TYPE modq_queue_messages gauge",
        f'modq_queue_messages{{state="ready"}} {ready}',
        f'modq_queue_messages{{state="unacked"}} {unacked}',
    ]


def publish_metrics() -> list[str]:
    """Whether this web process currently skips publishing (its breaker is open)."""
    breaker = getattr(runtime().enqueue, "breaker", None)
    if breaker is None:
        return []
    return [
        "# TYPE modq_publish_breaker_open gauge",
        f"modq_publish_breaker_open {int(breaker.is_open)}",
    ]
