"""The append-only audit log: who changed what, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
