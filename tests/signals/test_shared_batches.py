"""A divisible scorer's batch shared between lanes (signals/base.py run_scorers)."""

import itertools
import random
import threading
from collections.abc import Sequence

import pytest

from moderation.kinds import SignalState
from moderation.signals.base import (
    ScorerHealth,
    ScoringInput,
    SignalResult,
    length_parts,
    run_scorers,
)
from tests.support.signals import ok

WORDS = "the council vote on housing was delayed again after a long debate".split()


def inputs(count: int, seed: int = 7) -> list[ScoringInput]:
    rng = random.Random(seed)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(1, 60))) for _ in range(count)]
    return [ScoringInput(f"c{i}", text, "", "") for i, text in enumerate(texts)]


class NumberScorer:
    """Scores each comment with the number in its id; its calls pair up at `meeting`, so a
    call made while no other is running times out and the batch fails."""

    divisible = True

    def __init__(self, meeting: threading.Barrier | None = None, fails_on: str = "") -> None:
        self.name, self.meeting, self.fails_on = "detoxify", meeting, fails_on
        self.calls: list[tuple[str, int]] = []

    def score_batch(self, batch: Sequence[ScoringInput]) -> list[SignalResult]:
        self.calls.append((threading.current_thread().name, len(batch)))
        if self.meeting is not None:
            self.meeting.wait()
        if self.fails_on in [item.comment_id for item in batch]:
            raise RuntimeError("model fell over")
        return [ok(self.name, {"number": float(item.comment_id[1:])}) for item in batch]

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        raise NotImplementedError


class QuickScorer(NumberScorer):
    divisible = False

    def __init__(self) -> None:
        super().__init__()
        self.name = "relevance"


def test_two_lanes_share_the_divisible_scorers_batch_and_each_comment_keeps_its_result() -> None:
    batch = inputs(64)
    divisible, other = NumberScorer(threading.Barrier(2, timeout=5)), QuickScorer()
    results = run_scorers([divisible, other], batch, lanes=2)
    # Its parts met in pairs: two lanes ran it at the same time (in one call, it times out).
    assert {r["detoxify"].state for r in results} == {SignalState.OK}
    assert [r["detoxify"].scores["number"] for r in results] == list(range(64))
    assert len(divisible.calls) == 4 and len({thread for thread, _ in divisible.calls}) == 2
    assert sum(size for _, size in divisible.calls) == len(batch), "each comment scored once"
    assert other.calls == [(other.calls[0][0], len(batch))], "the other scorer: one call"
    assert all(r["detoxify"].duration_ms > 0 for r in results)


def test_a_part_that_fails_fails_only_its_own_comments() -> None:
    batch = inputs(64)
    parts = length_parts([len(item.text) for item in batch], 4)
    doomed = set(next(part for part in parts if 5 in part))
    divisible = NumberScorer(fails_on="c5")
    results = run_scorers([divisible, QuickScorer()], batch, lanes=2)
    failed = {i for i, r in enumerate(results) if r["detoxify"].state is SignalState.FAILED}
    assert failed == doomed and 0 < len(doomed) < 64
    assert all(r["relevance"].ok for r in results)


def test_one_lane_scores_the_whole_batch_in_one_call() -> None:
    divisible = NumberScorer()
    run_scorers([divisible, QuickScorer()], inputs(64), lanes=1)
    assert [size for _, size in divisible.calls] == [64]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parts_are_runs_of_similar_lengths_of_about_the_same_total(seed: int) -> None:
    batch = inputs(128, seed)
    parts = length_parts([len(i.text) for i in batch], 4)
    assert len(parts) == 4
    assert sorted(i for part in parts for i in part) == list(range(128))
    lengths = [[len(batch[i].text) for i in part] for part in parts]
    for shorter, longer in itertools.pairwise(lengths):
        assert max(shorter) <= min(longer)
    totals = [sum(part) for part in lengths]
    assert max(totals) - min(totals) <= 2 * max(max(part) for part in lengths) + 2


def test_a_small_batch_is_shared_too_down_to_a_comment_per_part() -> None:
    # A steady trickle makes batches of a few short comments: kept whole, they left the
    # second lane idle.
    assert length_parts([30, 10, 20], 4) == [(1, 2), (0,)]  # about the same total length
    assert length_parts([50, 50], 4) == [(0,), (1,)]
    assert length_parts([50], 4) == [(0,)]
    long_ones = [3000] * 4 + [10] * 4  # four parts of about one long text each
    assert [len(part) for part in length_parts(long_ones, 4)] == [5, 1, 1, 1]
