"""What tests and benchmarks watch: a clock they move by hand, the SQL statements sent to a
database, and the rows its answers brought back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


class Clock:
    """A clock that moves only when a test sets `now`."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextmanager
def statements(bind: Any, containing: str) -> Iterator[list[str]]:
    """The statements containing `containing` sent through `bind` (an engine or connection)
    while the block runs."""
    seen: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if containing in statement:
            seen.append(statement)

    with _listening(bind, "before_cursor_execute", record):
        yield seen


@contextmanager
def rows_returned(bind: Any) -> Iterator[list[int]]:
    """How many rows each SELECT through `bind` (an engine or connection) returned while the
    block runs (the driver's row count: PostgreSQL's, not SQLite's, which is -1)."""
    counts: list[int] = []

    def record(_connection: object, cursor: Any, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            counts.append(int(cursor.rowcount))

    with _listening(bind, "after_cursor_execute", record):
        yield counts


@contextmanager
def _listening(bind: Any, name: str, listener: Callable[..., None]) -> Iterator[None]:
    event.listen(bind, name, listener)
    try:
        yield
    finally:
        event.remove(bind, name, listener)
