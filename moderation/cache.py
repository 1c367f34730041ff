"""What processes keep in memory: values re-read from the database as it changes (the active
policy, the watched-word matcher, the recent articles' vectors), and a bounded memory of recent
lookups (intake's articles, the site keys a web process checked, texts' vectors)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

RELOAD_SECONDS = 10  # how stale a worker's copy of the policy or the word list may get

Read = TypeVar("Read")
Value = TypeVar("Value")
Key = TypeVar("Key", bound=Hashable)


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


class Recent(Generic[Key, Value]):
    """Values kept for `seconds` at most, and only the `items` most recently used of them.
    Safe to share between threads."""

    def __init__(
        self,
        items: int,
        seconds: float = math.inf,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size, self.seconds, self.clock = items, seconds, clock
        self._kept: OrderedDict[Key, tuple[float, Value]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        """The value kept under `key`, unless it is older than `seconds`."""
        with self._lock:
            entry = self._kept.get(key)
            if entry is None or self.clock() - entry[0] >= self.seconds:
                return None
            self._kept.move_to_end(key)
            return entry[1]

    def put(self, key: Key, value: Value) -> None:
        """Keep a value, forgetting the least recently used beyond `items`."""
        with self._lock:
            self._kept[key] = (self.clock(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def items(self) -> list[tuple[Key, Value]]:
        """What is kept, least recently used first (however old)."""
        with self._lock:
            return [(key, value) for key, (_, value) in self._kept.items()]

    def __len__(self) -> int:
        return len(self._kept)
