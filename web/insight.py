"""Moderators' other pages: spot-checks of automatic decisions, calibration and drift, and
pre-moderating an author."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from moderation import audit
from moderation.decisions import authors, spotchecks
from moderation.learning import calibration, drift, topic_lines
from web.auth import login_required
from web.presenters.chart import line_chart
from web.review import card
from web.runtime import db, runtime

bp = Blueprint("insight", __name__, url_prefix="/review")


@bp.get("/spot-checks")
@login_required
def spot_checks() -> str:
    """Automatic decisions drawn for a check, oldest first."""
    open_checks = spotchecks.open_spot_checks(db())
    return render_template(
        "review/spot_checks.html", checks=[(s, card(s.comment)) for s in open_checks]
    )


@bp.post("/spot-checks/<comment_id>")
@login_required
def check(comment_id: str) -> Response:
    """Confirm or overturn an automatic decision."""
    verdict = request.form.get("verdict", "")
    try:
        spotchecks.check(db(), comment_id, g.moderator, verdict)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except spotchecks.AlreadyChecked as exc:
        flash(f"Not changed: {exc}.", "error")
    else:
        flash(f"Spot-check {verdict}.", "info")
    return redirect(url_for("insight.spot_checks"))


@bp.post("/authors/<author_id>/premoderation")
@login_required
def premoderate(author_id: str) -> Response:
    """Pre-moderate an author (on=1) or stop (on=0)."""
    on = request.form.get("on") == "1"
    authors.set_premoderated(db(), author_id, on, audit.moderator_actor(g.moderator.username))
    flash(f"{'Pre-moderating' if on else 'No longer pre-moderating'} {author_id}.", "info")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("review.queue"))


def _same_site(target: str | None) -> bool:
    return bool(target) and target.startswith(request.host_url)  # type: ignore[union-attr]


@bp.get("/stats")
@login_required
def stats() -> str:
    """Calibration of each label's bands, the on-topic lines with their history, and drift
    alerts."""
    policy = runtime().policy(db())
    report = calibration.report(calibration.cases(db(), 30), policy)
    history, lines = topic_lines.history(db()), topic_lines.latest(db())
    return render_template(
        "review/stats.html",
        report=report,
        policy=policy,
        lines=lines,
        site=next((row for row in lines if not row.section), None),
        charts={section: line_chart(points) for section, points in history.items()},
        alerts=drift.recent_alerts(db(), hours=24 * 7),
    )
