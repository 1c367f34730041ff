"""What workers keep in memory and re-read from the database as it changes: the active policy,
the watched-word matcher, the recent articles' vectors. One helper for all of them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

RELOAD_SECONDS = 10  # how stale a worker's copy of the policy or the word list may get

Read = TypeVar("Read")
Value = TypeVar("Value")


class Reloaded(Generic[Read, Value]):
    """A value built from a database read, read again at most every `seconds`; the value is
    rebuilt only when what was read changed. Safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        read: Callable[[Session], Read],
        build: Callable[[Read], Value],
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions, self.read, self.build = sessions, read, build
        self.seconds, self.clock = seconds, clock
        self._lock = threading.Lock()
        self._last: tuple[Read, Value] | None = None
        self._read_at = -1e9

    def __call__(self) -> Value:
        """The value, as of at most `seconds` ago."""
        with self._lock:
            if self._last is None or self.clock() - self._read_at >= self.seconds:
                with self.sessions() as session:
                    fresh = self.read(session)
                if self._last is None or fresh != self._last[0]:
                    self._last = (fresh, self.build(fresh))
                self._read_at = self.clock()
            return self._last[1]
