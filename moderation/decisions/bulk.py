"""Bulk decisions on a list of comments a moderator has seen and confirmed: each is decided
on its own (one decision, one audit entry, all naming the batch), and those that someone
decided or holds meanwhile are skipped and reported, never decided twice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from moderation.decisions.claims import Taken
from moderation.decisions.review import MODERATOR, AlreadyDecided, decide_as_moderator
from moderation.errors import Invalid, NotFound
from moderation.kinds import Action
from moderation.models import Moderator

MAX_ITEMS = 1000  # a larger selection is confirmed a page of this many at a time


@dataclass
class BulkOutcome:
    """What a bulk action did: the comments decided, and why the others were skipped."""

    batch: str
    decided: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def apply(
    session: Session,
    comment_ids: Sequence[str],
    moderator: Moderator,
    action: Action,
    reason: str = MODERATOR,
    public_delay: timedelta = timedelta(0),
) -> BulkOutcome:
    """Decide every listed comment still in review and not held by another moderator."""
    unique = list(dict.fromkeys(comment_ids))
    if not unique:
        raise Invalid("no comment was selected")
    if len(unique) > MAX_ITEMS:
        raise Invalid(f"{len(unique)} comments selected; at most {MAX_ITEMS} at a time")
    outcome = BulkOutcome(uuid.uuid4().hex[:12])
    for comment_id in unique:
        try:
            decide_as_moderator(
                session,
                comment_id,
                moderator,
                action,
                reason=reason,
                public_delay=public_delay,
                bulk=outcome.batch,
            )
        except (AlreadyDecided, Taken, NotFound) as exc:
            outcome.skipped[comment_id] = str(exc)
        else:
            outcome.decided.append(comment_id)
    return outcome
