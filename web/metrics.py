"""/metrics in Prometheus' text format: queue sizes, statuses, scorer states and drift."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import func, select

from moderation.decisions.health import scorer_health
from moderation.kinds import ScorerState
from moderation.learning import drift
from moderation.models import Comment, SpotCheck
from web.runtime import db

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """Aggregate numbers only: nothing about any comment or person."""
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
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
