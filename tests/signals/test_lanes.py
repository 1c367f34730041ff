import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings, load_settings
from moderation.kinds import SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult, run_scorers
from moderation.signals.lanes import as_done, default_lanes, set_torch_threads, usable_cpus
from moderation.wiring import lanes, offline_scorers
from tests.support.signals import ok

INPUTS = [ScoringInput("c1", "first", "", ""), ScoringInput("c2", "second", "", "")]
T = TypeVar("T")


def side_by_side(work: Callable[[int], T], items: list[int], count: int) -> list[T]:
    """The results of `count` lanes, in the items' order."""
    done = dict(as_done(work, items, count))
    return [done[index] for index in range(len(items))]


class MeetingScorer:
    """Scores only once its partner is scoring too: run one after the other, both time out."""

    def __init__(self, name: str, meeting: threading.Barrier) -> None:
        self.name, self.meeting = name, meeting
        self.threads: set[str] = set()

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        self.threads.add(threading.current_thread().name)
        self.meeting.wait()
        return [ok(self.name, {"score": 0.5}) for _ in inputs]

    def warm_up(self) -> None:
        pass

    def health(self) -> ScorerHealth:
        raise NotImplementedError


class BrokenScorer(MeetingScorer):
    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        self.meeting.wait()
        raise RuntimeError("model fell over")


def test_two_lanes_run_the_two_models_at_the_same_time() -> None:
    meeting = threading.Barrier(2, timeout=5)
    first, second = MeetingScorer("detoxify", meeting), MeetingScorer("relevance", meeting)
    results = run_scorers([first, second], INPUTS, lanes=2)
    assert [sorted(r) for r in results] == [["detoxify", "relevance"]] * 2
    assert first.threads != second.threads


def test_one_lane_runs_them_one_after_the_other() -> None:
    meeting = threading.Barrier(2, timeout=0.2)
    first, second = MeetingScorer("detoxify", meeting), MeetingScorer("relevance", meeting)
    results = run_scorers([first, second], INPUTS, lanes=1)
    # Alone at the meeting, each scorer timed out: proof that they did not overlap.
    assert {r[name].state for r in results for name in r} == {SignalState.FAILED}


def test_a_crash_in_one_lane_is_a_failed_signal_and_the_other_lane_still_scores() -> None:
    meeting = threading.Barrier(2, timeout=5)
    broken, fine = BrokenScorer("detoxify", meeting), MeetingScorer("relevance", meeting)
    [one, _] = run_scorers([broken, fine], INPUTS, lanes=2)
    assert one["detoxify"].state is SignalState.FAILED
    assert "model fell over" in (one["detoxify"].error or "")
    assert one["relevance"].ok and one["relevance"].duration_ms > 0


def test_results_name_their_item_and_keep_the_callers_context() -> None:
    batch = contextvars.ContextVar("batch", default="none")
    batch.set("b-17")
    found = list(as_done(lambda n: (n * 10, batch.get()), list(range(7)), lanes=2))
    assert sorted(found) == [(n, (n * 10, "b-17")) for n in range(7)]


def test_closed_early_the_lanes_start_nothing_more_and_finish_what_runs() -> None:
    started: list[int] = []

    def slow(n: int) -> int:
        started.append(n)
        time.sleep(0.2 if n else 0.0)  # item 0 ends at once, the others take a while
        return n

    done = as_done(slow, list(range(6)), lanes=2)
    assert next(done) == (0, 0)
    done.close()
    running = list(started)
    time.sleep(0.3)
    assert started == running and len(running) < 6, "a lane went on after the close"


class Overlap:
    """Counts the calls running at once."""

    def __init__(self) -> None:
        self.lock, self.running, self.most = threading.Lock(), 0, 0

    def work(self, n: int) -> int:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        return n


@pytest.mark.parametrize("lanes", [1, 2])
def test_batches_scored_at_the_same_time_share_the_processs_lanes(lanes: int) -> None:
    # A worker's threads pool scores two batches at once: together they must not run more
    # models than there are lanes (one lane ran in each caller's thread: two at once).
    overlap = Overlap()
    callers = [
        threading.Thread(target=side_by_side, args=(overlap.work, list(range(6)), lanes))
        for _ in range(3)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert overlap.most == lanes


def test_a_lane_that_scores_with_lanes_of_its_own_runs_them_itself() -> None:
    # One lane, asked from that lane, would wait for itself for ever: asked in a thread that
    # the test gives up on, so that a hang fails.
    nested: list[list[int]] = []
    asker = threading.Thread(
        target=lambda: nested.extend(
            side_by_side(lambda n: side_by_side(lambda m: m + n, [1, 2], 1), [10], 1)
        ),
        daemon=True,
    )
    asker.start()
    asker.join(10)
    assert nested == [[11, 12]]


def test_no_lanes_runs_every_call_in_the_callers_thread() -> None:
    # The web's second thought shares no lanes between its request threads.
    caller = threading.current_thread().name
    assert side_by_side(lambda _: threading.current_thread().name, [0, 1, 2], 0) == [caller] * 3


def test_a_lane_thread_follows_the_callers_torch_threads_even_after_an_earlier_batch() -> None:
    # Found by CI: lane threads that had used torch before the count was set kept one
    # thread per core, so two lanes asked for three or four busy threads on two cores.
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)

    def parallel_work(_: int) -> int:
        matrix = torch.randn(512, 512)
        (matrix @ matrix).exp().sum()  # large enough for torch to start its parallel threads
        return int(torch.get_num_threads())

    try:
        assert side_by_side(parallel_work, [0, 1, 2, 3], 2) == [2, 2, 2, 2]
        set_torch_threads(1)
        assert side_by_side(lambda _: torch.get_num_threads(), [0, 1], 2) == [1, 1]
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("torch_threads", "cpus", "expected"), [(1, 2, 2), (1, 8, 2), (1, 1, 1), (0, 2, 1), (2, 4, 1)]
)
def test_two_lanes_only_where_torch_keeps_to_one_thread_and_there_are_two_cpus(
    torch_threads: int, cpus: int, expected: int
) -> None:
    assert default_lanes(torch_threads, cpus) == expected


def test_the_setting_overrides_the_default() -> None:
    settings = load_settings({}, torch_threads=0, secret_key="x")
    assert lanes(settings) == 1
    assert lanes(replace(settings, scorer_lanes=3)) == 3


@pytest.mark.parametrize(
    ("quota", "at_most"), [("max 100000", 10**6), ("50000 100000", 1), ("150000 100000", 2)]
)
def test_a_cgroup_quota_bounds_the_cpus_counted(tmp_path: Path, quota: str, at_most: int) -> None:
    limit = tmp_path / "cpu.max"
    limit.write_text(quota + "\n")
    everything = usable_cpus(tmp_path / "missing")
    assert usable_cpus(limit) == min(everything, at_most)


def test_building_the_scorers_sets_torchs_threads_before_any_model_loads(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        offline_scorers(replace(settings, torch_threads=1), session_factory)
        assert torch.get_num_threads() == 1
        assert side_by_side(lambda _: torch.get_num_threads(), [0, 1], 2) == [1, 1]
    finally:
        torch.set_num_threads(before)
