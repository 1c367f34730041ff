"""Moderators' notes on comments and on authors, shown on later cards and kept in the
audit log."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from moderation import audit
from moderation.decisions.models import NOTE_MAX_CHARS, Note
from moderation.errors import Invalid
from moderation.kinds import NoteSubject
from moderation.models import Moderator


def add(
    session: Session, subject: NoteSubject, subject_id: str, body: str, moderator: Moderator
) -> Note:
    """Keep a note (committed, audited); a note over the limit is an error, not a cut."""
    body = body.strip()
    if not body:
        raise Invalid("the note is empty")
    if len(body) > NOTE_MAX_CHARS:
        raise Invalid(f"the note has {len(body)} characters; at most {NOTE_MAX_CHARS} are kept")
    note = Note(subject_type=subject, subject_id=subject_id, body=body, moderator_id=moderator.id)
    session.add(note)
    audit.record(
        session,
        audit.moderator_actor(moderator.username),
        f"{subject.value}.noted",
        subject.value,
        subject_id,
        note=body,
    )
    session.commit()
    return note


def on_card(session: Session, comment_id: str, author_id: str) -> tuple[list[Note], list[Note]]:
    """The notes on a comment and on its author, from one query, newest first."""
    query = (
        select(Note)
        .where(
            or_(
                and_(Note.subject_type == NoteSubject.COMMENT, Note.subject_id == comment_id),
                and_(Note.subject_type == NoteSubject.AUTHOR, Note.subject_id == author_id),
            )
        )
        .order_by(Note.created_at.desc(), Note.id.desc())
        .options(selectinload(Note.moderator))
    )
    found = list(session.scalars(query))
    on_comment = [n for n in found if n.subject_type == NoteSubject.COMMENT]
    return on_comment, [n for n in found if n.subject_type == NoteSubject.AUTHOR]
