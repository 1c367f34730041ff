"""Bulk publish or reject: the moderator picks rows or takes everything the filters match,
sees how many and which, confirms, and each comment is decided on its own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from moderation.decisions import bulk, queues
from moderation.decisions.review import MODERATOR
from moderation.kinds import Action
from web.auth import login_required
from web.card import undo_window
from web.presenters.queue import query_string
from web.review import current_view
from web.runtime import db

bp = Blueprint("bulk", __name__, url_prefix="/review/bulk")
SHOWN = 20  # comments listed on the confirmation page


def _action() -> Action:
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        action = Action.REVIEW
    if action not in (Action.PUBLISH, Action.REJECT):
        raise BadRequest("action must be publish or reject")
    return action


@bp.post("/")
@login_required
def preview() -> Any:
    """What a bulk action would decide: count, a sample, and a form to confirm."""
    action, view = _action(), current_view()
    if request.form.get("scope") == "matching":
        ids = queues.ids(db(), view, bulk.MAX_ITEMS + 1)
    else:
        ids = list(dict.fromkeys(request.form.getlist("ids")))
    if not ids:
        flash("Select some comments first.", "error")
        return redirect(url_for("review.queue") + "?" + query_string(view))
    more = len(ids) > bulk.MAX_ITEMS
    ids = ids[: bulk.MAX_ITEMS]
    sample = queues.by_ids(db(), ids[:SHOWN])
    return render_template(
        "review/bulk_confirm.html",
        action=action,
        ids=ids,
        more=more,
        sample=sample,
        query=query_string(view),
        limit=bulk.MAX_ITEMS,
    )


@bp.post("/confirm")
@login_required
def confirm() -> Any:
    """Decide the confirmed comments; report those skipped because someone was first."""
    action = _action()
    ids = request.form.getlist("ids")
    reason = request.form.get("reason") or MODERATOR
    outcome = bulk.apply(db(), ids, g.moderator, action, reason, undo_window())
    verb = "Published" if action is Action.PUBLISH else "Rejected"
    flash(f"{verb} {len(outcome.decided)} comments.", "info")
    if outcome.skipped:
        flash(
            f"Skipped {len(outcome.skipped)}, decided or held by someone else meanwhile: "
            + "; ".join(sorted(set(outcome.skipped.values()))[:3]),
            "error",
        )
    return redirect(url_for("review.queue") + "?" + request.args.get("back", ""))
