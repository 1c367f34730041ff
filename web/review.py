"""The review UI: the queue of comments waiting for a moderator, and their decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from moderation.decisions.authors import standings
from moderation.decisions.pipeline import scorer_health
from moderation.decisions.review import (
    AlreadyDecided,
    decide_as_moderator,
    queue_size,
    review_queue,
)
from moderation.kinds import Action, ScorerName
from moderation.learning import drift
from moderation.models import Comment
from moderation.signals.base import ScorerHealth
from web.auth import login_required
from web.presenters.highlight import marked_spans, segments, signal_summary
from web.runtime import db

bp = Blueprint("review", __name__, url_prefix="/review")
MAX_NOTE_CHARS = 1000


@bp.get("/")
@login_required
def queue() -> str:
    """The oldest comments waiting for a decision, with their context and reasons."""
    comments = review_queue(db(), limit=50)
    standing = standings(db(), [c.author_id for c in comments])
    return render_template(
        "review/queue.html",
        cards=[card(c) | {"author": standing[c.author_id]} for c in comments],
        total=queue_size(db()),
        problems=scorer_problems(scorer_health(db())),
        drift=drift.recent_alerts(db()),
    )


def card(comment: Comment) -> dict[str, Any]:
    """What the review card shows of a comment."""
    policy = next((d for d in reversed(comment.decisions) if d.moderator_id is None), None)
    relevance = next(
        (s.details or {} for s in comment.signals if s.scorer == ScorerName.RELEVANCE), {}
    )
    return {
        "comment": comment,
        "reasons": policy.reasons if policy else [],
        "segments": segments(comment.body, marked_spans(comment.signals)),
        "passage": relevance.get("best_passage"),
        "discussion": relevance.get("discussion") or {},
        "signals": [
            {
                "scorer": s.scorer,
                "version": s.version,
                "state": s.state,
                "error": s.error,
                "scores": sorted(s.scores.items(), key=lambda kv: -kv[1]),
                "summary": signal_summary(s),
            }
            for s in comment.signals
        ],
    }


def scorer_problems(health: dict[str, ScorerHealth]) -> list[str]:
    """Sentences for the banner: which scorer cannot run and how to fix it."""
    if not health:
        return [
            "No worker has reported its scorers yet. Is a worker running "
            "(celery -A workers.app worker)?"
        ]
    return [f"{name}: {h.state}. {h.detail}" for name, h in health.items() if h.state != "ok"]


@bp.post("/comments/<comment_id>/decision")
@login_required
def decide(comment_id: str) -> Response:
    """Publish or reject one comment, recording who decided and when."""
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        raise BadRequest("action must be publish or reject") from None
    note = request.form.get("note", "").strip()[:MAX_NOTE_CHARS]
    try:
        decide_as_moderator(db(), comment_id, g.moderator, action, note)
    except AlreadyDecided as exc:
        flash(f"Not changed: {exc}.", "error")
    except LookupError:
        raise NotFound("no comment with this id") from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    else:
        verb = "Published" if action is Action.PUBLISH else "Rejected"
        flash(f"{verb} the comment by {_author(comment_id)}.", "info")
    return redirect(url_for("review.queue"))


def _author(comment_id: str) -> str:
    comment = db().get(Comment, comment_id)
    return comment.author_name if comment else "?"
