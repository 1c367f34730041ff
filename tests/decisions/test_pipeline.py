import time
from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from moderation.audit import history
from moderation.decisions.health import scorer_health
from moderation.decisions.pipeline import record_decision, score_and_decide
from moderation.kinds import Action, SignalState
from moderation.models import Comment, Decision, Signal
from moderation.policy.reader import load
from moderation.policy.verdicts import Verdict
from moderation.signals.base import Scorer, ScorerHealth, ScoringInput, SignalResult
from moderation.signals.detoxify.model import DetoxifyOptions
from moderation.signals.detoxify.scorer import DetoxifyScorer
from moderation.signals.relevance.scorer import RelevanceScorer
from tests.support import factories
from tests.support.detoxify_checkpoint import TinyDetoxify

POLICY = load()


@pytest.fixture
def scorers(tiny_detoxify: TinyDetoxify) -> list[Scorer]:
    options = DetoxifyOptions("unbiased", tiny_detoxify.hub_layout, tiny_detoxify.hf_config)
    return [DetoxifyScorer(options), RelevanceScorer(None, None)]


@pytest.mark.parametrize(
    ("body", "status", "first_reason"),
    [
        ("Energy cooperation and shipping trade with Athens make sense.", "published", {"clean"}),
        (
            "The foreign minister is a stupid idiot and a pathetic fool.",
            "rejected",
            {"abusive", "insult"},
        ),
        ("Does anyone have a recipe for banana bread with walnuts?", "review", {"off_topic"}),
    ],
)
@pytest.mark.parametrize("lanes", [1, 2])
def test_each_comment_gets_signals_a_decision_and_an_audit_entry(
    any_session: Session,
    scorers: list[Scorer],
    body: str,
    status: str,
    first_reason: set[str],
    lanes: int,
) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session, body=body)
    [outcome] = score_and_decide(any_session, [comment.id], scorers, POLICY, lanes=lanes)
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert stored.status == status
    assert outcome.action == {"published": "publish", "rejected": "reject"}.get(status, status)
    assert {s.scorer for s in stored.signals} == {"detoxify", "relevance"}
    detoxify = next(s for s in stored.signals if s.scorer == "detoxify")
    assert len(detoxify.scores) == 7 and detoxify.version.startswith("detoxify-0.5.4/")
    [decision] = stored.decisions
    assert decision.decider_name == "policy"
    assert decision.reasons[0]["code"] in first_reason
    assert [e.action for e in history(any_session, "comment", comment.id)][-1] == "comment.decided"


def test_a_second_delivery_changes_nothing(any_session: Session, scorers: list[Scorer]) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    score_and_decide(any_session, [comment.id], scorers, POLICY)
    [again] = score_and_decide(any_session, [comment.id], scorers, POLICY)
    assert again.action is None
    assert len(any_session.scalars(select(Decision)).all()) == 1
    assert len(any_session.scalars(select(Signal)).all()) == 2


def test_a_race_between_two_deliveries_records_one_decision(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    verdict = Verdict(action=Action.PUBLISH, reasons=())
    first = record_decision(any_session, comment.id, "u1", {}, verdict)
    second = record_decision(any_session, comment.id, "u1", {}, verdict)
    assert (first.action, second.action) == ("publish", None)
    assert len(any_session.scalars(select(Decision)).all()) == 1


class Exploding:
    name = "detoxify"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        raise RuntimeError("CUDA out of memory")

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        return ScorerHealth("ok", "boom-1")


def test_a_crashing_scorer_fails_closed_and_the_others_still_run(any_session: Session) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    score_and_decide(any_session, [comment.id], [Exploding(), RelevanceScorer(None, None)], POLICY)
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert stored.status == "review"
    states = {s.scorer: (s.state, s.error) for s in stored.signals}
    assert states["detoxify"] == ("failed", "RuntimeError: CUDA out of memory")
    assert states["relevance"][0] == "ok"
    assert stored.decisions[0].reasons[0]["code"] == "check_failed"


def test_missing_weights_send_comments_to_review_and_are_reported(
    any_session: Session, tmp_path: object
) -> None:
    factories.article(any_session)
    comment = factories.comment(any_session)
    offline = [DetoxifyScorer(DetoxifyOptions("unbiased")), RelevanceScorer(None, None)]
    score_and_decide(any_session, [comment.id], offline, POLICY)
    any_session.expire_all()
    assert any_session.get(Comment, comment.id).status == "review"
    health = scorer_health(any_session)
    assert health["detoxify"].state == "unavailable"
    assert "MODQ_DETOXIFY_CHECKPOINT" in health["detoxify"].detail
    assert health["relevance"].state == "ok"


def test_decisions_name_their_policy_version_and_count_for_the_author(
    any_session: Session, scorers: list[Scorer]
) -> None:
    from moderation.decisions.active_policy import activate, active_policy
    from moderation.models import Author

    factories.article(any_session)
    activate(any_session, "spot_check_share: 0.0\n", "test", note="no spot-checks")
    policy = active_policy(any_session)
    comment = factories.comment(any_session, author_id="writer")
    score_and_decide(any_session, [comment.id], scorers, policy)
    any_session.expire_all()
    [decision] = any_session.get(Comment, comment.id).decisions
    assert decision.policy_version == policy.version and policy.version.startswith("v")
    assert any_session.get(Author, "writer").published == 1


def test_the_identity_guard_sends_an_unconfirmed_rejection_to_review(
    any_session: Session, scorers: list[Scorer]
) -> None:
    # The tiny model knows insults, not groups; declaring "idiot" a group name makes the
    # swap ("scholar") take the abuse away, as swapping a religion does for a biased model.
    policy = load("identity_guard: {terms: {test_group: [idiot, scholar, neighbour]}}")
    factories.article(any_session)
    comment = factories.comment(any_session, body="Energy talks are for every idiot here.")
    [outcome] = score_and_decide(any_session, [comment.id], scorers, policy, scorers[0])
    any_session.expire_all()
    stored = any_session.get(Comment, comment.id)
    assert outcome.action == "review"
    assert stored.decisions[0].reasons[0]["code"] == "identity_bias"
    identity = next(s for s in stored.signals if s.scorer == "identity")
    assert identity.details["names"] == ["idiot"] and identity.scores["toxicity"] < 0.5


class Reporting:
    """A scorer whose health the test sets (record_health asks nothing else of it)."""

    def __init__(self, name: str, state: str = "ok") -> None:
        self.name, self.state = name, state

    def health(self) -> ScorerHealth:
        return ScorerHealth(self.state, f"{self.name}-1")


def test_the_scorers_health_is_read_in_one_query_and_changes_are_stored(
    any_session: Session,
) -> None:
    from moderation.decisions.health import record_health
    from tests.support.recording import statements

    reporting = [Reporting(f"scorer{n}") for n in range(7)]
    record_health(any_session, reporting)
    reporting[3].state = "unavailable"
    any_session.expire_all()
    with statements(any_session.get_bind(), "FROM scorer_status") as read:
        record_health(any_session, reporting)
    assert len(read) == 1, "one query after every batch, not one per scorer"
    health = scorer_health(any_session)
    assert [health[f"scorer{n}"].state for n in range(7)] == ["ok"] * 3 + ["unavailable"] + [
        "ok"
    ] * 3


class DivisibleScorer:
    """An abuse scorer whose batches lanes may share; subclasses say how it scores."""

    name = "detoxify"
    divisible = True
    version = "test-1"

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        clean = {"toxicity": 0.01, "insult": 0.01}
        return [SignalResult(self.name, self.version, SignalState.OK, clean) for _ in inputs]

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        return ScorerHealth("ok", self.version)


class WaitsForTheOther(DivisibleScorer):
    """Scores a comment saying "slow" only once the other comment's decision is stored (or
    after a few seconds): it tells whether the pipeline stores a comment while the lanes
    still score another of its batch."""

    def __init__(self, sessions: sessionmaker[Session], other_id: str) -> None:
        self.sessions, self.other_id = sessions, other_id
        self.other_stored_first: bool | None = None

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        if any("slow" in item.text for item in inputs):
            self.other_stored_first = self._other_stored_within(seconds=3)
        return super().score_batch(inputs)

    def _other_stored_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.sessions() as reader:
                if reader.get(Comment, self.other_id).status != "pending":
                    return True
            time.sleep(0.02)
        return False


def test_a_comment_is_stored_while_another_of_its_batch_is_still_scored(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    factories.article(session)
    # Of equal length, so the lanes share the batch between them, one comment each.
    quick = factories.comment(session, body="Shipping talks make sense, here.", author_id="a")
    slow = factories.comment(session, body="Energy talks are slow in Athens.", author_id="b")
    gate = WaitsForTheOther(session_factory, quick.id)
    outcomes = score_and_decide(session, [quick.id, slow.id], [gate], POLICY, lanes=2)
    assert gate.other_stored_first is True, "the quick comment waited for the slow one"
    assert {o.comment_id for o in outcomes if o.action} == {quick.id, slow.id}
    assert len(session.scalars(select(Decision)).all()) == 2


class Noting(DivisibleScorer):
    """Notes each part it was asked to score; a part of the longest comments (scored first)
    at once, the other parts in 200 ms each."""

    def __init__(self) -> None:
        self.parts: list[list[str]] = []

    @property
    def scored(self) -> list[str]:
        return [comment_id for part in self.parts for comment_id in part]

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        if not any(len(item.text) > 100 for item in inputs):
            time.sleep(0.2)
        self.parts.append([item.comment_id for item in inputs])
        return super().score_batch(inputs)


def test_a_failure_to_store_leaves_no_lane_scoring_for_the_batch(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderation.decisions import pipeline

    factories.article(session)
    ids = [factories.comment(session, body="Energy talks. " * n).id for n in range(1, 9)]
    noting = Noting()

    def unstorable(*_: object) -> list[object]:
        raise OperationalError("INSERT", {}, Exception("the database went away"))

    monkeypatch.setattr(pipeline, "_record", unstorable)
    with pytest.raises(OperationalError):
        score_and_decide(session, ids, [noting], POLICY, lanes=2)
    settled = list(noting.scored)
    time.sleep(0.3)
    assert noting.scored == settled, "a lane went on scoring after the batch had failed"
    # The first part failed to store at once; the part each lane took meanwhile ran out, the
    # last was never started.
    assert len(settled) < len(ids)


def test_a_batch_decided_already_asks_no_scorer(session: Session) -> None:
    factories.article(session)
    comment = factories.comment(session)
    record_decision(session, comment.id, "u1", {}, Verdict(action=Action.PUBLISH, reasons=()))
    noting = Noting()
    [outcome] = score_and_decide(session, [comment.id], [noting], POLICY, lanes=2)
    assert outcome.action is None and noting.parts == []
