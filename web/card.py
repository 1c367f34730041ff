"""The card in focus: claim the next comment, open one, keep it, skip it, decide it and get
the next in the same answer, undo, override, note. The page's script asks for JSON; a plain
form post (no script) is answered with a redirect to the queue, as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import BadRequest

from moderation.db import utcnow
from moderation.decisions import claims, context, notes, undo
from moderation.decisions.review import MODERATOR, decide_as_moderator, override
from moderation.errors import Conflict, NotFound
from moderation.kinds import Action, CommentStatus, NoteSubject, Queue
from moderation.models import Comment
from web.auth import login_required
from web.errors import wants_json
from web.presenters.cards import full_card
from web.review import current_view
from web.runtime import db, runtime

bp = Blueprint("card", __name__, url_prefix="/review")
MAX_SKIPPED = 500  # comments one sitting may pass over


def hold() -> timedelta:
    """How long an untouched claim lasts."""
    return timedelta(minutes=runtime().settings.claim_minutes)


def undo_window() -> timedelta:
    """How long a decision can be undone."""
    return timedelta(seconds=runtime().settings.undo_seconds)


def answer(
    comment_id: str | None, message: str = "", level: str = "info", status: int = 200
) -> Any:
    """The card (or the empty state) as JSON for the page's script, with a message."""
    now = utcnow()
    found = context.load(db(), comment_id, now) if comment_id else None
    last = undo.last_undoable(db(), g.moderator, undo_window(), now)
    html = render_template(
        "review/_card.html",
        item=full_card(found, runtime().policy(db())) if found else None,
        view=current_view(),
        holds=found is not None and claims.held_by(db(), g.moderator.id, now) == comment_id,
        undo_until=(last.created_at + undo_window()) if last else None,
    )
    body = {"card": html, "comment_id": comment_id if found else None, "message": message}
    return jsonify(body | {"level": level}), status


def existing(comment_id: str) -> Comment:
    """The comment, or NotFound."""
    comment = db().get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
    return comment


def _skipped() -> list[str]:
    raw = [s for s in request.form.get("skip", "").split(",") if s]
    return raw[-MAX_SKIPPED:]


def _next_id(resume: bool = True) -> str | None:
    """The card this moderator holds, else the next free one of the review view."""
    view = current_view()
    if view.queue is not Queue.REVIEW:
        return None
    return claims.take_next(db(), view, g.moderator, hold(), _skipped(), resume)


@bp.post("/next")
@login_required
def next_card() -> Any:
    """Claim the next comment of the current view and show it."""
    return answer(_next_id())


@bp.post("/comments/<comment_id>/open")
@login_required
def open_card(comment_id: str) -> Any:
    """Show one comment; one in review is claimed (409 if another moderator holds it)."""
    comment = existing(comment_id)
    if comment.status == CommentStatus.REVIEW:
        claims.take(db(), comment_id, g.moderator, utcnow(), hold())
    return answer(comment_id)


@bp.post("/comments/<comment_id>/renew")
@login_required
def renew(comment_id: str) -> Response:
    """Keep holding the card while its moderator reads it."""
    claims.renew(db(), comment_id, g.moderator, utcnow(), hold())
    return Response(status=204)


@bp.post("/comments/<comment_id>/skip")
@login_required
def skip(comment_id: str) -> Any:
    """Let go of a card and take the next."""
    claims.release(db(), comment_id, g.moderator.id)
    db().commit()
    return answer(_next_id(), "Skipped.")


@bp.post("/comments/<comment_id>/decision")
@login_required
def decide(comment_id: str) -> Any:
    """Publish or reject one comment, recording who decided and when; the script gets the
    next card in the same answer."""
    action, reason, note = _decision_form()
    try:
        decide_as_moderator(
            db(), comment_id, g.moderator, action, note, reason, public_delay=undo_window()
        )
    except Conflict as exc:
        return _refused(f"Not changed: {exc}.")
    comment = db().get(Comment, comment_id)
    verb = "Published" if action is Action.PUBLISH else "Rejected"
    message = f"{verb} the comment by {comment.author_name if comment else '?'}."
    if not wants_json():
        flash(message, "info")
        return redirect(url_for("review.queue"))
    return answer(_next_id(resume=False), message + " Press u to undo.")


def _decision_form() -> tuple[Action, str, str]:
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        raise BadRequest("action must be publish or reject") from None
    return action, request.form.get("reason", "") or MODERATOR, request.form.get("note", "").strip()


def _refused(message: str) -> Any:
    if not wants_json():
        flash(message, "error")
        return redirect(url_for("review.queue"))
    return answer(_next_id(), message, "error", 409)


@bp.post("/undo")
@login_required
def undo_last() -> Any:
    """Undo the moderator's latest decision inside the window; the comment comes back."""
    now = utcnow()
    last = undo.last_undoable(db(), g.moderator, undo_window(), now)
    if last is None:
        return answer(_next_id(), "Nothing to undo: the window has closed.", "error", 409)
    comment = undo.undo(db(), last.id, g.moderator, undo_window(), now, hold())
    return answer(comment.id, f"Undone: the comment by {comment.author_name} is back in review.")


@bp.post("/comments/<comment_id>/override")
@login_required
def override_decision(comment_id: str) -> Any:
    """Reverse a published or rejected comment; the audit log calls it an override."""
    action, reason, note = _decision_form()
    override(db(), comment_id, g.moderator, action, note, reason)
    return answer(comment_id, f"Overridden: now {action.value}ed.")


@bp.post("/comments/<comment_id>/notes")
@login_required
def note(comment_id: str) -> Any:
    """Keep a note on the comment, or on its author."""
    comment = existing(comment_id)
    about = (
        NoteSubject.AUTHOR
        if request.form.get("about") == NoteSubject.AUTHOR
        else NoteSubject.COMMENT
    )
    subject = comment.author_id if about is NoteSubject.AUTHOR else comment_id
    notes.add(db(), about, subject, request.form.get("body", ""), g.moderator)
    return answer(comment_id, f"Note kept on the {about.value}.")
