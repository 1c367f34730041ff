"""Explanations after the decision: spans added to the stored signal, once, and no decision
changed."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.decisions.explanations import add_spans, awaiting, stale
from moderation.decisions.pipeline import score_and_decide
from moderation.kinds import ScorerName
from moderation.models import Comment, Decision, Signal
from moderation.policy.reader import load
from moderation.signals.detoxify.model import DetoxifyOptions
from moderation.signals.detoxify.scorer import EXPLANATION_PENDING, DetoxifyScorer
from moderation.signals.relevance.scorer import RelevanceScorer
from tests.support import factories
from tests.support.detoxify_checkpoint import TinyDetoxify

POLICY = load()
ABUSIVE = (
    "The talks on shipping went well this week. Both ministers want a deal on energy. "
    "Anyone who disagrees is a stupid idiot. The next meeting is in the spring."
)
CLEAN = "Energy cooperation and shipping trade with Athens make sense."


@pytest.fixture
def detoxify(tiny_detoxify: TinyDetoxify) -> DetoxifyScorer:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    return DetoxifyScorer(options, explain_above=POLICY.lowest_publish_line)


def _detoxify_details(session: Session, comment_id: str) -> dict[str, object]:
    session.expire_all()
    signal = session.scalars(
        select(Signal).where(Signal.comment_id == comment_id, Signal.scorer == ScorerName.DETOXIFY)
    ).one()
    return dict(signal.details)


def test_spans_are_added_after_the_decision_once(
    any_session: Session, detoxify: DetoxifyScorer
) -> None:
    factories.article(any_session)
    abusive = factories.comment(any_session, body=ABUSIVE)
    clean = factories.comment(any_session, body=CLEAN)
    ids = [abusive.id, clean.id]
    score_and_decide(any_session, ids, [detoxify, RelevanceScorer(None, None)], POLICY)
    status = any_session.get(Comment, abusive.id).status
    assert _detoxify_details(any_session, abusive.id)["explanation"] == EXPLANATION_PENDING
    assert [a.comment_id for a in awaiting(any_session, ids)] == [abusive.id]

    assert add_spans(any_session, ids, detoxify) == 1
    details = _detoxify_details(any_session, abusive.id)
    assert "stupid idiot" in details["spans"][0]["text"]  # type: ignore[index]
    assert "explanation" not in details
    assert add_spans(any_session, ids, detoxify) == 0, "a second delivery changes nothing"
    assert _detoxify_details(any_session, abusive.id) == details
    assert "spans" not in _detoxify_details(any_session, clean.id)
    assert any_session.get(Comment, abusive.id).status == status
    assert len(any_session.scalars(select(Decision)).all()) == 2


def test_spans_waiting_too_long_are_found_for_the_sweep_oldest_first(
    any_session: Session, detoxify: DetoxifyScorer
) -> None:
    factories.article(any_session)
    old, young, explained = (factories.comment(any_session, body=ABUSIVE) for _ in range(3))
    clean = factories.comment(any_session, body=CLEAN)
    ids = [old.id, young.id, explained.id, clean.id]
    score_and_decide(any_session, ids, [detoxify, RelevanceScorer(None, None)], POLICY)
    add_spans(any_session, [explained.id], detoxify)
    for comment_id, minutes in ((old.id, 30), (explained.id, 30), (clean.id, 30), (young.id, 1)):
        any_session.execute(
            update(Signal)
            .where(Signal.comment_id == comment_id)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )
    any_session.commit()

    assert stale(any_session, timedelta(minutes=5)) == [old.id]
    assert stale(any_session, timedelta(seconds=10)) == [old.id, young.id]
    assert stale(any_session, timedelta(seconds=10), limit=1) == [old.id]
