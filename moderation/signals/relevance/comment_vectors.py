"""Comments' embeddings, kept once they are computed.

Every comment is embedded once, when it is scored; the vector is stored, so a later reply
reads its parent's and its thread opener's vectors instead of embedding their text again, and
the discussion evidence reads the published comments' vectors of an article. The database
store serves the workers; the memory store serves `modq eval`, where discussions come as texts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from moderation.db import insert_ignoring_conflicts
from moderation.kinds import CommentStatus
from moderation.models import Comment
from moderation.signals.relevance.models import CommentEmbedding

DISCUSSION_COMMENTS = 100  # newest published comments of an article read as its discussion
OTHER_DISCUSSIONS = 50  # most recently active other articles compared with
OTHERS_SECONDS = 60  # how long a worker reuses the other discussions before reading them again
# Storing a vector checks its comment exists, which waits for anyone holding that comment's row
# (a moderator's claim, a decision in progress); a stored vector only saves work later, so the
# scorer waits this long at most and leaves it unstored.
STORE_LOCK_TIMEOUT = "1s"

log = logging.getLogger(__name__)


class CommentVectors(Protocol):
    """Where comments' embeddings are kept between batches."""

    def stored(self, model: str, ids: Collection[str]) -> dict[str, Any]:
        """The stored vectors of these comments, by id (those not stored are left out)."""
        ...

    def keep(self, model: str, vectors: Mapping[str, Any]) -> None:
        """Store vectors by comment id (ones already stored are left as they are)."""
        ...

    def discussions(self, model: str, article_ids: Collection[str]) -> dict[str, Any]:
        """Each article's published comments' vectors (rows, newest first)."""
        ...

    def others(self, model: str, article_id: str) -> list[Any]:
        """Other recently discussed articles' published comments' vectors."""
        ...


class MemoryComments:
    """For `modq eval` and tests: nothing is kept between batches (examples have no lasting
    ids), and the discussions remembered serve as the other articles' discussions."""

    def __init__(self) -> None:
        self._discussions: dict[str, Any] = {}

    def stored(self, model: str, ids: Collection[str]) -> dict[str, Any]:
        """Nothing."""
        return {}

    def keep(self, model: str, vectors: Mapping[str, Any]) -> None:
        """Nothing is kept."""

    def remember(self, article_id: str, vectors: Any) -> None:
        """An article's discussion (rows, newest first), for comparing other articles'."""
        self._discussions[article_id] = vectors[:DISCUSSION_COMMENTS]

    def discussions(self, model: str, article_ids: Collection[str]) -> dict[str, Any]:
        """None: in an evaluation, an example's discussion is the one it carries."""
        return {}

    def others(self, model: str, article_id: str) -> list[Any]:
        """Every other remembered discussion."""
        found = [v for a, v in self._discussions.items() if a != article_id]
        return found[-OTHER_DISCUSSIONS:]


class DatabaseComments:
    """Vectors in the comment_embeddings table, shared by every worker."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.sessions, self.clock = sessions, clock
        self._lock = threading.Lock()
        self._others: dict[str, Any] = {}
        self._read_at = -1e9

    def stored(self, model: str, ids: Collection[str]) -> dict[str, Any]:
        """One query for the whole batch."""
        if not ids:
            return {}
        query = select(CommentEmbedding.comment_id, CommentEmbedding.vector).where(
            CommentEmbedding.comment_id.in_(list(ids)), CommentEmbedding.model == model
        )
        with self.sessions() as session:
            return {row.comment_id: _vector(row.vector) for row in session.execute(query)}

    def keep(self, model: str, vectors: Mapping[str, Any]) -> None:
        """Insert the vectors not stored yet (a second delivery stores nothing twice); when a
        comment's row stays locked, store nothing now (the vector is computed again later)."""
        if not vectors:
            return
        rows = [
            {"comment_id": key, "model": model, "vector": _bytes(vector)}
            for key, vector in vectors.items()
        ]
        with self.sessions() as session:
            try:
                _wait_briefly_for_locks(session)
                session.execute(insert_ignoring_conflicts(session, CommentEmbedding), rows)
                session.commit()
            except OperationalError as exc:
                session.rollback()
                log.warning("%d comment embeddings not stored: %s", len(rows), exc.orig)

    def discussions(self, model: str, article_ids: Collection[str]) -> dict[str, Any]:
        """Read now: a comment published a second ago is part of the discussion."""
        with self.sessions() as session:
            found = {a: _discussion(session, model, int(a)) for a in article_ids if a.isdigit()}
        return {a: v for a, v in found.items() if len(v)}

    def others(self, model: str, article_id: str) -> list[Any]:
        """The most recently active discussions, re-read at most every minute."""
        with self._lock:
            if self.clock() - self._read_at >= OTHERS_SECONDS:
                with self.sessions() as session:
                    self._others = {
                        str(a): _discussion(session, model, a) for a in _active(session)
                    }
                self._read_at = self.clock()
            return [v for a, v in self._others.items() if a != article_id and len(v)]


def _active(session: Session) -> list[int]:
    """Articles with the most recently decided published comments."""
    newest = func.max(Comment.decided_at)
    query = (
        select(Comment.article_id)
        .where(Comment.status == CommentStatus.PUBLISHED)
        .group_by(Comment.article_id)
        .order_by(newest.desc())
        .limit(OTHER_DISCUSSIONS + 1)
    )
    return list(session.scalars(query))


def _discussion(session: Session, model: str, article_id: int) -> Any:
    """An article's newest published comments' vectors, newest first."""
    import numpy as np

    query = (
        select(CommentEmbedding.vector)
        .join(Comment, Comment.id == CommentEmbedding.comment_id)
        .where(
            Comment.article_id == article_id,
            Comment.status == CommentStatus.PUBLISHED,
            CommentEmbedding.model == model,
        )
        .order_by(Comment.decided_at.desc(), Comment.id)
        .limit(DISCUSSION_COMMENTS)
    )
    vectors = [_vector(raw) for raw in session.scalars(query)]
    return np.stack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)


def _wait_briefly_for_locks(session: Session) -> None:
    """On PostgreSQL, give up on a locked row after STORE_LOCK_TIMEOUT, for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{STORE_LOCK_TIMEOUT}'"))


def _vector(raw: bytes) -> Any:
    import numpy as np

    return np.frombuffer(raw, dtype=np.float32)


def _bytes(vector: Any) -> bytes:
    return bytes(vector.astype("float32").tobytes())
