"""Sanctions on authors: a ban (every later comment rejected, with the reason), a suspension
until a date, or pre-moderation of everything they post. Any moderator imposes one; only an
admin lifts it (the web layer checks the role). The policy reads them through the author's
standing (decisions/authors.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.db import claim
from moderation.decisions.authors import set_premoderated
from moderation.decisions.models import REASON_MAX_CHARS, Sanction
from moderation.errors import Conflict, Invalid, NotFound
from moderation.kinds import SanctionKind


def impose(
    session: Session,
    author_id: str,
    kind: SanctionKind,
    reason: str,
    actor: str,
    now: datetime,
    until: datetime | None = None,
    moderator_id: int | None = None,
) -> Sanction:
    """Sanction an author (committed, audited); Invalid names what is missing or wrong."""
    reason = reason.strip()
    if not reason:
        raise Invalid("a sanction needs a reason")
    if len(reason) > REASON_MAX_CHARS:
        raise Invalid(f"the reason has {len(reason)} characters; at most {REASON_MAX_CHARS}")
    if kind is SanctionKind.SUSPEND and (until is None or until <= now):
        raise Invalid("a suspension needs an end in the future")
    if kind is not SanctionKind.SUSPEND:
        until = None
    sanction = Sanction(
        author_id=author_id,
        kind=kind,
        reason=reason,
        until=until,
        moderator_id=moderator_id,
        created_at=now,
    )
    session.add(sanction)
    session.flush()
    audit.record(
        session,
        actor,
        "author.sanctioned",
        "author",
        author_id,
        kind=kind.value,
        reason=reason,
        until=until.isoformat() if until else None,
        sanction=sanction.id,
    )
    if kind is SanctionKind.PREMODERATE:
        set_premoderated(session, author_id, True, actor)  # commits
    session.commit()
    return sanction


def lift(session: Session, sanction_id: int, actor: str, now: datetime) -> Sanction:
    """End a sanction (committed, audited)."""
    sanction = session.get(Sanction, sanction_id)
    if sanction is None:
        raise NotFound(f"no sanction {sanction_id}")
    where = (Sanction.id == sanction_id, Sanction.lifted_at.is_(None))
    if not claim(session, Sanction, *where, lifted_at=now, lifted_by=actor):
        session.rollback()
        raise Conflict(f"this sanction was already lifted by {sanction.lifted_by}")
    audit.record(
        session, actor, "author.sanction_lifted", "author", sanction.author_id, sanction=sanction_id
    )
    session.refresh(sanction)
    others = [s for s in active(session, [sanction.author_id], now) if s.id != sanction_id]
    if sanction.kind == SanctionKind.PREMODERATE and not any(
        s.kind == SanctionKind.PREMODERATE for s in others
    ):
        set_premoderated(session, sanction.author_id, False, actor)  # commits
    session.commit()
    return sanction


def active(session: Session, author_ids: Collection[str], now: datetime) -> list[Sanction]:
    """The sanctions in force on these authors, newest first."""
    if not author_ids:
        return []
    return list(session.scalars(_in_force(now).where(Sanction.author_id.in_(list(author_ids)))))


def in_force(session: Session, now: datetime, limit: int = 500) -> list[Sanction]:
    """Every sanction in force, newest first."""
    return list(session.scalars(_in_force(now).limit(limit)))


def _in_force(now: datetime) -> Select[Any]:
    return (
        select(Sanction)
        .where(Sanction.lifted_at.is_(None), or_(Sanction.until.is_(None), Sanction.until > now))
        .order_by(Sanction.created_at.desc(), Sanction.id.desc())
        .options(selectinload(Sanction.moderator))
    )
