"""The moderation team, as admins manage it: roles, and who may still log in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation import audit
from moderation.db import utcnow
from moderation.errors import Conflict, NotFound
from moderation.kinds import Role, SessionEnd
from moderation.logins import sessions
from moderation.models import Moderator


class LastAdmin(Conflict):
    """The change would leave nobody able to manage the team."""


def members(session: Session) -> list[Moderator]:
    """Every moderator, admins first, then by name."""
    query = select(Moderator).order_by(Moderator.role, Moderator.username)
    return list(session.scalars(query))


def set_role(session: Session, moderator_id: int, role: Role, actor: str) -> Moderator:
    """Give a moderator a role (committed, audited); the last active admin stays one."""
    moderator = _get(session, moderator_id)
    if moderator.role == role:
        return moderator
    if role is not Role.ADMIN:
        _keep_an_admin(session, moderator)
    before, moderator.role = moderator.role, role
    audit.record(
        session,
        actor,
        "moderator.role_changed",
        "moderator",
        moderator.id,
        before=before,
        after=role,
    )
    session.commit()
    return moderator


def set_active(session: Session, moderator_id: int, active: bool, actor: str) -> Moderator:
    """Let a moderator log in, or not (which ends their sessions); committed, audited."""
    moderator = _get(session, moderator_id)
    if moderator.active == active:
        return moderator
    if not active:
        _keep_an_admin(session, moderator)
        sessions.end_all(session, moderator.id, SessionEnd.DEACTIVATED, utcnow())
    moderator.active = active
    event = "moderator.reactivated" if active else "moderator.deactivated"
    audit.record(session, actor, event, "moderator", moderator.id)
    session.commit()
    return moderator


def _get(session: Session, moderator_id: int) -> Moderator:
    moderator = session.get(Moderator, moderator_id)
    if moderator is None:
        raise NotFound(f"no moderator {moderator_id}")
    return moderator


def _keep_an_admin(session: Session, leaving: Moderator) -> None:
    if leaving.role != Role.ADMIN or not leaving.active:
        return
    others = session.scalar(
        select(func.count())
        .select_from(Moderator)
        .where(Moderator.role == Role.ADMIN, Moderator.active, Moderator.id != leaving.id)
    )
    if not others:
        raise LastAdmin(f"{leaving.username} is the last active admin")
