"""Moderation hours and the stricter mode: it starts by itself outside the hours or when the
queue is too old, is audited, holds comments with a message, closes commenting in the close
mode, and ends by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from moderation.audit import history
from moderation.config.hours import HoursError, parse
from moderation.decisions import duty
from moderation.decisions.pipeline import score_and_decide
from moderation.kinds import StrictMode
from moderation.models import Comment
from tests.support import factories
from tests.support.signals import POLICY
from tests.support.workspace import waiting

MONDAY_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday


def rules(hours: str = "mon-fri 08:00-20:00", mode: StrictMode = StrictMode.HOLD) -> duty.DutyRules:
    return duty.DutyRules(parse(hours), ZoneInfo("UTC"), timedelta(hours=4), mode)


@pytest.mark.parametrize(
    ("hours", "moment", "on"),
    [
        ("mon-fri 08:00-20:00", MONDAY_NOON, True),
        ("mon-fri 08:00-20:00", MONDAY_NOON.replace(hour=21), False),
        ("mon-fri 08:00-20:00", MONDAY_NOON - timedelta(days=1), False),  # Sunday
        ("sat-mon 22:00-06:00", MONDAY_NOON.replace(hour=3), True),  # Sunday night's shift
        ("fri 22:00-06:00", MONDAY_NOON.replace(hour=3), False),
        ("sun-tue 10:00-11:00", MONDAY_NOON.replace(hour=10, minute=30), True),
        ("", MONDAY_NOON.replace(hour=3), True),
    ],
)
def test_hours(hours: str, moment: datetime, on: bool) -> None:
    assert parse(hours).on_duty(moment) is on


@pytest.mark.parametrize("text", ["weekdays 8-20", "mon-fri 08:00", "mon 08:00-08:00", "xyz"])
def test_unreadable_hours_say_why(text: str) -> None:
    with pytest.raises(HoursError):
        parse(text)


def test_why_strict_names_the_hours_or_the_queue() -> None:
    assert duty.why_strict(rules(), None, MONDAY_NOON) is None
    off = duty.why_strict(rules(), None, MONDAY_NOON.replace(hour=22))
    assert off is not None and "no moderator is on duty" in off
    old = duty.why_strict(rules(""), MONDAY_NOON - timedelta(hours=5), MONDAY_NOON)
    assert old is not None and "240-minute limit" in old


def test_the_stricter_mode_starts_and_ends_by_itself_and_is_audited(session: Session) -> None:
    now, always_off = MONDAY_NOON, rules("mon 00:00-00:01")
    period = duty.refresh(session, always_off, now)
    assert period is not None and duty.holding(session)
    assert duty.refresh(session, always_off, now) is not None  # still the same period
    assert duty.refresh(session, rules(""), now) is None and not duty.holding(session)
    events = [e.action for e in history(session, "strict_mode", period.id)]
    assert events == ["strict_mode.started", "strict_mode.ended"]


def test_an_old_queue_starts_it_too(session: Session) -> None:
    waiting(session, "forgotten", age=timedelta(hours=5))
    assert duty.refresh(session, rules(""), datetime.now(UTC)) is not None


def test_held_comments_carry_the_reason_readers_see(session: Session) -> None:
    waiting(session, "forgotten", age=timedelta(hours=5))
    duty.refresh(session, rules(""), datetime.now(UTC))
    comment = factories.comment(session, "Energy talks.")
    score_and_decide(session, [comment.id], [], POLICY)  # no scorer: it needs review
    session.expire_all()
    stored = session.get(Comment, comment.id)
    assert stored is not None and stored.status == "review"
    held = [r for r in stored.decisions[-1].reasons if r["code"] == "held"]
    assert held and held[0]["public"].startswith("Moderators are away")


def test_the_close_mode_closes_articles_published_since(session: Session) -> None:
    old_article = factories.article(session, "before")
    waiting(session, "forgotten", age=timedelta(hours=5))
    duty.refresh(session, rules("", StrictMode.CLOSE), datetime.now(UTC))
    factories.comment(session, "still open", article_id="before")
    factories.article(session, "after")
    with pytest.raises(duty.CommentingClosed, match="opens when moderators are back"):
        factories.comment(session, "closed", article_id="after")
    assert old_article.external_id == "before"
