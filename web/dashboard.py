"""The dashboard: how the moderation goes, drawn."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.auth import login_required

bp = Blueprint("dashboard", __name__, url_prefix="/review/dashboard")


@bp.get("/")
@login_required
def page() -> str:
    """Charts of outcomes, automation, reasons, the queue and moderators."""
    return render_template("review/dashboard.html")
