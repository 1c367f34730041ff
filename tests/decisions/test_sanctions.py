"""Sanctions: the pipeline rejects a banned or suspended author's comments with the reason,
pre-moderation sends them to review, and lifting ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from moderation.comments.intake import find_article
from moderation.db import utcnow
from moderation.decisions import sanctions
from moderation.decisions.authors import standings
from moderation.decisions.pipeline import score_and_decide
from moderation.errors import Invalid
from moderation.kinds import SanctionKind
from moderation.models import Comment
from moderation.policy.sanctions import sanction_reasons
from moderation.policy.verdicts import AuthorStanding, Context
from tests.support import factories
from tests.support.signals import POLICY


def decided(session: Session, author_id: str = "u1") -> Comment:
    """A new comment by the author, through the pipeline (no scorer: checks fail closed)."""
    if find_article(session, "a1") is None:
        factories.article(session)
    comment = factories.comment(session, "Energy talks.", author_id=author_id)
    score_and_decide(session, [comment.id], [], POLICY)
    session.expire_all()
    stored = session.get(Comment, comment.id)
    assert stored is not None
    return stored


def codes(comment: Comment) -> list[str]:
    return [r["code"] for r in comment.decisions[-1].reasons]


def test_a_banned_author_is_rejected_with_the_reason(any_session: Session) -> None:
    sanctions.impose(any_session, "u1", SanctionKind.BAN, "threats to staff", "cli", utcnow())
    comment = decided(any_session)
    assert comment.status == "rejected" and codes(comment)[0] == "banned"
    reason = comment.decisions[-1].reasons[0]
    assert "threats to staff" in reason["message"]
    assert reason["public"] == "You can no longer comment here."
    assert decided(any_session, author_id="u2").status == "review"  # others are not affected


def test_a_suspension_ends_by_itself(any_session: Session) -> None:
    now = utcnow()
    sanctions.impose(
        any_session, "u1", SanctionKind.SUSPEND, "cool off", "cli", now, now + timedelta(hours=1)
    )
    assert codes(decided(any_session))[0] == "suspended"
    assert standings(any_session, ["u1"])["u1"].suspended_until is not None
    later = utcnow() + timedelta(hours=2)
    assert sanctions.active(any_session, ["u1"], later) == []


def test_pre_moderation_sends_to_review_and_an_admin_lifts_it(any_session: Session) -> None:
    sanction = sanctions.impose(
        any_session, "u1", SanctionKind.PREMODERATE, "new troll", "cli", utcnow()
    )
    assert standings(any_session, ["u1"])["u1"].premoderated
    assert "pre_moderated" in codes(decided(any_session))
    sanctions.lift(any_session, sanction.id, "moderator:root", utcnow())
    assert not standings(any_session, ["u1"])["u1"].premoderated
    with pytest.raises(Exception, match="already lifted by moderator:root"):
        sanctions.lift(any_session, sanction.id, "moderator:root", utcnow())


def test_lifting_a_ban_lets_the_author_back(any_session: Session) -> None:
    ban = sanctions.impose(any_session, "u1", SanctionKind.BAN, "spam", "cli", utcnow())
    sanctions.lift(any_session, ban.id, "moderator:root", utcnow())
    assert "banned" not in codes(decided(any_session))


@pytest.mark.parametrize(
    ("kind", "reason", "until", "problem"),
    [
        (SanctionKind.BAN, "  ", None, "needs a reason"),
        (SanctionKind.BAN, "x" * 501, None, "at most 500"),
        (SanctionKind.SUSPEND, "why", None, "an end in the future"),
        (SanctionKind.SUSPEND, "why", timedelta(hours=-1), "an end in the future"),
    ],
)
def test_a_sanction_needs_a_reason_and_a_suspension_an_end(
    session: Session,
    kind: SanctionKind,
    reason: str,
    until: timedelta | None,
    problem: str,
) -> None:
    now = utcnow()
    with pytest.raises(Invalid, match=problem):
        sanctions.impose(session, "u1", kind, reason, "cli", now, now + until if until else None)


def test_the_policy_reads_sanctions_from_the_standing_alone() -> None:
    banned = Context(author=AuthorStanding(banned_for="abuse"))
    assert [r.code for r in sanction_reasons(banned)] == ["banned"]
    assert sanction_reasons(Context()) == []
