"""On-topic lines learned from the site's published comments, and what moderators say of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.accounts import create_moderator
from moderation.comments.validation import ArticleData
from moderation.db import utcnow
from moderation.decisions.pending import pending
from moderation.decisions.pipeline import record_decision
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, RelevanceMethod, ScorerName, SignalState
from moderation.learning import calibration, topic_lines
from moderation.learning.models import TopicLine
from moderation.policy.reader import load
from moderation.policy.verdicts import Reason, Verdict
from moderation.signals.base import SignalResult
from tests.support import factories

VERSION = "semantic-3/test-model"
POLICY = load("on_topic: {learn_after: 20, max_flag_share: 0.1}")


def scored(
    session: Session,
    score: float,
    action: Action = Action.PUBLISH,
    article: str = "a1",
    flagged: bool = False,
    version: str = VERSION,
    site: str = "test",
) -> str:
    """A comment decided by the policy with a semantic relevance signal (on the site `site`)."""
    comment = factories.comment(
        session, f"Comment scoring {score}.", article, author_id="u9", site_name=site
    )
    relevance = SignalResult(
        ScorerName.RELEVANCE,
        version,
        SignalState.OK,
        {"on_topic": score},
        {"confidence": 1.0, "method": RelevanceMethod.SEMANTIC, "language": "en"},
    )
    detoxify = SignalResult(ScorerName.DETOXIFY, "v", SignalState.OK, {"toxicity": 0.01})
    code = "off_topic" if flagged else "clean"
    verdict = Verdict(action, (Reason(code, "test", action),), "v1")
    signals = {ScorerName.RELEVANCE: relevance, ScorerName.DETOXIFY: detoxify}
    record_decision(session, comment.id, "u9", signals, verdict)
    return comment.id


def test_the_learned_line_moves_when_the_history_moves(any_session: Session) -> None:
    factories.article(any_session)
    for n in range(30):
        scored(any_session, 0.5 + n / 100)
    first = topic_lines.recompute(any_session, POLICY)
    for n in range(30):
        scored(any_session, -0.5 + n / 100)
    second = topic_lines.recompute(any_session, POLICY)
    site_first, site_second = first[0], second[0]
    assert site_first.section == "" and first[1].section == "World"
    assert site_first.line == pytest.approx(0.53)  # 3 of the 30 published comments fall below
    assert site_second.line == pytest.approx(-0.44)  # 6 of the 60 fall below
    assert (site_second.comments, site_second.share) == (60, 0.1)
    site_id = factories.site(any_session).id
    current = topic_lines.current_lines(any_session, site_id)
    assert current[""].value == pytest.approx(-0.44) and current[""].version == VERSION
    history = topic_lines.history(any_session, site_id)[""]
    assert [line for _, line in history] == pytest.approx([0.53, -0.44])


def test_old_computations_are_deleted_as_new_ones_are_stored(any_session: Session) -> None:
    factories.article(any_session)
    for n in range(20):
        scored(any_session, n / 10)
    first = topic_lines.recompute(any_session, POLICY)
    for row in first:  # as if computed long ago, and a month ago
        row.computed_at = utcnow() - timedelta(days=topic_lines.KEEP_DAYS + 1)
    month_ago = topic_lines.recompute(any_session, POLICY)
    for row in month_ago:
        row.computed_at = utcnow() - timedelta(days=topic_lines.HISTORY_DAYS)
    any_session.commit()
    newest = topic_lines.recompute(any_session, POLICY)
    kept = any_session.scalars(select(TopicLine.id).order_by(TopicLine.id)).all()
    assert kept == sorted(row.id for row in month_ago + newest)
    site_id = factories.site(any_session).id
    assert [row.id for row in topic_lines.latest(any_session, site_id)] == [
        row.id for row in newest
    ]


def test_the_built_in_line_holds_until_enough_comments_are_published(
    any_session: Session,
) -> None:
    factories.article(any_session)
    for n in range(19):
        scored(any_session, n / 10)
    [row] = topic_lines.recompute(any_session, POLICY)  # the site's row, none for World
    assert (row.section, row.line, row.comments) == ("", None, 19)
    assert topic_lines.current_lines(any_session, factories.site(any_session).id) == {}
    comment = factories.comment(any_session, "A new comment.")
    assert pending(any_session, [comment.id])[0].context.topic_line is None


def test_a_section_with_enough_comments_gets_its_own_line(any_session: Session) -> None:
    factories.article(any_session)  # section World
    sport = ArticleData("Cup final", "https://e.org/cup", "The final went to penalties.", "Sport")
    factories.article(any_session, "a2", sport)
    for n in range(20):
        scored(any_session, 0.8 + n / 100)
        scored(any_session, n / 100, article="a2")
    rows = {r.section: r.line for r in topic_lines.recompute(any_session, POLICY)}
    assert rows == pytest.approx({"": 0.04, "Sport": 0.02, "World": 0.82})
    comment = factories.comment(any_session, "On the final.", "a2")
    line = pending(any_session, [comment.id])[0].context.topic_line
    assert line is not None and (line.section, line.value) == ("Sport", pytest.approx(0.02))


def test_only_the_newest_scorer_version_teaches_the_line(any_session: Session) -> None:
    factories.article(any_session)
    for n in range(25):
        scored(any_session, 5 + n / 10, version="semantic-2/old-model")
    for n in range(20):
        scored(any_session, n / 10)
    row = topic_lines.recompute(any_session, POLICY)[0]
    assert (row.comments, row.scorer_version, row.line) == (20, VERSION, pytest.approx(0.2))


def test_each_site_learns_its_line_from_its_own_comments(any_session: Session) -> None:
    factories.article(any_session, "long-1", site_name="long")  # long articles: high scores
    factories.article(any_session, "thin-1", site_name="thin")  # title-only: low scores
    for n in range(30):
        scored(any_session, 0.5 + n / 100, article="long-1", site="long")
        scored(any_session, -0.8 + n / 100, article="thin-1", site="thin")
    rows = topic_lines.recompute(any_session, POLICY)
    long, thin = factories.site(any_session, "long").id, factories.site(any_session, "thin").id
    learned = {(r.site_id, r.section): (r.line, r.comments) for r in rows}
    # 3 of each site's 30 comments fall below its line; pooled, 6 of 60 fall below -0.74.
    assert learned == {
        (long, ""): (pytest.approx(0.53), 30),
        (long, "World"): (pytest.approx(0.53), 30),
        (thin, ""): (pytest.approx(-0.77), 30),
        (thin, "World"): (pytest.approx(-0.77), 30),
    }
    assert topic_lines.current_lines(any_session, long)[""].value == pytest.approx(0.53)
    assert topic_lines.current_lines(any_session, thin)[""].value == pytest.approx(-0.77)
    assert [v for _, v in topic_lines.history(any_session, thin)[""]] == pytest.approx([-0.77])


def test_a_site_without_published_comments_keeps_the_built_in_line(any_session: Session) -> None:
    factories.article(any_session, "busy-1", site_name="busy")
    quiet = factories.site(any_session, "quiet").id
    for n in range(30):
        scored(any_session, 0.5 + n / 100, article="busy-1", site="busy")
    rows = topic_lines.recompute(any_session, POLICY)
    [row] = [r for r in rows if r.site_id == quiet]
    assert (row.section, row.line, row.comments) == ("", None, 0)
    assert topic_lines.current_lines(any_session, quiet) == {}
    assert topic_lines.history(any_session, quiet) == {}


def test_calibration_says_when_moderators_publish_off_topic_flags(any_session: Session) -> None:
    factories.article(any_session)
    moderator = create_moderator(any_session, "sam", "long enough password")
    for n in range(100):
        scored(any_session, n / 100)  # the site's published comments: 0.00 to 0.99
    for n in range(10):  # flagged: the lowest three rejected, the other seven published
        comment_id = scored(any_session, -0.5 + n / 100, Action.REVIEW, flagged=True)
        action = Action.REJECT if n < 3 else Action.PUBLISH
        decide_as_moderator(any_session, comment_id, moderator, action)
    report = calibration.report(calibration.cases(any_session, 30), POLICY)["on_topic"]
    assert report["flagged_decided"] == 10
    assert (report["moderators_published"], report["moderators_rejected"]) == (7, 3)
    assert report["too_strict"] is True
    # Under -0.44 moderators rejected half of the flags (3 of 6); of the 107 published
    # comments, 3 score below it.
    assert report["suggested_share"] == round(3 / 107, 4)


def test_without_a_line_that_holds_the_share_shrinks_with_the_flags_precision(
    any_session: Session,
) -> None:
    factories.article(any_session)
    moderator = create_moderator(any_session, "sam", "long enough password")
    for n in range(10):  # moderators published every flag but the highest two
        comment_id = scored(any_session, -0.5 + n / 100, Action.REVIEW, flagged=True)
        action = Action.PUBLISH if n < 8 else Action.REJECT
        decide_as_moderator(any_session, comment_id, moderator, action)
    report = calibration.report(calibration.cases(any_session, 30), POLICY)["on_topic"]
    assert report["suggested_share"] == pytest.approx(0.1 * 2 / 10)


def test_calibration_is_quiet_when_moderators_agree_with_the_flags(any_session: Session) -> None:
    factories.article(any_session)
    moderator = create_moderator(any_session, "sam", "long enough password")
    for n in range(6):
        comment_id = scored(any_session, -0.5 - n / 100, Action.REVIEW, flagged=True)
        decide_as_moderator(any_session, comment_id, moderator, Action.REJECT)
    report = calibration.report(calibration.cases(any_session, 30), POLICY)["on_topic"]
    assert report["too_strict"] is False and report["suggested_share"] is None
