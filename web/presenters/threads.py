"""What the embedded thread shows of each comment: computed here, escaped by the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from moderation.comments.threads import ThreadNode
from moderation.kinds import CommentStatus
from moderation.models import Comment
from moderation.policy.reasons import public_sentence

UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def relative_time(then: datetime, now: datetime) -> str:
    """`just now`, `5 minutes ago`, `1 day ago`..."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


@dataclass
class CommentView:
    """One comment as the thread shows it; `comment` is None for a comment not shown."""

    id: str
    comment: Comment | None
    when: str = ""
    replying_to: str | None = None
    waiting: bool = False  # the reader's own comment, not decided yet
    not_published: bool = False  # the reader's own comment, rejected
    reasons: list[str] = field(default_factory=list)
    replies: list[CommentView] = field(default_factory=list)


def views(
    nodes: list[ThreadNode], now: datetime, show_reasons: bool, parent: ThreadNode | None = None
) -> list[CommentView]:
    """The thread's nodes as views, replies under their parent."""
    return [_view(node, now, show_reasons, parent) for node in nodes]


def _view(
    node: ThreadNode, now: datetime, show_reasons: bool, parent: ThreadNode | None
) -> CommentView:
    replies = views(node.replies, now, show_reasons, node)
    c = node.comment
    if c is None:
        return CommentView(node.id, None, replies=replies)
    view = CommentView(c.id, c, relative_time(c.created_at, now), replies=replies)
    if parent is not None:
        view.replying_to = parent.comment.author_name if parent.comment else "a comment not shown"
    view.waiting = c.status in (CommentStatus.PENDING, CommentStatus.REVIEW)
    view.not_published = c.status == CommentStatus.REJECTED
    if view.not_published and show_reasons and c.decisions:
        view.reasons = [public_sentence(r["code"]) for r in c.decisions[-1].reasons]
    return view
