"""Intake's memory of article ids: right, short-lived, bounded, and never of unknown ids."""

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from moderation.comments.articles import ArticleLookup
from tests.support import factories
from tests.support.recording import Clock, statements


@pytest.fixture
def queries(any_session: Session) -> Iterator[list[str]]:
    """Article lookups sent to the database (the test's savepoints left out)."""
    with statements(any_session.get_bind(), "FROM articles") as seen:
        yield seen


def test_an_article_is_looked_up_once_while_remembered(
    any_session: Session, queries: list[str]
) -> None:
    article = factories.article(any_session, "a1")
    queries.clear()
    clock = Clock()
    lookup = ArticleLookup(seconds=30, clock=clock)
    first = lookup.find(any_session, "a1")
    assert first is not None and (first.id, first.site_id) == (article.id, article.site_id)
    clock.now = 29
    assert lookup.find(any_session, "a1") == first
    assert len(queries) == 1
    clock.now = 60
    assert lookup.find(any_session, "a1") == first
    assert len(queries) == 2, "looked up again once the time was up"


def test_unknown_ids_are_not_remembered(any_session: Session) -> None:
    lookup = ArticleLookup()
    assert lookup.find(any_session, "later") is None
    factories.article(any_session, "later")
    assert lookup.find(any_session, "later") is not None


def test_the_memory_keeps_the_most_recently_used_articles_only(
    any_session: Session, queries: list[str]
) -> None:
    for n in range(4):
        factories.article(any_session, f"a{n}")
    lookup = ArticleLookup(items=2)
    for external_id in ("a0", "a1", "a0", "a2", "a3"):
        lookup.find(any_session, external_id)
    assert len(lookup) == 2
    queries.clear()
    lookup.find(any_session, "a3")
    lookup.find(any_session, "a2")
    assert queries == []
    lookup.find(any_session, "a0")
    assert len(queries) == 1, "a0 was forgotten"
