"""What the scorers and the policy get to see of each pending comment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from moderation.decisions import duty
from moderation.decisions.authors import standings
from moderation.kinds import CommentStatus
from moderation.learning.topic_lines import current_lines
from moderation.models import Comment
from moderation.policy.topic_line import LearnedLine, line_for
from moderation.policy.verdicts import AuthorStanding, Context
from moderation.signals.base import AuthorContext, ScoringInput

MAX_THREAD_DEPTH = 50  # a safety bound on walking up a thread


@dataclass(frozen=True)
class Pending:
    """A pending comment as the scorers see it, and its context for the policy."""

    input: ScoringInput
    context: Context
    author_id: str


def pending(session: Session, comment_ids: Sequence[str]) -> list[Pending]:
    """Those of `comment_ids` that are still pending, with what the scorers need."""
    comments = list(
        session.scalars(
            select(Comment)
            .where(Comment.id.in_(comment_ids), Comment.status == CommentStatus.PENDING)
            .options(selectinload(Comment.article), selectinload(Comment.parent))
        )
    )
    history = author_contexts(session, comments)
    standing = standings(session, [c.author_id for c in comments])
    held = bool(comments) and duty.holding(session)
    lines = {site: current_lines(session, site) for site in {c.site_id for c in comments}}
    return [
        Pending(
            to_input(c, history[c.id]),
            policy_context(
                c, standing[c.author_id], held, line_for(lines[c.site_id], c.article.section)
            ),
            c.author_id,
        )
        for c in comments
    ]


def policy_context(
    comment: Comment,
    standing: AuthorStanding,
    held: bool = False,
    topic_line: LearnedLine | None = None,
) -> Context:
    """Where the comment was posted, its author's standing, whether the stricter mode holds
    comments and the on-topic line its site learned for its section, as the policy sees them."""
    return Context(comment.article.external_id, comment.article.section, standing, held, topic_line)


def to_input(comment: Comment, author: AuthorContext | None = None) -> ScoringInput:
    """The comment with its article, parent text and author context."""
    first = opener(comment)
    return ScoringInput(
        comment_id=comment.id,
        text=comment.body,
        article_title=comment.article.title,
        article_body=comment.article.body,
        article_section=comment.article.section,
        parent_text=comment.parent.body if comment.parent else None,
        thread_text=first.body if first else None,
        author_id=comment.author_id,
        author=author or AuthorContext(),
        article_id=str(comment.article_id),
        parent_id=comment.parent_id,
        thread_id=first.id if first else None,
    )


def opener(comment: Comment) -> Comment | None:
    """The comment that opened a reply's thread, when it is not the parent."""
    first, depth = comment.parent, 0
    while first is not None and first.parent is not None and depth < MAX_THREAD_DEPTH:
        first, depth = first.parent, depth + 1
    return first if first is not None and first is not comment.parent else None


LOOK_BACK = timedelta(hours=24)  # how far back repeats are looked for
RATE_WINDOW = timedelta(hours=1)
RECENT_TEXTS = 20  # latest comments of the author compared with a new one


def author_contexts(session: Session, comments: Sequence[Comment]) -> dict[str, AuthorContext]:
    """Each comment's author context, from one query for the whole batch."""
    if not comments:
        return {}
    authors = {c.author_id for c in comments}
    addresses = {c.client_ip_hash for c in comments if c.client_ip_hash}
    since = min(c.created_at for c in comments) - LOOK_BACK
    same_source: ColumnElement[bool] = Comment.author_id.in_(authors)
    if addresses:
        same_source = or_(same_source, Comment.client_ip_hash.in_(addresses))
    earlier = session.execute(
        select(
            Comment.id, Comment.author_id, Comment.client_ip_hash, Comment.body, Comment.created_at
        )
        .where(same_source, Comment.created_at >= since)
        .order_by(Comment.created_at.desc())
    ).all()
    return {c.id: _context(c, earlier) for c in comments}


def _context(comment: Comment, earlier: Sequence[Any]) -> AuthorContext:
    before = [r for r in earlier if r.id != comment.id and r.created_at <= comment.created_at]
    in_hour = [r for r in before if r.created_at > comment.created_at - RATE_WINDOW]
    mine = [r for r in before if r.author_id == comment.author_id]
    return AuthorContext(
        recent_texts=tuple(r.body for r in mine[:RECENT_TEXTS]),
        last_hour=sum(r.author_id == comment.author_id for r in in_hour),
        last_hour_same_ip=sum(
            bool(comment.client_ip_hash) and r.client_ip_hash == comment.client_ip_hash
            for r in in_hour
        ),
    )
