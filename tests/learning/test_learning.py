"""Spot-checks, calibration, drift, trial runs: learning from moderators (no models needed)."""

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from moderation.accounts import create_moderator
from moderation.db import utcnow
from moderation.decisions import spotchecks
from moderation.decisions.authors import standings
from moderation.decisions.pipeline import record_decision
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, SignalState, SpotCheckVerdict
from moderation.learning import calibration, drift, trial
from moderation.learning.models import DriftAlert, SpotCheck
from moderation.models import Comment, Signal
from moderation.policy.reader import load
from moderation.policy.verdicts import Reason, Verdict
from moderation.signals.base import SignalResult
from tests.support import factories

POLICY = load()


def decided(
    session: Session, toxicity: float, action: Action, author: str = "u1", share: float = 0.0
) -> str:
    """A comment decided by the policy with a Detoxify signal."""
    comment = factories.comment(session, body=f"Comment scoring {toxicity}.", author_id=author)
    signal = SignalResult("detoxify", "v", SignalState.OK, {"toxicity": toxicity, "insult": 0.01})
    relevance = SignalResult(
        "relevance", "v", SignalState.OK, {"on_topic": 0.9}, {"confidence": 1.0, "language": "en"}
    )
    verdict = Verdict(action, (Reason("clean", "test", action),), "v1-test")
    record_decision(
        session, comment.id, author, {"detoxify": signal, "relevance": relevance}, verdict, share
    )
    return comment.id


def test_spot_checks_draw_the_same_share_every_time() -> None:
    ids = [f"{n:032x}" for n in range(5000)]
    drawn = [i for i in ids if spotchecks.drawn(i, 0.02)]
    assert 60 < len(drawn) < 140
    assert drawn == [i for i in ids if spotchecks.drawn(i, 0.02)]


def test_an_overturned_spot_check_reverses_the_decision_and_the_counts(
    any_session: Session,
) -> None:
    factories.article(any_session)
    comment_id = decided(any_session, 0.01, Action.PUBLISH, author="writer", share=1.0)
    moderator = create_moderator(any_session, "sam", "long enough password")
    assert [s.comment_id for s in spotchecks.open_spot_checks(any_session)] == [comment_id]
    assert standings(any_session, ["writer"])["writer"].published == 1
    spotchecks.check(any_session, comment_id, moderator, SpotCheckVerdict.OVERTURNED)
    any_session.expire_all()
    comment = any_session.get(Comment, comment_id)
    assert comment.status == "rejected"
    assert comment.decisions[-1].decider_name == "sam"
    standing = standings(any_session, ["writer"])["writer"]
    assert (standing.published, standing.rejected) == (0, 1)
    with pytest.raises(spotchecks.AlreadyChecked):
        spotchecks.check(any_session, comment_id, moderator, SpotCheckVerdict.CONFIRMED)
    assert spotchecks.open_spot_checks(any_session) == []


def test_review_decisions_count_for_the_author(any_session: Session) -> None:
    factories.article(any_session)
    comment_id = decided(any_session, 0.5, Action.REVIEW, author="writer")
    moderator = create_moderator(any_session, "sam", "long enough password")
    decide_as_moderator(any_session, comment_id, moderator, Action.REJECT)
    assert standings(any_session, ["writer"])["writer"].rejected == 1
    assert standings(any_session, ["writer"])["writer"].recent_rejected == 1


def test_calibration_suggests_lines_from_moderators_decisions(any_session: Session) -> None:
    factories.article(any_session)
    moderator = create_moderator(any_session, "sam", "long enough password")
    for n in range(10):  # reviewed: the upper half always rejected, the lower always published
        score = 0.35 + n * 0.05
        comment_id = decided(any_session, score, Action.REVIEW)
        action = Action.REJECT if score >= 0.6 else Action.PUBLISH
        decide_as_moderator(any_session, comment_id, moderator, action)
    checked = decided(any_session, 0.05, Action.PUBLISH, share=1.0)
    spotchecks.check(any_session, checked, moderator, SpotCheckVerdict.CONFIRMED)
    report = calibration.report(calibration.cases(any_session, 30), POLICY, target_error=0.0)
    toxicity = report["labels"]["toxicity"]
    assert toxicity["bands"]["review"] == {
        "comments": 10,
        "moderators_published": 5,
        "moderators_rejected": 5,
    }
    assert toxicity["automatic_precision"]["publish"] == {"spot_checked": 1, "precision": 1.0}
    assert toxicity["suggested"]["reject_above"] == pytest.approx(0.6)
    assert toxicity["suggested"]["more_rejected"] == 5
    assert toxicity["suggested"]["publish_below"] == pytest.approx(0.6)
    assert toxicity["suggested"]["more_published"] == 5


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    calm = [0.02 + (n % 10) * 0.01 for n in range(500)]
    assert drift.psi(calm, calm) == 0.0
    assert drift.psi([0.8] * 100, calm) > 1.0


def test_a_shifted_day_raises_an_alert(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    month_ago = utcnow() - timedelta(days=10)
    rows = [
        Signal(
            comment_id=comment.id,
            scorer="detoxify",
            version="v",
            state="ok",
            scores={"toxicity": 0.02 + (n % 10) * 0.01},
            created_at=month_ago,
        )
        for n in range(300)
    ]
    rows += [
        Signal(
            comment_id=comment.id,
            scorer="detoxify",
            version="v",
            state="ok",
            scores={"toxicity": 0.85},
        )
        for _ in range(60)
    ]
    any_session.add_all(rows)
    any_session.commit()
    [alert] = drift.check(any_session)
    assert alert.label == "toxicity" and alert.psi > 1
    assert drift.recent_alerts(any_session)[0].label == "toxicity"


def test_a_trial_run_counts_changes_without_deciding_anything(any_session: Session) -> None:
    factories.article(any_session)
    low = decided(any_session, 0.05, Action.PUBLISH)
    mid = decided(any_session, 0.5, Action.REVIEW)
    strict = load("labels: {default: {publish_below: 0.01, reject_above: 0.4}}")
    report = trial.run(any_session, strict)
    assert (report.compared, report.changed) == (2, 2)
    assert report.transitions == {("publish", "review"): 1, ("review", "reject"): 1}
    assert report.examples[("review", "reject")][0]["comment"] == mid
    any_session.expire_all()
    assert any_session.get(Comment, low).status == "published", "a trial changes nothing"
    assert trial.count(any_session, utcnow() + timedelta(days=1)) == 0


def test_a_trial_run_replays_each_comment_at_its_own_sites_line(any_session: Session) -> None:
    from tests.learning.test_topic_lines import POLICY as LEARNING
    from tests.learning.test_topic_lines import scored

    factories.article(any_session, "long-1", site_name="long")
    factories.article(any_session, "thin-1", site_name="thin")
    for n in range(30):  # long learns 0.53: its three lowest would be flagged
        scored(any_session, 0.5 + n / 100, article="long-1", site="long")
    for n in range(10):  # too few for thin to learn: all ten are under the built-in 0.1
        scored(any_session, -0.8 + n / 100, article="thin-1", site="thin")
    report = trial.run(any_session, LEARNING)
    # Pooled, the forty would have learned one line (-0.76) and flagged four thin comments.
    assert (report.compared, report.changed) == (40, 13)
    assert report.transitions == {("publish", "review"): 13}


def test_alerts_and_spot_checks_are_stored(any_session: Session) -> None:
    any_session.add(DriftAlert(label="insult", psi=0.4, recent=60, baseline=300))
    any_session.commit()
    assert drift.recent_alerts(any_session)[0].psi == 0.4
    assert any_session.query(SpotCheck).count() == 0
