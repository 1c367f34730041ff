"""Comments' stored embeddings: storing them never holds up scoring."""

from __future__ import annotations

import os

import numpy as np
import pytest
import sqlalchemy as sa

from moderation.db import make_engine, make_session_factory
from moderation.signals.relevance.comment_vectors import DatabaseComments
from tests.support import factories
from tests.support.schema import fresh_postgres_database


@pytest.mark.postgres
def test_a_locked_comment_row_leaves_its_vector_unstored_instead_of_waiting() -> None:
    # Storing a vector checks that its comment exists, which waits for whoever holds the
    # comment's row (a decision in progress, a moderator's claim); the scorer must not wait
    # with it. A database of its own: the rows are committed and seen by two connections.
    with fresh_postgres_database(f"modq_test_vectors_{os.getpid()}") as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with sessions() as session:
            factories.article(session)
            comment_id = factories.comment(session).id
        store, vector = DatabaseComments(sessions), np.full(4, 0.5, dtype=np.float32)
        with engine.connect() as holder:
            holder.execute(
                sa.text("SELECT id FROM comments WHERE id = :id FOR UPDATE"), {"id": comment_id}
            )
            store.keep("model", {comment_id: vector})
            assert store.stored("model", [comment_id]) == {}
            holder.rollback()
        store.keep("model", {comment_id: vector})
        assert list(store.stored("model", [comment_id])) == [comment_id]
        engine.dispose()
