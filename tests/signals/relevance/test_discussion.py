"""Evidence from the discussion, thin articles and stored embeddings, with the real MiniLM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.validation import ArticleData
from moderation.db import utcnow
from moderation.decisions.pending import pending
from moderation.kinds import CommentStatus
from moderation.models import Comment
from moderation.policy.checks import relevance_reasons
from moderation.policy.document import Policy
from moderation.policy.reader import load
from moderation.signals.base import ScoringInput, SignalResult
from moderation.signals.relevance.article_vectors import DatabaseStore, MemoryStore
from moderation.signals.relevance.comment_vectors import DatabaseComments
from moderation.signals.relevance.models import CommentEmbedding
from moderation.signals.relevance.scorer import RelevanceScorer
from tests.signals.relevance.test_semantic import OTHER_ARTICLES
from tests.support import factories

POLICY = load()
LINE = load("on_topic: {min: 0.25}")  # a line the reply falls under on the article's words alone
THIN = ("Foreign minister visits Athens", "The minister will discuss energy and trade.")
OFF_TOPIC = [
    "Does anyone have a good recipe for banana bread with walnuts and brown sugar?",
    "My football club lost again on Saturday, the manager has to go before the derby.",
    "The new phone's battery lasts two days, but the camera is worse than last year's.",
]
DRIFTED = [  # a discussion that moved from the article's words to the minister's interview
    "Did anyone see her interview on the evening news last night? The presenter was rude.",
    "That television interview was a disaster, she could not finish a single sentence.",
    "The presenter kept interrupting her, the worst interview I have seen on that channel.",
    "I watched the interview twice and the host was clearly trying to trip her up.",
    "She handled the hostile questions on the news programme better than I expected.",
    "Television interviews like that one are why nobody trusts the evening news anymore.",
]
ELSEWHERE = {
    "Football club sacks manager": [
        "About time the manager went, six defeats in a row is a disgrace for this club.",
        "The players stopped running for him months ago, the board waited far too long.",
        "Whoever comes next needs a new striker, we cannot score from open play.",
        "The fans chanted against the owner all second half on Saturday.",
        "Relegation is a real risk now, the next three matches decide the season.",
        "Sacking managers every year is why the club has no plan and no youth players.",
    ],
    "Museum opens exhibition of medieval maps": [
        "The maps from the 1300s are stunning, the colours still look fresh.",
        "I queued an hour to see the exhibition but the old charts were worth it.",
        "Fascinating how medieval mapmakers drew the coastlines from sailors' stories.",
        "The museum should keep the exhibition open longer, it is always full.",
        "My children loved the sea monsters drawn in the corners of the old maps.",
        "Tickets are too expensive for families, museums should be free.",
    ],
}
REPLY = "Ha, the presenter interrupted her every ten seconds during that interview on the news."


class CountingEmbedder:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, real: Any) -> None:
        self.real, self.name, self.texts = real, real.name, list[str]()

    def encode(self, texts: Sequence[str]) -> Any:
        self.texts += texts
        return self.real.encode(texts)

    @property
    def dimensions(self) -> int:
        return int(self.real.dimensions)


def off_topic(signal: SignalResult, policy: Policy = POLICY) -> bool:
    return any(r.code == "off_topic" for r in relevance_reasons(signal, policy))


@pytest.fixture
def memory_scorer(embedder: Any) -> RelevanceScorer:
    store = MemoryStore()
    for title, body in OTHER_ARTICLES:
        store.vectors(embedder, title, None, body)
    return RelevanceScorer(lambda: embedder, store)


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_a_thin_article_never_yields_a_confident_off_topic_call(
    memory_scorer: RelevanceScorer, text: str
) -> None:
    [thin] = memory_scorer.score_batch([ScoringInput("c", text, *THIN)])
    full = ScoringInput("c", text, factories.ARTICLE.title, factories.ARTICLE.body)
    [long] = memory_scorer.score_batch([full])
    assert thin.details["evidence"]["comment"] >= POLICY.on_topic.min_confidence
    assert thin.details["confidence"] < POLICY.on_topic.min_confidence
    assert not off_topic(thin)
    assert off_topic(long), "the same comment under a full article is called off-topic"


@pytest.fixture
def site(
    embedder: Any, session_factory: sessionmaker[Session], session: Session
) -> tuple[CountingEmbedder, RelevanceScorer]:
    """A site on SQLite: the article, two other discussed articles, a scorer storing vectors."""
    counting = CountingEmbedder(embedder)
    scorer = RelevanceScorer(
        lambda: counting, DatabaseStore(session_factory), DatabaseComments(session_factory)
    )
    factories.article(session)
    for n, (title, texts) in enumerate(ELSEWHERE.items()):
        data = ArticleData(title, f"https://e.org/{n}", " ".join(texts[:2]), None)
        factories.article(session, f"other-{n}", data)
        publish(session, scorer, [factories.comment(session, t, f"other-{n}") for t in texts])
    return counting, scorer


def publish(session: Session, scorer: RelevanceScorer, comments: list[Comment]) -> None:
    """Score the comments as a worker would (storing their vectors), then publish them."""
    ids = [c.id for c in comments]
    scorer.score_batch([p.input for p in pending(session, ids)])
    session.execute(
        update(Comment)
        .where(Comment.id.in_(ids))
        .values(status=CommentStatus.PUBLISHED, decided_at=utcnow())
    )
    session.commit()


def score(session: Session, scorer: RelevanceScorer, comment: Comment) -> SignalResult:
    [signal] = scorer.score_batch([p.input for p in pending(session, [comment.id])])
    return signal


def test_a_reply_close_to_published_siblings_is_on_topic(
    session: Session, site: tuple[CountingEmbedder, RelevanceScorer]
) -> None:
    _, scorer = site
    before = score(session, scorer, factories.comment(session, REPLY))
    publish(session, scorer, [factories.comment(session, t, author_id="u3") for t in DRIFTED])
    after = score(session, scorer, factories.comment(session, REPLY))
    assert off_topic(before, LINE), "far from the article's words, and no discussion yet"
    assert not off_topic(after, LINE)
    assert after.details["discussion"]["siblings"] == len(DRIFTED)
    assert after.details["discussion"]["close_to"] >= 3
    assert after.scores["discussion"] > 0
    assert after.details["confidence"] >= POLICY.on_topic.min_confidence


def test_a_comment_close_to_another_discussion_scores_lower_than_it_would_alone(
    session: Session, site: tuple[CountingEmbedder, RelevanceScorer]
) -> None:
    _, scorer = site
    publish(session, scorer, [factories.comment(session, t, author_id="u3") for t in DRIFTED])
    misplaced = "Sacking the manager after six defeats was right, the players gave up on him."
    signal = score(session, scorer, factories.comment(session, misplaced))
    assert signal.scores["discussion"] < 0
    assert signal.scores["on_topic"] < signal.scores["article"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_embeddings_are_stored_and_a_reply_does_not_embed_its_parent_again(
    embedder: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    factory_name = "session_factory" if backend == "sqlite" else "pg_session_factory"
    sessions: sessionmaker[Session] = request.getfixturevalue(factory_name)
    counting = CountingEmbedder(embedder)
    scorer = RelevanceScorer(lambda: counting, DatabaseStore(sessions), DatabaseComments(sessions))
    session = sessions()
    factories.article(session)
    opener = factories.comment(session, "Energy cooperation with Athens makes sense.")
    parent = factories.comment(session, "Gas exploration should come first.", parent_id=opener.id)
    score(session, scorer, opener)
    score(session, scorer, parent)
    score(session, scorer, parent)  # a second delivery stores nothing twice
    counting.texts.clear()
    reply = factories.comment(
        session, "Exploration costs billions, cooperation less.", parent_id=parent.id
    )
    signal = score(session, scorer, reply)
    assert counting.texts == [reply.body], "the parent's and the opener's vectors are reused"
    assert "parent" in signal.scores
    stored = select(func.count()).select_from(CommentEmbedding)
    assert (
        session.scalar(
            stored.where(CommentEmbedding.comment_id.in_([opener.id, parent.id, reply.id]))
        )
        == 3
    )
    session.close()


def test_a_discussion_longer_than_the_text_cache_is_still_stacked_whole() -> None:
    import numpy as np

    from moderation.signals.relevance.batch_vectors import TextCache, newest_first

    class Counting:
        def encode(self, texts: list[str]) -> Any:
            return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    rows = newest_first(Counting(), TextCache(1), ["a", "bb", "ccc"])  # type: ignore[arg-type]
    assert rows[:, 0].tolist() == [3.0, 2.0, 1.0]
