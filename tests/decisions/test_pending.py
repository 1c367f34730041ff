"""Each pending comment is decided with the on-topic line its own site learned."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.orm import Session

from moderation.decisions.pending import pending
from moderation.decisions.pipeline import score_and_decide
from moderation.kinds import RelevanceMethod, ScorerName, SignalState
from moderation.learning import topic_lines
from moderation.models import Comment
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult
from tests.learning.test_topic_lines import POLICY, VERSION, scored
from tests.support import factories
from tests.support.signals import abuse


class Clean:
    """Detoxify finding nothing abusive in any comment."""

    name = ScorerName.DETOXIFY

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        return [abuse() for _ in inputs]

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        return ScorerHealth("ok", "v")


class Relevance(Clean):
    """The semantic on-topic check giving every comment the same confident score."""

    name = ScorerName.RELEVANCE

    def __init__(self, score: float) -> None:
        self.score = score

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        details = {"confidence": 1.0, "method": RelevanceMethod.SEMANTIC, "language": "en"}
        scores = {"article": self.score, "on_topic": self.score}
        return [SignalResult(self.name, VERSION, SignalState.OK, scores, details) for _ in inputs]


def history(session: Session, site: str, low: float, published: int = 30) -> None:
    """`published` comments published on the site, scoring from `low` up by 0.01."""
    factories.article(session, f"{site}-1", site_name=site)
    for n in range(published):
        scored(session, low + n / 100, article=f"{site}-1", site=site)


def decide_new(session: Session, score: float, *sites: str) -> list[Comment]:
    """A new comment on each site, scored `score` and decided in one batch."""
    comments = [
        factories.comment(session, "A new comment.", f"{s}-1", author_id="r", site_name=s)
        for s in sites
    ]
    score_and_decide(session, [c.id for c in comments], [Clean(), Relevance(score)], POLICY)
    session.expire_all()
    return [session.get(Comment, c.id) for c in comments]


def test_a_comment_is_decided_with_its_own_sites_line(any_session: Session) -> None:
    history(any_session, "long", 0.5)  # learns 0.53
    history(any_session, "thin", -0.8)  # learns -0.77 (pooled with long's: -0.74)
    topic_lines.recompute(any_session, POLICY)
    on_long, on_thin = decide_new(any_session, 0.3, "long", "thin")
    assert (on_long.status, on_thin.status) == ("review", "published")
    [reason] = on_long.decisions[0].reasons
    assert reason["code"] == "off_topic"
    assert "below 0.53, the line learned from 30 published comments in World" in reason["message"]


def test_a_site_with_too_few_comments_keeps_the_built_in_line(any_session: Session) -> None:
    history(any_session, "busy", -0.8)  # learns -0.77
    history(any_session, "new", -0.8, published=5)  # too few of its own: the built-in 0.1
    topic_lines.recompute(any_session, POLICY)
    on_busy, on_new = decide_new(any_session, 0.0, "busy", "new")
    assert (on_busy.status, on_new.status) == ("published", "review")
    assert on_new.decisions[0].reasons[0]["message"].endswith("(relevance 0.00, below 0.10).")


def test_a_batch_from_two_sites_carries_each_sites_line(any_session: Session) -> None:
    history(any_session, "long", 0.5)
    history(any_session, "thin", -0.8)
    topic_lines.recompute(any_session, POLICY)
    ids = [
        factories.comment(any_session, "Another.", f"{s}-1", author_id="r", site_name=s).id
        for s in ("long", "thin")
    ]
    lines = {item.input.comment_id: item.context.topic_line for item in pending(any_session, ids)}
    assert [line.value if line else None for line in map(lines.get, ids)] == [
        pytest.approx(0.53),
        pytest.approx(-0.77),
    ]
