"""What moderators do about an author from a card: sanctions (imposed by any moderator,
lifted by admins on the admin screens)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from werkzeug.exceptions import BadRequest

from moderation import audit
from moderation.comments.validation import MAX_ID_CHARS, text_problem
from moderation.db import utcnow
from moderation.decisions import sanctions
from moderation.kinds import SanctionKind
from web.auth import login_required
from web.card import answer
from web.errors import wants_json
from web.runtime import db

bp = Blueprint("authors", __name__, url_prefix="/review/authors")


def author_from_form() -> str:
    """The author id a form names, checked.

    It travels in the form, not the path: sites' ids may hold `/`, `..`, `?` or `%`, which no
    path segment carries intact."""
    author_id = request.form.get("author_id", "")
    if problem := text_problem(author_id, MAX_ID_CHARS):
        raise BadRequest(f"author_id {problem}")
    return author_id


@bp.post("/sanctions")
@login_required
def sanction() -> Any:
    """Ban, suspend until a date, or pre-moderate an author, with a reason."""
    author_id = author_from_form()
    try:
        kind = SanctionKind(request.form.get("kind", ""))
    except ValueError:
        raise BadRequest(f"kind: one of {', '.join(k.value for k in SanctionKind)}") from None
    until = _moment(request.form.get("until", ""))
    actor = audit.moderator_actor(g.moderator.username)
    reason = request.form.get("reason", "")
    sanctions.impose(db(), author_id, kind, reason, actor, utcnow(), until, g.moderator.id)
    message = f"{author_id}: {kind.value}" + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else "")
    if wants_json():
        return answer(request.form.get("comment_id") or None, message + ".")
    flash(message + ".", "info")
    return redirect(url_for("review.queue"))


def _moment(raw: str) -> datetime | None:
    """A date and time from a form (read as UTC), or None."""
    raw = raw.strip()
    if not raw:
        return None
    for layout in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise BadRequest(f"until: a date (YYYY-MM-DD) or date and time, not {raw!r}")
