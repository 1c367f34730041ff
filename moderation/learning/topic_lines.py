"""Learning each site's on-topic lines from its own recently published comments.

Beat recomputes them every hour, for every site: per section with enough published comments,
and for the whole site. A site's comments teach only its own lines: a site of thin title-only
articles and one of long varied articles score genuine comments differently, and one pooled
line fits neither. Each computation is stored as new rows, so the Stats page can show how the
lines moved. Until a site has `on_topic.learn_after` published comments the policy's built-in
line holds for it, however many other sites have. Computations older than KEEP_DAYS are
deleted as new ones are stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import CommentStatus, RelevanceMethod, ScorerName, SignalState
from moderation.learning.models import TopicLine
from moderation.models import Article, Comment, Signal, Site
from moderation.policy.document import Policy
from moderation.policy.topic_line import SITE, LearnedLine, learn

HISTORY_DAYS = 30  # published comments of this many days teach the lines
MAX_COMMENTS = 20_000  # newest published comments read
# Computations older than this are deleted when new ones are stored: the Stats page shows the
# last HISTORY_DAYS, and hourly rows for every section would otherwise pile up for ever.
KEEP_DAYS = 3 * HISTORY_DAYS


@dataclass(frozen=True)
class Scored:
    """A published comment's relevance, as the lines are learned from it."""

    score: float
    confidence: float
    section: str
    version: str


def learn_lines(scored: Sequence[Scored], policy: Policy) -> list[TopicLine]:
    """Lines for one site and each of its sections with enough comments (newest first in
    `scored`), from the scorer version of the newest comment; the whole site's row says when
    there were too few (line None). The rows carry no site: the caller sets it."""
    rules = policy.on_topic
    version = scored[0].version if scored else ""
    groups: dict[str, list[Scored]] = defaultdict(list, {SITE: []})
    for item in (s for s in scored if s.version == version):
        groups[SITE].append(item)
        if item.section:
            groups[item.section].append(item)
    rows = []
    for section, items in sorted(groups.items()):
        enough = len(items) >= rules.learn_after
        if not enough and section != SITE:
            continue
        pairs = [(s.score, s.confidence) for s in items]
        line = learn(pairs, rules.max_flag_share, rules.min_confidence) if enough else None
        rows.append(TopicLine(section=section, line=line, comments=len(items)))
    for row in rows:
        row.share, row.scorer_version = rules.max_flag_share, version
    return rows


def published_scores(session: Session, site_id: int, days: int = HISTORY_DAYS) -> list[Scored]:
    """Semantic relevance of the site's comments published in the last `days` days, newest
    first."""
    query = (
        select(Signal.scores, Signal.details, Signal.version, Article.section)
        .join(Comment, Comment.id == Signal.comment_id)
        .join(Article, Article.id == Comment.article_id)
        .where(
            Comment.site_id == site_id,
            Signal.scorer == ScorerName.RELEVANCE,
            Signal.state == SignalState.OK,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.decided_at >= utcnow() - timedelta(days=days),
        )
        .order_by(Comment.decided_at.desc(), Comment.id)
        .limit(MAX_COMMENTS)
    )
    return [
        Scored(
            float(scores.get("on_topic", 0.0)),
            float(details.get("confidence", 1.0)),
            section or SITE,
            version,
        )
        for scores, details, version, section in session.execute(query)
        if (details or {}).get("method") == RelevanceMethod.SEMANTIC
    ]


def learn_every_site(session: Session, policy: Policy) -> dict[int, list[TopicLine]]:
    """Each site's lines, learned from its own published comments only (not stored)."""
    learned: dict[int, list[TopicLine]] = {}
    for site_id in session.scalars(select(Site.id).order_by(Site.id)):
        rows = learn_lines(published_scores(session, site_id), policy)
        for row in rows:
            row.site_id = site_id
        learned[site_id] = rows
    return learned


def recompute(session: Session, policy: Policy) -> list[TopicLine]:
    """Learn every site's lines now and store them, deleting those older than KEEP_DAYS
    (committed)."""
    rows = [row for rows in learn_every_site(session, policy).values() for row in rows]
    now = utcnow()
    for row in rows:
        row.computed_at = now
    session.add_all(rows)
    session.execute(
        delete(TopicLine).where(TopicLine.computed_at < now - timedelta(days=KEEP_DAYS))
    )
    session.commit()
    return rows


def current_lines(session: Session, site_id: int) -> dict[str, LearnedLine]:
    """The lines of the site's newest computation, by section ("" for the whole site)."""
    return as_learned(latest(session, site_id))


def latest(session: Session, site_id: int) -> list[TopicLine]:
    """The rows of the site's newest computation, the whole site's first."""
    newest = (
        select(func.max(TopicLine.computed_at))
        .where(TopicLine.site_id == site_id)
        .scalar_subquery()
    )
    query = (
        select(TopicLine)
        .where(TopicLine.site_id == site_id, TopicLine.computed_at == newest)
        .order_by(TopicLine.section)
    )
    return list(session.scalars(query))


def lines_for(session: Session, policy: Policy) -> dict[int, dict[str, LearnedLine]]:
    """The lines `policy` would learn now for each site, by site id (for a trial run of a
    policy not yet active)."""
    return {site: as_learned(rows) for site, rows in learn_every_site(session, policy).items()}


def as_learned(rows: Iterable[TopicLine]) -> dict[str, LearnedLine]:
    """The rows that hold a line, as the policy reads them, by section."""
    return {
        row.section: LearnedLine(row.line, row.share, row.comments, row.section, row.scorer_version)
        for row in rows
        if row.line is not None
    }


def history(
    session: Session, site_id: int, days: int = HISTORY_DAYS
) -> dict[str, list[tuple[datetime, float]]]:
    """Each of the site's sections' learned lines over the last `days` days, oldest first."""
    rows = session.execute(
        select(TopicLine.section, TopicLine.computed_at, TopicLine.line)
        .where(
            TopicLine.site_id == site_id,
            TopicLine.computed_at >= utcnow() - timedelta(days=days),
        )
        .order_by(TopicLine.computed_at)
    )
    found: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for section, at, line in rows:
        if line is not None:
            found[section].append((at, line))
    return dict(found)
