"""The dashboard's figures over a date range: comments per day by outcome, the automation
rate, the reasons, the review queue's size and oldest item over time, the time to a decision,
and per moderator: decisions per hour, spot-check verdicts, undos and overrides.

The queue's past is rebuilt from the decisions (a comment waits from the policy's review
decision to the moderator's), so nothing has to be sampled while it happens.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from moderation.kinds import Action, CommentStatus, SpotCheckVerdict
from moderation.learning.models import SpotCheck
from moderation.models import AuditEntry, Comment, Decision, Moderator

LOOK_BACK = timedelta(days=7)  # comments waiting at the range's start came in at most this early
QUEUE_POINTS = 48  # samples of the queue over the range


@dataclass
class Day:
    """One day's comments and decisions."""

    day: date
    outcomes: Counter[str] = field(default_factory=Counter)  # comments posted, by status now
    automatic: int = 0  # policy decisions that published or rejected
    reviewed: int = 0  # policy decisions that sent to review
    waits: list[float] = field(default_factory=list)  # minutes to a moderator's decision

    @property
    def automation_rate(self) -> float | None:
        """Share of the policy's decisions that needed no moderator."""
        total = self.automatic + self.reviewed
        return self.automatic / total if total else None

    @property
    def median_wait(self) -> float | None:
        """Median minutes from review to a moderator's decision."""
        return statistics.median(self.waits) if self.waits else None


@dataclass
class ModeratorFigures:
    """What one moderator did in the range."""

    username: str
    decisions: int = 0
    hours: set[datetime] = field(default_factory=set)  # the hours they decided in
    undone: int = 0
    overridden: int = 0  # overrides they made
    checks: Counter[str] = field(default_factory=Counter)  # spot-check verdicts

    @property
    def per_hour(self) -> float:
        """Decisions per hour in which they decided anything."""
        return self.decisions / len(self.hours) if self.hours else 0.0

    @property
    def overturn_rate(self) -> float | None:
        """Share of their spot-checks that overturned the policy."""
        total = sum(self.checks.values())
        return self.checks[SpotCheckVerdict.OVERTURNED] / total if total else None

    @property
    def undo_rate(self) -> float | None:
        """Share of their decisions they undid."""
        return self.undone / self.decisions if self.decisions else None


@dataclass(frozen=True)
class Interval:
    """When one comment waited for review."""

    start: datetime
    end: datetime | None


def days(session: Session, start: datetime, end: datetime) -> list[Day]:
    """Per day of [start, end): outcomes, automation and time to decision."""
    found = {
        start.date() + timedelta(days=i): Day(start.date() + timedelta(days=i))
        for i in range((end.date() - start.date()).days or 1)
    }
    in_range = and_(Comment.created_at >= start, Comment.created_at < end)
    for created, status in session.execute(
        select(Comment.created_at, Comment.status).where(in_range)
    ):
        _day(found, created).outcomes[status] += 1
    policy = and_(
        Decision.moderator_id.is_(None), Decision.created_at >= start, Decision.created_at < end
    )
    for created, action in session.execute(
        select(Decision.created_at, Decision.action).where(policy)
    ):
        day = _day(found, created)
        if action == Action.REVIEW:
            day.reviewed += 1
        else:
            day.automatic += 1
    for interval in intervals(session, start, end):
        if interval.end is not None and start <= interval.end < end:
            _day(found, interval.end).waits.append(
                (interval.end - interval.start).total_seconds() / 60
            )
    return list(found.values())


def _day(found: dict[date, Day], moment: datetime) -> Day:
    return found.setdefault(moment.date(), Day(moment.date()))


def reasons(session: Session, start: datetime, end: datetime) -> Counter[str]:
    """How often each reason code appeared in the policy's decisions on comments posted in
    the range."""
    counted: Counter[str] = Counter()
    rows = session.scalars(
        select(Comment.reason_codes).where(Comment.created_at >= start, Comment.created_at < end)
    )
    for codes in rows:
        counted.update((codes or "").split())
    return counted


def intervals(session: Session, start: datetime, end: datetime) -> list[Interval]:
    """When each comment that could have waited during the range waited for review."""
    query = (
        select(
            Decision.comment_id,
            Decision.created_at,
            Decision.action,
            Decision.moderator_id,
            Decision.undone_at,
        )
        .where(Decision.created_at >= start - LOOK_BACK, Decision.created_at < end)
        .order_by(Decision.comment_id, Decision.created_at, Decision.id)
    )
    waiting: dict[str, datetime] = {}
    found: list[Interval] = []
    for comment_id, created, action, moderator_id, undone_at in session.execute(query):
        if action == Action.REVIEW and comment_id not in waiting:
            waiting[comment_id] = created
        elif moderator_id is not None and undone_at is None and comment_id in waiting:
            found.append(Interval(waiting.pop(comment_id), created))
    found += [Interval(began, None) for began in waiting.values()]
    return found


def queue_over_time(
    session: Session, start: datetime, end: datetime, points: int = QUEUE_POINTS
) -> list[tuple[datetime, int, float]]:
    """(moment, comments waiting, minutes the oldest had waited) at evenly spaced moments."""
    spans = intervals(session, start, end)
    step = (end - start) / points
    samples = []
    for i in range(points + 1):
        moment = start + step * i
        open_ = [s.start for s in spans if s.start <= moment and (s.end is None or s.end > moment)]
        oldest = (moment - min(open_)).total_seconds() / 60 if open_ else 0.0
        samples.append((moment, len(open_), oldest))
    return samples


def moderators(session: Session, start: datetime, end: datetime) -> list[ModeratorFigures]:
    """Per moderator, busiest first."""
    names = dict(session.execute(select(Moderator.id, Moderator.username)).all())
    figures: dict[int, ModeratorFigures] = {}

    def of(moderator_id: int | None) -> ModeratorFigures:
        key = moderator_id or 0  # the queries select moderators' rows only
        return figures.setdefault(key, ModeratorFigures(names.get(key, "?")))

    decided = and_(
        Decision.moderator_id.is_not(None),
        Decision.action != Action.REVIEW,
        Decision.created_at >= start,
        Decision.created_at < end,
    )
    for moderator_id, created, undone in session.execute(
        select(Decision.moderator_id, Decision.created_at, Decision.undone_at).where(decided)
    ):
        person = of(moderator_id)
        person.decisions += 1
        person.hours.add(created.replace(minute=0, second=0, microsecond=0))
        person.undone += undone is not None
    checked = and_(SpotCheck.checked_at >= start, SpotCheck.checked_at < end)
    for moderator_id, verdict in session.execute(
        select(SpotCheck.moderator_id, SpotCheck.verdict).where(checked)
    ):
        of(moderator_id).checks[verdict or ""] += 1
    _count_overrides(session, start, end, {f.username: f for f in figures.values()})
    return sorted(figures.values(), key=lambda f: -f.decisions)


def _count_overrides(
    session: Session, start: datetime, end: datetime, by_name: dict[str, ModeratorFigures]
) -> None:
    query = (
        select(AuditEntry.actor, func.count())
        .where(
            AuditEntry.action == "comment.overridden", AuditEntry.at >= start, AuditEntry.at < end
        )
        .group_by(AuditEntry.actor)
    )
    for actor, count in session.execute(query):
        name = actor.removeprefix("moderator:")
        if name in by_name:
            by_name[name].overridden = int(count)


def statuses() -> Iterable[str]:
    """The outcomes the per-day chart stacks, bottom first."""
    return (
        CommentStatus.PUBLISHED,
        CommentStatus.REJECTED,
        CommentStatus.REVIEW,
        CommentStatus.PENDING,
    )
