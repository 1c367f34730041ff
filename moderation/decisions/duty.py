"""The stricter mode: it applies by itself outside moderation hours, or while the oldest
comment waiting for review has waited past the time limit, and ends by itself when neither
holds. Each period is stored and its start and end audited; the pipeline reads whether one is
open (hold: comments needing review are held with a message to the reader, and borderline
comments are not published automatically), intake whether commenting on an article is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import audit
from moderation.comments.articles import ArticleRef
from moderation.config import Settings
from moderation.config.hours import DutyHours, parse
from moderation.decisions.models import StrictPeriod
from moderation.decisions.queues import oldest_waiting
from moderation.errors import Conflict
from moderation.kinds import StrictMode
from moderation.models import Article


class CommentingClosed(Conflict):
    """Commenting on this article waits for moderators to be back on duty."""

    code = "commenting_closed"


@dataclass(frozen=True)
class DutyRules:
    """When moderators are on duty, the queue's time limit, and what the stricter mode does."""

    hours: DutyHours
    zone: ZoneInfo
    limit: timedelta
    mode: StrictMode

    @classmethod
    def from_settings(cls, settings: Settings) -> DutyRules:
        """The rules the settings describe."""
        return cls(
            parse(settings.duty_hours),
            ZoneInfo(settings.duty_timezone),
            timedelta(minutes=settings.review_time_limit_minutes),
            StrictMode(settings.strict_mode),
        )


def why_strict(rules: DutyRules, oldest: datetime | None, now: datetime) -> str | None:
    """Why the stricter mode should apply now, or None."""
    if not rules.hours.on_duty(now.astimezone(rules.zone)):
        return f"no moderator is on duty (hours: {rules.hours.text}, {rules.zone.key})"
    if oldest is not None and now - oldest > rules.limit:
        minutes = int(rules.limit.total_seconds() // 60)
        return f"the oldest waiting comment has waited past the {minutes}-minute limit"
    return None


def current(session: Session) -> StrictPeriod | None:
    """The stricter mode's open period, if it applies now."""
    query = select(StrictPeriod).where(StrictPeriod.ended_at.is_(None))
    return session.scalar(query.order_by(StrictPeriod.id.desc()).limit(1))


def refresh(session: Session, rules: DutyRules, now: datetime) -> StrictPeriod | None:
    """Start or end the stricter mode as the hours and the queue say (committed, audited);
    the open period after that."""
    why, period = why_strict(rules, oldest_waiting(session), now), current(session)
    if why and period is None:
        period = StrictPeriod(mode=rules.mode, why=why, started_at=now)
        session.add(period)
        session.flush()
        audit.record(
            session,
            audit.SYSTEM,
            "strict_mode.started",
            "strict_mode",
            period.id,
            why=why,
            mode=rules.mode.value,
        )
    elif not why and period is not None:
        period.ended_at = now
        audit.record(session, audit.SYSTEM, "strict_mode.ended", "strict_mode", period.id)
        period = None
    session.commit()
    return period


def holding(session: Session) -> bool:
    """True while the stricter mode holds comments that need review."""
    return current(session) is not None


@dataclass(frozen=True)
class Closing:
    """What intake needs of the stricter mode in its `close` mode: since when, and why."""

    started_at: datetime
    why: str


def closing(session: Session) -> Closing | None:
    """The open period when it closes commenting on new articles, else None."""
    period = current(session)
    if period is None or period.mode != StrictMode.CLOSE:
        return None
    return Closing(period.started_at, period.why)


def check_open(closed: Closing | None, article: Article | ArticleRef) -> None:
    """CommentingClosed when the stricter mode closes commenting on this article: one
    published (first stored) while it applies, in the `close` mode."""
    if closed is None or article.created_at < closed.started_at:
        return
    raise CommentingClosed(
        "commenting on this article opens when moderators are back on duty "
        f"(stricter mode since {closed.started_at:%Y-%m-%d %H:%M} UTC: {closed.why})"
    )
