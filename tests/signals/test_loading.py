"""One way to load a model: lazily, retried with a growing wait, at once when files change."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from moderation.kinds import ScorerState
from moderation.signals.loading import FIRST_RETRY_SECONDS, LazyModel


class FlakyLoad:
    """A load that fails `failures` times, then returns the number of the attempt."""

    def __init__(self, failures: int) -> None:
        self.failures, self.attempts = failures, 0

    def __call__(self) -> int:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise OSError(f"not there yet (attempt {self.attempts})")
        return self.attempts


def test_a_load_that_fails_once_is_retried_after_a_short_wait() -> None:
    clock = [0.0]
    load = FlakyLoad(failures=1)
    model = LazyModel(load, what="test model", max_retry_seconds=300, clock=lambda: clock[0])
    assert model.state is ScorerState.NOT_LOADED
    assert model.get() is None
    assert model.state is ScorerState.UNAVAILABLE and "attempt 1" in (model.problem or "")
    assert model.get() is None and load.attempts == 1, "no new attempt inside the wait"
    clock[0] = FIRST_RETRY_SECONDS
    assert model.get() == 2
    assert model.state is ScorerState.OK and model.problem is None
    assert model.get() == 2 and load.attempts == 2, "loaded once, then kept"


def test_the_wait_doubles_up_to_the_ceiling() -> None:
    clock = [0.0]
    load = FlakyLoad(failures=100)
    model = LazyModel(load, what="test model", max_retry_seconds=10, clock=lambda: clock[0])
    tried_at = []
    for second in range(0, 60):
        clock[0] = float(second)
        before = load.attempts
        model.get()
        if load.attempts > before:
            tried_at.append(second)
    assert tried_at[:5] == [0, 2, 6, 14, 24], "waits of 2, 4, 8, then the 10 s ceiling"


def test_files_that_appear_end_the_wait_at_once(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"

    def load() -> bytes:
        return weights.read_bytes()

    model = LazyModel(load, what="test model", watched=[weights], clock=lambda: 0.0)
    assert model.get() is None
    weights.write_bytes(b"v1")
    assert model.get() == b"v1"


def test_a_loaded_model_is_loaded_again_when_its_files_change(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights").write_bytes(b"v1")

    def load() -> bytes:
        return (folder / "weights").read_bytes()

    model = LazyModel(load, what="test model", watched=[folder], clock=lambda: 0.0)
    assert model.get() == b"v1"
    (folder / "weights").write_bytes(b"version 2")
    assert model.get() == b"version 2"


def test_a_failed_reload_keeps_the_model_already_loaded(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"v1")

    def load() -> bytes:
        data = weights.read_bytes()
        if data == b"broken":
            raise ValueError("truncated file")
        return data

    model = LazyModel(load, what="test model", watched=[weights], clock=lambda: 0.0)
    assert model.get() == b"v1"
    weights.write_bytes(b"broken")
    assert model.get() == b"v1"
    assert model.problem == "truncated file"


def test_two_threads_asking_at_once_load_the_model_once() -> None:
    # Lanes share Detoxify's batch, so two threads can ask for a model that is not loaded
    # yet; each used to start a load of its own (two copies of BERT in memory).
    loads: list[int] = []
    asked_again = threading.Event()

    def clock() -> float:
        if loads:  # a second caller got as far as the wait check while the first loads
            asked_again.set()
        return 0.0

    def slow_load() -> int:
        loads.append(1)
        asked_again.wait(0.5)  # time for a second caller that nothing holds back
        return len(loads)

    model = LazyModel(slow_load, what="test model", clock=clock)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(model.get)
        while not loads:
            time.sleep(0.005)
        second = pool.submit(model.get)
        assert (first.result(), second.result()) == (1, 1)
    assert len(loads) == 1
