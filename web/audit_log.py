"""The audit-log screen: who did what, when, to which comment or author."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from moderation import audit
from web.auth import login_required
from web.presenters.queue import day_from
from web.runtime import db

bp = Blueprint("audit_log", __name__, url_prefix="/review/audit")
SHOWN = 200


@bp.get("/")
@login_required
def page() -> str:
    """The newest entries, filtered by who, what, when and subject."""
    args = request.args
    query = audit.AuditQuery(
        actor=args.get("actor", "").strip(),
        action=args.get("action", "").strip(),
        subject_type=args.get("subject_type", "").strip(),
        subject_id=args.get("subject_id", "").strip(),
        since=day_from(args, "since"),
        until=day_from(args, "until", days_after=1),
    )
    entries = audit.search(db(), query, SHOWN)
    return render_template("review/audit.html", entries=entries, query=query, shown=SHOWN)
