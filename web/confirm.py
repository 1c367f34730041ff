"""A moderator's form that fails its CSRF check (the token expired, or the session was renewed in
another tab) is shown again with what they chose, to confirm with a fresh token: a decision is
never lost on a bare error page, and never carried out without a valid token."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError

from moderation.models import Comment
from web.access import ADMIN_ENDPOINTS, MODERATOR_ENDPOINTS
from web.errors import http_error, wants_json
from web.runtime import db

# What the kept fields mean to the moderator; fields not listed are kept but not shown.
LABELS = {"action": "Decision", "verdict": "Verdict", "note": "Note", "author_id": "Author"}
# Never echoed back into a page.
NOT_KEPT = ("csrf_token", "password")


def register(app: Flask) -> None:
    """Install the handler (more specific than the generic HTTP error handler)."""
    app.register_error_handler(CSRFError, ask_again)


def ask_again(error: CSRFError) -> object:
    """Re-show a logged-in moderator's form with their choice kept; other callers get the
    plain 400."""
    if (
        wants_json()
        or g.get("moderator") is None
        or request.endpoint not in MODERATOR_ENDPOINTS | ADMIN_ENDPOINTS
        or request.blueprint == "auth"  # password forms: nothing to keep that may be shown
    ):
        return http_error(error)
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not any(word in name for word in NOT_KEPT)
    ]
    comment_id = (request.view_args or {}).get("comment_id")
    return render_template(
        "review/confirm.html",
        kept=kept,
        shown=[(LABELS[name], value) for name, value in kept if name in LABELS],
        comment=db().get(Comment, comment_id) if comment_id else None,
        reason=error.description,
    ), 400
