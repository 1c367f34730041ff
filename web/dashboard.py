"""The dashboard: how moderation goes over a date range, drawn (SVG made on the server), and
the same figures as CSV for sites that pay moderation firms by volume."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest

from moderation.db import utcnow
from moderation.learning import dashboard
from web.auth import login_required
from web.presenters import charts
from web.presenters.queue import day_from
from web.runtime import db

bp = Blueprint("dashboard", __name__, url_prefix="/review/dashboard")
DEFAULT_DAYS, MAX_DAYS = 14, 366


def date_range() -> tuple[datetime, datetime]:
    """[since, until) from the request (whole days, UTC); the last two weeks by default."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    until = day_from(request.args, "until", days_after=1) or today + timedelta(days=1)
    since = day_from(request.args, "since") or until - timedelta(days=DEFAULT_DAYS)
    if not since < until or until - since > timedelta(days=MAX_DAYS):
        raise BadRequest(f"since: a day before until, at most {MAX_DAYS} days earlier")
    return since, until


@bp.get("/")
@login_required
def page() -> str:
    """Charts of outcomes, automation, reasons, the queue, time to decision, moderators."""
    since, until = date_range()
    days = dashboard.days(db(), since, until)
    labels = [f"{d.day:%m-%d}" for d in days]
    queue = dashboard.queue_over_time(db(), since, min(until, utcnow()))
    moments = [f"{m:%m-%d %H:%M}" for m, _, _ in queue]
    people = dashboard.moderators(db(), since, until)
    reasons = dashboard.reasons(db(), since, until).most_common(12)
    return render_template(
        "review/dashboard.html",
        since=since,
        until=until - timedelta(days=1),
        days=days,
        people=people,
        outcomes=charts.stacked_bars(
            labels,
            {s: [d.outcomes[s] for d in days] for s in dashboard.statuses()},
            "Comments per day by outcome",
        ),
        automation=charts.lines(
            labels,
            {"automatic": [_percent(d.automation_rate) for d in days]},
            "Share decided automatically (%)",
        ),
        reasons=charts.horizontal_bars(reasons, "Reasons in the policy's decisions"),
        waiting=charts.lines(moments, {"waiting": [n for _, n, _ in queue]}, "Comments waiting"),
        oldest=charts.lines(
            moments, {"oldest": [round(m) for _, _, m in queue]}, "Oldest waiting (minutes)"
        ),
        wait=charts.lines(
            labels, {"median": [d.median_wait for d in days]}, "Minutes to a moderator's decision"
        ),
        speed=charts.horizontal_bars(
            [(p.username, round(p.per_hour, 1)) for p in people], "Decisions per hour", "/h"
        ),
    )


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


@bp.get("/export.csv")
@login_required
def export() -> Response:
    """The figures per day (table=days) or per moderator (table=moderators) as CSV."""
    since, until = date_range()
    table = request.args.get("table", "days")
    if table not in ("days", "moderators"):
        raise BadRequest("table: days or moderators")
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "days":
        writer.writerow(["day", *dashboard.statuses(), "automatic", "to_review", "median_minutes"])
        for d in dashboard.days(db(), since, until):
            wait = "" if d.median_wait is None else f"{d.median_wait:.1f}"
            counts = [d.outcomes[s] for s in dashboard.statuses()]
            writer.writerow([d.day.isoformat(), *counts, d.automatic, d.reviewed, wait])
    else:
        writer.writerow(
            ["moderator", "decisions", "per_hour", "undone", "overrides", "spot_checks"]
        )
        for p in dashboard.moderators(db(), since, until):
            checks = sum(p.checks.values())
            writer.writerow(
                [p.username, p.decisions, f"{p.per_hour:.1f}", p.undone, p.overridden, checks]
            )
    name = f"modq-{table}-{since:%Y-%m-%d}-{until - timedelta(days=1):%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
