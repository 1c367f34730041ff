"""The append-only audit log: who changed what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.models import AuditEntry

SYSTEM = "system"
POLICY = "policy"
ANONYMOUS = "anonymous"  # someone not logged in, e.g. a failed login


def moderator_actor(username: str) -> str:
    """The actor name recorded for a moderator."""
    return f"moderator:{username}"


def record(
    session: Session, actor: str, event: str, subject_type: str, subject_id: object, **data: Any
) -> AuditEntry:
    """Add an entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor, action=event, subject_type=subject_type, subject_id=str(subject_id), data=data
    )
    session.add(entry)
    return entry


def row(actor: str, event: str, subject_type: str, subject_id: object, data: Any) -> dict[str, Any]:
    """An entry as the values of an insert into audit_log (for hot paths that skip the ORM)."""
    return {
        "at": utcnow(),
        "actor": actor,
        "action": event,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "data": data,
    }


def history(session: Session, subject_type: str, subject_id: object) -> list[AuditEntry]:
    """Every entry about one subject, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == str(subject_id))
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class AuditQuery:
    """What the audit-log screen narrows to; empty fields do not filter."""

    actor: str = ""  # who: `moderator:alice`, or just `alice`
    action: str = ""  # what: an event name, or its start (`comment.`)
    subject_type: str = ""  # `comment`, `author`, `moderator`...
    subject_id: str = ""  # which comment or author
    since: datetime | None = None
    until: datetime | None = None


def search(session: Session, query: AuditQuery, limit: int = 200) -> list[AuditEntry]:
    """The newest entries matching the query."""
    where: list[ColumnElement[bool]] = []
    if query.actor:
        where.append(AuditEntry.actor.in_([query.actor, moderator_actor(query.actor)]))
    if query.action:
        where.append(AuditEntry.action.startswith(query.action, autoescape=True))
    if query.subject_type:
        where.append(AuditEntry.subject_type == query.subject_type)
    if query.subject_id:
        where.append(AuditEntry.subject_id == query.subject_id)
    if query.since:
        where.append(AuditEntry.at >= query.since)
    if query.until:
        where.append(AuditEntry.at < query.until)
    found = select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(found))
