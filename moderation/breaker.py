"""A circuit breaker: after a call fails, further calls are skipped for a pause instead of each
paying for a connection attempt; then one call tries again, and success closes it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class CircuitOpen(Exception):
    """The call was not made, or failed, while the service is known to be unavailable."""


class CircuitBreaker:
    """Closed: calls go through. Open (after a failure): calls are skipped until `pause`
    seconds have passed; then one call probes, and its success closes the breaker. An outage
    is logged once when it begins and once when it ends."""

    def __init__(
        self, name: str, pause: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name, self.pause, self._clock = name, pause, clock
        self._lock = threading.Lock()
        self._retry_at: float | None = None  # None while closed
        self._probing = False

    @property
    def is_open(self) -> bool:
        """True while the last call failed and none has succeeded since."""
        return self._retry_at is not None

    def call(self, action: Callable[[], T]) -> T:
        """Run `action`, or raise CircuitOpen without running it while the breaker is open."""
        self._admit()
        try:
            result = action()
        except Exception as exc:
            self._failed(exc)
            raise CircuitOpen(f"{self.name} unavailable: {exc}") from exc
        self._succeeded()
        return result

    def _admit(self) -> None:
        with self._lock:
            if self._retry_at is None:
                return
            if self._probing or self._clock() < self._retry_at:
                raise CircuitOpen(f"{self.name} unavailable: skipped while the breaker is open")
            self._probing = True  # this call is the one that tries again

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            began = self._retry_at is None
            self._retry_at, self._probing = self._clock() + self.pause, False
        if began:
            log.warning(
                "%s unavailable (%s): calls are skipped and tried again every %gs",
                self.name,
                exc,
                self.pause,
            )

    def _succeeded(self) -> None:
        with self._lock:
            ended = self._retry_at is not None
            self._retry_at, self._probing = None, False
        if ended:
            log.warning("%s available again", self.name)
