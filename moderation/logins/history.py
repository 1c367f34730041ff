"""What a moderator is told after logging in: when and where they last logged in, and how
many failed logins with their username came since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.logins.models import ModeratorSession
from moderation.models import AuditEntry

LOGIN = "moderator.login"
LOGIN_FAILED = "moderator.login_failed"
LOGOUT = "moderator.logout"


@dataclass(frozen=True)
class LastLogin:
    """The latest login so far (`at` is None before the first one) and failures since."""

    at: datetime | None
    address: str | None
    failures_since: int


def last_login(session: Session, moderator_id: int) -> LastLogin:
    """The moderator's latest login, and the failed logins with their username after it."""
    previous = session.scalar(
        select(ModeratorSession)
        .where(ModeratorSession.moderator_id == moderator_id)
        .order_by(ModeratorSession.created_at.desc())
        .limit(1)
    )
    failures = (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == LOGIN_FAILED,
            AuditEntry.subject_type == "moderator",
            AuditEntry.subject_id == str(moderator_id),
        )
    )
    if previous is None:
        return LastLogin(None, None, session.scalar(failures) or 0)
    failures = failures.where(AuditEntry.at > previous.created_at)
    return LastLogin(previous.created_at, previous.address, session.scalar(failures) or 0)
