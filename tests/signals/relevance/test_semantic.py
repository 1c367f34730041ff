"""The semantic on-topic check with the real all-MiniLM-L6-v2 model."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.demo import DEMO_ARTICLE, DEMO_COMMENTS
from moderation.signals.base import ScoringInput
from moderation.signals.relevance.article_vectors import (
    DatabaseStore,
    MemoryStore,
    article_key,
    passages_of,
)
from moderation.signals.relevance.embeddings import EmbeddingUnavailable, load_embedder
from moderation.signals.relevance.scorer import RelevanceScorer
from moderation.signals.relevance.vector_rows import ArticleVectorsRow
from moderation.signals.text import language

DEMO = {c.key: c.body for c in DEMO_COMMENTS}
OTHER_ARTICLES = [
    ("Storm brings flooding to coastal towns", "Heavy rain flooded streets and closed schools."),
    ("Football club sacks manager after defeats", "The club lost six matches in a row."),
    ("New smartphone launched with larger battery", "The phone costs more than last year's."),
    ("Central bank raises interest rates again", "Inflation remains above the target."),
    ("Museum opens exhibition of medieval maps", "Visitors can see maps from the 1300s."),
    ("Hospital waiting lists grow longer", "Patients wait months for operations."),
    ("City council approves new bike lanes", "Cyclists welcomed the vote on Tuesday."),
    ("Wildfire forces evacuation of villages", "Firefighters battled the blaze overnight."),
    ("Film festival announces its winners", "The jury praised a documentary about miners."),
    ("University fees to rise next year", "Students protested outside parliament."),
    ("Chess champion defends title", "The final game lasted seven hours."),
]


def item(
    text: str,
    parent: str | None = None,
    title: str = DEMO_ARTICLE["title"],
    body: str = DEMO_ARTICLE["body"],
) -> ScoringInput:
    return ScoringInput("c", text, title, body, None, parent)


@pytest.fixture
def scorer(embedder: Any) -> Iterator[RelevanceScorer]:
    store = MemoryStore()
    for title, body in OTHER_ARTICLES:  # background: other recent articles
        store.vectors(embedder, title, None, body)
    yield RelevanceScorer(lambda: embedder, store)


def test_a_comment_about_the_article_outscores_one_about_something_else(
    scorer: RelevanceScorer,
) -> None:
    fine, off = scorer.score_batch([item(DEMO["fine"]), item(DEMO["off-topic"])])
    assert fine.details["method"] == "semantic"
    assert fine.scores["on_topic"] > off.scores["on_topic"] + 0.3
    assert fine.details["article_z"] > 2 > off.details["article_z"]
    assert fine.details["background_articles"] == len(OTHER_ARTICLES)
    assert "energy" in fine.details["best_passage"].lower()


def test_a_reply_that_answers_its_parent_is_on_topic_without_the_articles_words(
    scorer: RelevanceScorer,
) -> None:
    parent = "Lentil soup needs cumin, garlic and a squeeze of lemon at the end."
    reply = "Cumin and lemon in lentil soup? Garlic I understand, but lemon sounds odd to me."
    [signal] = scorer.score_batch([item(reply, parent=parent)])
    assert signal.scores["parent"] > signal.scores["article"]
    assert signal.details["compared_with"] == "parent"
    assert signal.scores["on_topic"] == signal.scores["parent"]


def test_article_vectors_are_computed_once_per_version(
    embedder: Any, session_factory: sessionmaker[Session], session: Session
) -> None:
    store = DatabaseStore(session_factory)
    first = store.vectors(embedder, "Title", None, "Body one.")
    again = DatabaseStore(session_factory).vectors(embedder, "Title", None, "Body one.")
    edited = store.vectors(embedder, "Title", None, "Body two.")
    assert again.key == first.key != edited.key
    assert (again.vectors == first.vectors).all()
    count = session.scalar(select(func.count()).select_from(ArticleVectorsRow))
    assert count == 2
    assert first.key == article_key("Title", None, "Body one.", embedder.name)


def test_passages_are_the_title_then_pieces_of_paragraphs() -> None:
    body = "First paragraph.\n\n" + " ".join(["word"] * 170)
    assert passages_of("T", "World", body) == [
        "T (World)",
        "First paragraph.",
        " ".join(["word"] * 80),
        " ".join(["word"] * 80),
        " ".join(["word"] * 10),
    ]


def test_without_the_model_the_scorer_falls_back_to_words() -> None:
    def broken() -> Any:
        raise EmbeddingUnavailable("no weights here")

    scorer = RelevanceScorer(broken, MemoryStore())
    [signal] = scorer.score_batch([item(DEMO["fine"])])
    assert signal.details["method"] == "lexical"
    assert "no weights here" in signal.details["note"]
    assert scorer.health().state == "unavailable"


def test_the_bundled_model_reads_the_first_96_tokens(embedder: Any) -> None:
    opening = " ".join(["pipeline"] * 100)  # more than 96 tokens, fewer than 128
    same_start = embedder.encode([opening, f"{opening} football cricket tennis"])
    assert float(same_start[0] @ same_start[1]) > 0.9999
    within = " ".join(["pipeline"] * 80)
    read = embedder.encode([within, f"{within} football cricket tennis"])
    assert float(read[0] @ read[1]) < 0.9999


def test_a_tampered_bundled_model_is_refused(tmp_path: Any) -> None:
    with pytest.raises(EmbeddingUnavailable, match="not a sentence-transformers model folder"):
        load_embedder(str(tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ministers discussed energy and trade in Athens this week.", "en"),
        ("Los ministros hablaron de energía y comercio en Atenas esta semana.", "es"),
        ("Die Minister sprachen diese Woche in Athen über Energie und Handel.", "de"),
        ("Министры обсудили энергетику и торговлю в Афинах.", "other"),
        ("Agreed.", "unknown"),
    ],
)
def test_language_is_recognised(text: str, expected: str) -> None:
    assert language(text)[0] == expected


def test_the_language_is_reported_for_the_policy(scorer: RelevanceScorer) -> None:
    [signal] = scorer.score_batch(
        [item("Los ministros hablaron de energía y comercio en Atenas esta semana, por fin.")]
    )
    assert signal.details["language"] == "es"
