"""The moderators' workspace: the queues with their counts, filters and search, the list of
what waits, and the live numbers the page polls. The focused card is web/card.py."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request
from werkzeug.exceptions import BadRequest

from moderation.db import utcnow
from moderation.decisions import claims, duty, queues, waves
from moderation.decisions.health import scorer_health
from moderation.decisions.queues import View
from moderation.kinds import Queue, QueueOrder
from moderation.learning import drift
from moderation.policy.reasons import PUBLIC
from web.auth import login_required
from web.presenters.cards import scorer_problems, strict_banner
from web.presenters.queue import QUEUE_NAMES, query_string, view_from, why_here
from web.runtime import db, runtime

bp = Blueprint("review", __name__, url_prefix="/review")
MAX_PAGE = 10_000
DECIDED_COUNTS_SECONDS = 60.0
_DECIDED: dict[str, tuple[float, dict[Queue, int]]] = {}  # per database: when, counts


def current_view() -> View:
    """The view this request's arguments name."""
    rise_after = timedelta(minutes=runtime().settings.review_rise_after_minutes)
    return view_from(request.args, rise_after, utcnow())


def queue_counts() -> dict[Queue, int]:
    """Every queue's count: exact for the work queues, at most a minute old for published,
    rejected and all (counting those reads every comment ever posted)."""
    key = runtime().settings.database_url
    at, decided = _DECIDED.get(key, (-DECIDED_COUNTS_SECONDS, {}))
    if time.monotonic() - at >= DECIDED_COUNTS_SECONDS:
        decided = queues.decided_counts(db())
        _DECIDED[key] = (time.monotonic(), decided)
    return queues.counts(db(), decided)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"page: a whole number from 1 to {MAX_PAGE}")
    return int(raw)


@bp.get("/")
@login_required
def queue() -> str:
    """A queue (the review queue by default), filtered, with the card in focus beside it."""
    view, number, counts = current_view(), _page_number(), queue_counts()
    return render_template(
        "review/workspace.html",
        view=view,
        rows=rows(view, (number - 1) * queues.PAGE_SIZE),
        page=number,
        matching=queues.size(db(), view),
        counts=counts,
        total=counts[Queue.REVIEW],
        names=QUEUE_NAMES,
        orders=QueueOrder,
        queues=Queue,
        reason_codes=sorted(PUBLIC),
        query=query_string(view),
        problems=scorer_problems(scorer_health(db())),
        drift=drift.recent_alerts(db()),
        banners=strict_banner(duty.current(db())),
    )


def rows(view: View, offset: int = 0) -> list[dict[str, Any]]:
    """The list's rows: each comment, why it is here, and who else holds it."""
    found = queues.page(db(), view, offset)
    ids = [c.id for c in found]
    taken = claims.taken_by_others(db(), ids, g.moderator.id, view.now)
    sizes = waves.sizes(db(), [c.id for c in found if c.wave_id == c.id])
    return [
        {
            "comment": c,
            "why": why_here(c, view),
            "taken_by": taken.get(c.id),
            "wave": sizes.get(c.id),
        }
        for c in found
    ]


@bp.get("/live")
@login_required
def live() -> Response:
    """What the page polls every few seconds: counts, and the list as it is now."""
    view = current_view()
    counts = queue_counts()
    listed = rows(view)
    return jsonify(
        {
            "counts": {queue.value: n for queue, n in counts.items()},
            "matching": queues.size(db(), view),
            "ids": [r["comment"].id for r in listed],
            "free": [r["comment"].id for r in listed if not r["taken_by"]],
            "rows": render_template("review/_rows.html", rows=listed, view=view),
        }
    )
