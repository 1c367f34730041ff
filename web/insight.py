"""Moderators' other pages: spot-checks of automatic decisions, calibration and drift, and
what is done to an author: pre-moderating them, rejecting all they have waiting."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, Forbidden
from werkzeug.wrappers import Response

from moderation import audit, sites
from moderation.decisions import authors, review, spotchecks
from moderation.decisions.models import NOTE_MAX_CHARS
from moderation.kinds import SpotCheckVerdict
from moderation.learning import calibration, drift, topic_lines
from web.auth import login_required
from web.authors import author_from_form
from web.presenters.cards import card
from web.presenters.lines import SiteLines, site_lines
from web.runtime import db, runtime

CALIBRATION_DAYS = 30  # the Stats page weighs the last month of decisions
ALERTS_SHOWN_HOURS = 7 * 24  # and shows the last week of drift alerts

bp = Blueprint("insight", __name__, url_prefix="/review")


@bp.get("/spot-checks")
@login_required
def spot_checks() -> str:
    """Automatic decisions drawn for a check, oldest first."""
    open_checks = spotchecks.open_spot_checks(db())
    return render_template(
        "review/spot_checks.html",
        checks=[(s, card(s.comment)) for s in open_checks],
        verdicts=SpotCheckVerdict,
    )


@bp.post("/spot-checks/<comment_id>")
@login_required
def check(comment_id: str) -> Response:
    """Confirm or overturn an automatic decision."""
    try:
        verdict = SpotCheckVerdict(request.form.get("verdict", ""))
    except ValueError:
        raise BadRequest("verdict must be confirmed or overturned") from None
    try:
        spotchecks.check(db(), comment_id, g.moderator, verdict)
    except spotchecks.AlreadyChecked as exc:
        flash(f"Not changed: {exc}.", "error")
    else:
        flash(f"Spot-check {verdict}.", "info")
    return redirect(url_for("insight.spot_checks"))


@bp.post("/authors/premoderation")
@login_required
def premoderate() -> Response:
    """Pre-moderate an author (on=1) or, for admins, stop (on=0): lifting is theirs."""
    author_id = author_from_form()
    on = request.form.get("on") == "1"
    if not on and not g.moderator.is_admin:
        raise Forbidden("only an admin may stop pre-moderating an author")
    authors.set_premoderated(db(), author_id, on, audit.moderator_actor(g.moderator.username))
    flash(f"{'Pre-moderating' if on else 'No longer pre-moderating'} {author_id}.", "info")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("review.queue"))


@bp.post("/authors/reject-all")
@login_required
def reject_all() -> str | Response:
    """Reject everything an author has pending or in review on a site: first a confirmation
    page saying how much that is, then (confirm=yes) the decisions."""
    author_id = author_from_form()
    site_id = _form_int("site_id")
    waiting = review.waiting_from(db(), author_id, site_id)
    if request.form.get("confirm") != "yes":
        return render_template(
            "review/reject_all.html", author_id=author_id, site_id=site_id, waiting=waiting
        )
    note = request.form.get("note", "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise BadRequest(f"note: at most {NOTE_MAX_CHARS} characters")
    rejected = review.reject_all_from(db(), author_id, g.moderator, note, site_id)
    flash(f"Rejected {len(rejected)} comments by {author_id}.", "info")
    return redirect(url_for("review.queue"))


def _form_int(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise BadRequest(f"{name} must be a whole number")
    return int(raw)


def _same_site(target: str | None) -> bool:
    return bool(target) and target.startswith(request.host_url)  # type: ignore[union-attr]


@bp.get("/stats")
@login_required
def stats() -> str:
    """Calibration of each label's bands, each site's on-topic lines with their history, and
    drift alerts."""
    policy = runtime().policy(db())
    report = calibration.report(calibration.cases(db(), CALIBRATION_DAYS), policy)
    return render_template(
        "review/stats.html",
        report=report,
        policy=policy,
        sites=_lines_of_every_site(),
        alerts=drift.recent_alerts(db(), hours=ALERTS_SHOWN_HOURS),
    )


def _lines_of_every_site() -> list[SiteLines]:
    return [
        site_lines(s.name, topic_lines.latest(db(), s.id), topic_lines.history(db(), s.id))
        for s in sites.all_sites(db())
    ]
