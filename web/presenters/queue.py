"""The queue as the workspace shows it: the view a request asks for, and one line per row
saying why it is where it is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import BadRequest

from moderation.decisions.queues import Filters, View
from moderation.kinds import Queue, QueueOrder
from moderation.models import Comment

TEXT_FIELDS = ("article", "section", "reason", "label", "author", "language", "text")
MAX_FILTER_CHARS = 200
QUEUE_NAMES = {
    Queue.REVIEW: "Review",
    Queue.SPOT_CHECKS: "Spot-checks",
    Queue.REPORTED: "Reported",
    Queue.PENDING: "Pending",
    Queue.PUBLISHED: "Published",
    Queue.REJECTED: "Rejected",
    Queue.ALL: "All",
}


def view_from(args: Mapping[str, str], rise_after: timedelta, now: datetime) -> View:
    """The queue, filters and order a request's arguments name; BadRequest names a bad one."""
    return View(
        queue=_choice(args, "queue", Queue, Queue.REVIEW),
        filters=filters_from(args),
        order=_choice(args, "order", QueueOrder, QueueOrder.PRIORITY),
        rise_after=rise_after,
        now=now,
    )


def filters_from(args: Mapping[str, str]) -> Filters:
    """The filters of a request's arguments."""
    texts = {name: args.get(name, "").strip() for name in TEXT_FIELDS}
    for name, value in texts.items():
        if len(value) > MAX_FILTER_CHARS:
            raise BadRequest(f"{name}: at most {MAX_FILTER_CHARS} characters")
    return Filters(
        **texts,
        above=_score(args.get("above", "")),
        since=day_from(args, "since"),
        until=day_from(args, "until", days_after=1),
    )


def _choice(args: Mapping[str, str], name: str, kind: Any, default: Any) -> Any:
    raw = args.get(name) or default.value
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise BadRequest(f"{name}: one of {allowed}, not {raw!r}") from None


def _score(raw: str) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise BadRequest(f"above: a score between 0 and 1, not {raw!r}")
    return value


def day_from(args: Mapping[str, str], name: str, days_after: int = 0) -> datetime | None:
    """A day (YYYY-MM-DD, UTC) from the arguments, plus `days_after`; None when empty."""
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"{name}: a day as YYYY-MM-DD, not {raw!r}") from None
    return day + timedelta(days=days_after)


def query_string(view: View, **changes: str) -> str:
    """The arguments that show this view again (with `changes`), for links and the poller."""
    f = view.filters
    args = {name: getattr(f, name) for name in TEXT_FIELDS}
    args |= {
        "above": "" if f.above is None else f"{f.above:g}",
        "since": f"{f.since:%Y-%m-%d}" if f.since else "",
        "until": f"{f.until - timedelta(days=1):%Y-%m-%d}" if f.until else "",
        "queue": view.queue.value,
        "order": view.order.value,
        **changes,
    }
    return urlencode({k: v for k, v in args.items() if v})


def waited(since: datetime, now: datetime) -> str:
    """How long, in words a moderator reads at a glance."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"


def why_here(comment: Comment, view: View) -> str:
    """One line: why this comment is where it is in the queue."""
    age = waited(comment.created_at, view.now)
    if view.queue is not Queue.REVIEW or view.order is QueueOrder.OLDEST:
        return f"Waiting {age}; oldest first."
    if comment.created_at < view.cutoff:
        limit = int(view.rise_after.total_seconds() // 60)
        return f"Waiting {age}, past the {limit}-minute limit: first in line."
    return f"{comment.priority_why or 'no priority recorded'} · waiting {age}"
