"""One way to load a model: lazily, once per process, retried after a failure.

A model that failed to load (a file on a network mount not there yet, a broken install) is tried
again after a wait that starts at a few seconds and doubles up to a ceiling, and at once when
the files it reads change; a loaded model whose files change is loaded again. Every scorer that
needs a model (Detoxify, the embedding model, the lexical model) holds one `LazyModel`.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from moderation.allocator import release_free_memory
from moderation.kinds import ScorerState

log = logging.getLogger(__name__)
T = TypeVar("T")
FIRST_RETRY_SECONDS = 2.0

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(paths: Iterable[Path]) -> Fingerprint:
    """(path, size, mtime) of each file, and of each file directly inside each folder; a
    missing path counts as size -1, so its arrival changes the fingerprint."""
    found: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            files = sorted(path.iterdir()) if path.is_dir() else [path]
            for file in files:
                stat = file.stat()
                found.append((str(file), stat.st_size, stat.st_mtime_ns))
        except OSError:
            found.append((str(path), -1, 0))
    return tuple(found)


class LazyModel(Generic[T]):
    """A model loaded on first use; `get()` returns it, or None while it cannot be loaded."""

    def __init__(
        self,
        load: Callable[[], T],
        *,
        what: str,
        watched: Iterable[Path] = (),
        max_retry_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self.what, self.clock = load, what, clock
        self.watched = tuple(Path(os.path.expanduser(p)) for p in watched)
        self.max_retry_seconds = max_retry_seconds
        self.model: T | None = None
        self.problem: str | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._seen: Fingerprint = ()
        # Lanes may ask for the same model at once (a divisible scorer's parts): one loads it,
        # the other waits for it, instead of both loading a copy. Not reentrant: a loader
        # must not call get().
        self._loading = threading.Lock()

    def get(self) -> T | None:
        """The model, loading it if it is due: never loaded, its files changed, or its wait
        after a failure is over."""
        with self._loading:
            current = fingerprint(self.watched)
            due = self.model is None and self.clock() >= self._retry_at
            if current != self._seen or due:
                self._seen = current
                self._try_load()
            return self.model

    def _try_load(self) -> None:
        started = time.perf_counter()
        try:
            loaded = self._load()
        except Exception as exc:  # a broken model must not stop the other scorers
            self._failed(exc)
            return
        self.model, self.problem, self._failures = loaded, None, 0
        log.info("loaded %s in %.1fs", self.what, time.perf_counter() - started)
        settle_memory()

    def _failed(self, exc: Exception) -> None:
        self._failures += 1
        wait = min(FIRST_RETRY_SECONDS * 2 ** (self._failures - 1), self.max_retry_seconds)
        self._retry_at = self.clock() + wait
        self.problem = str(exc) or type(exc).__name__
        kept = "; keeping the model already loaded" if self.model is not None else ""
        log.error("%s could not load: %s (next try in %.0fs%s)", self.what, exc, wait, kept)

    @property
    def state(self) -> ScorerState:
        """ok once loaded, unavailable after a failed load, not_loaded before any try."""
        if self.model is not None:
            return ScorerState.OK
        return ScorerState.UNAVAILABLE if self.problem is not None else ScorerState.NOT_LOADED


def settle_memory() -> None:
    """Free what loading left behind (a checkpoint read, fp32 layers replaced by int8 ones, a
    model loaded again) and hand it back to the system, before the next model loads on top.
    Kept in glibc's heap, it was 344 MB of an int8 BERT-base Detoxify's load, and the next
    model's load set the worker's peak memory (README, "Memory of a scoring worker")."""
    gc.collect()  # modules that were replaced hold their weights in reference cycles
    release_free_memory()
