"""Waves: near-copies and bursts from new accounts go to review as one card; one decision
applies to all, readers see it when the undo window closes, and undo takes it all back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from moderation import accounts
from moderation.db import utcnow
from moderation.decisions import queues, undo, waves
from moderation.decisions.pipeline import record_decision
from moderation.decisions.queues import View
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, Role, ScorerName
from moderation.models import Comment
from moderation.policy.verdicts import Reason, Verdict
from moderation.signals.base import SignalResult, SignalState
from tests.conftest import MODERATOR_PASSWORD
from tests.support import factories
from tests.support.recording import rows_returned

REVIEW = Verdict(Action.REVIEW, (Reason("spam", "Near-copies by other authors."),))
WINDOW = timedelta(seconds=60)


def to_review(
    session: Session, author: str, similar: list[str] | None = None, article: str = "a1"
) -> str:
    """A comment sent to review by the pipeline, with the brigading signal given."""
    from moderation.comments.intake import find_article

    if find_article(session, article) is None:
        factories.article(session, article)
    comment = factories.comment(session, f"Vote them out {author}", article, author_id=author)
    details = {"similar_comments": similar or []}
    brigading = SignalResult(ScorerName.BRIGADING, "v", SignalState.OK, {}, details)
    record_decision(session, comment.id, author, {ScorerName.BRIGADING: brigading}, REVIEW)
    return comment.id


def wave_of(session: Session, comment_id: str) -> str | None:
    session.expire_all()
    comment = session.get(Comment, comment_id)
    assert comment is not None
    return comment.wave_id


def test_near_copies_join_one_wave_shown_once(any_session: Session) -> None:
    first = to_review(any_session, "a")
    second = to_review(any_session, "b", [first])
    third = to_review(any_session, "c", [second])
    alone = to_review(any_session, "d")
    assert [wave_of(any_session, c) for c in (first, second, third)] == [first] * 3
    assert wave_of(any_session, alone) is None
    assert {c.id for c in queues.page(any_session, View())} == {first, alone}
    wave = waves.describe(any_session, any_session.get(Comment, first))  # type: ignore[arg-type]
    assert wave is not None and (wave.size, wave.authors) == (3, 3)


def test_a_burst_of_new_accounts_on_one_article_is_a_wave(any_session: Session) -> None:
    ids = [to_review(any_session, f"new{i}", article="a2") for i in range(waves.BURST_MIN)]
    assert wave_of(any_session, ids[0]) == ids[0] and wave_of(any_session, ids[-1]) == ids[0]
    few = [to_review(any_session, f"other{i}", article="a3") for i in range(waves.BURST_MIN - 1)]
    assert {wave_of(any_session, c) for c in few} == {None}


def test_a_burst_gathers_waiting_comments_of_a_decided_wave_and_of_none(
    any_session: Session,
) -> None:
    ids = [to_review(any_session, f"new{i}", article="a4") for i in range(waves.BURST_MIN)]
    alice = accounts.create_moderator(any_session, "alice", MODERATOR_PASSWORD, role=Role.MODERATOR)
    members = waves.members(any_session, ids[0])
    decide_as_moderator(any_session, ids[0], alice, Action.REJECT)  # the wave is over
    any_session.expire_all()
    for member in members:  # decided with their lead: all back in review, the first in no wave
        member.status, member.decided_at = "review", None
    members[0].wave_id = None
    any_session.commit()
    newest = to_review(any_session, "new-late", article="a4")
    lead = min(members, key=lambda c: (c.created_at, c.id)).id
    assert {wave_of(any_session, c.id) for c in members} == {lead}
    assert wave_of(any_session, newest) == lead


def test_a_copy_of_decided_comments_still_joins_the_burst_it_is_part_of(
    any_session: Session,
) -> None:
    copied = to_review(any_session, "first", article="a6")
    alice = accounts.create_moderator(any_session, "alice", MODERATOR_PASSWORD, role=Role.MODERATOR)
    decide_as_moderator(any_session, copied, alice, Action.REJECT)  # no copy waits any more
    burst = [to_review(any_session, f"new{i}", article="a6") for i in range(waves.BURST_MIN - 1)]
    late = to_review(any_session, "late", [copied], article="a6")
    assert wave_of(any_session, late) == burst[0]


def test_joining_a_burst_reads_its_waves_not_its_comments(pg_session: Session) -> None:
    # A brigade of new accounts on one article: each comment sent to review used to read
    # every waiting comment of the burst (8 ms a comment with 1,000 waiting, 18 with 5,000).
    ids = [to_review(pg_session, f"new{i}", article="a5") for i in range(waves.BURST_MIN)]
    waiting = [
        factories.comment(pg_session, f"Vote {i}", "a5", author_id=f"m{i}") for i in range(60)
    ]
    for comment in waiting:
        comment.status, comment.wave_id = "review", ids[0]
    pg_session.commit()
    late = factories.comment(pg_session, "Vote them out", "a5", author_id="late")
    with rows_returned(pg_session.connection()) as rows:
        lead = waves.join(pg_session, late, {})
    assert lead == ids[0]
    assert sum(rows) < 10, rows


def test_one_decision_for_the_wave_held_from_readers_until_the_window_closes(
    any_session: Session,
) -> None:
    first = to_review(any_session, "a")
    others = [to_review(any_session, "b", [first]), to_review(any_session, "c", [first])]
    alice = accounts.create_moderator(any_session, "alice", MODERATOR_PASSWORD, role=Role.MODERATOR)
    decide_as_moderator(any_session, first, alice, Action.REJECT, public_delay=WINDOW)
    any_session.expire_all()
    wave = [any_session.get(Comment, c) for c in (first, *others)]
    assert {c.status for c in wave if c} == {"rejected"}
    now = utcnow()
    assert {c.public_status(now) for c in wave if c} == {"review"}
    assert {c.public_status(now + WINDOW * 2) for c in wave if c} == {"rejected"}

    last = undo.last_undoable(any_session, alice, WINDOW, utcnow())
    assert last is not None and last.comment_id == first
    undo.undo(any_session, last.id, alice, WINDOW, utcnow(), timedelta(minutes=5))
    any_session.expire_all()
    back = [any_session.get(Comment, c) for c in (first, *others)]
    assert {c.status for c in back if c} == {"review"}
    assert {c.public_after for c in back if c} == {None}
