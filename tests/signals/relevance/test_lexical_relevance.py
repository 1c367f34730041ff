import os
from pathlib import Path

import pytest

from moderation.comments.demo import DEMO_ARTICLE, DEMO_COMMENTS
from moderation.signals.base import ScoringInput
from moderation.signals.relevance.scorer import RelevanceScorer
from moderation.signals.text import content_terms, fold_accents, rarity, stem, words

DEMO = {c.key: c.body for c in DEMO_COMMENTS}


def score(text: str, parent: str | None = None) -> dict[str, float]:
    item = ScoringInput(
        "c", text, DEMO_ARTICLE["title"], DEMO_ARTICLE["body"], DEMO_ARTICLE["section"], parent
    )
    return RelevanceScorer(None, None).score_batch([item])[0].scores


def test_words_fold_case_accents_and_curly_apostrophes() -> None:
    assert words("Zürich\u2019s CAFÉ, don't!") == ["zurich's", "cafe", "don't"]
    assert fold_accents("ÀÉÎ") == "aei"


def test_stems_match_common_inflections() -> None:
    assert stem("russians") == stem("russian")
    assert stem("talks") == stem("talking") == "talk"
    assert content_terms("The Minister's visit") == {"minist", "visit"}


def test_rare_words_weigh_more_than_common_ones() -> None:
    assert rarity("mullah") > rarity("pakistan") > rarity("talk") > rarity("the")


def test_a_comment_about_the_article_scores_above_one_about_something_else() -> None:
    on_topic, off_topic = score(DEMO["fine"])["on_topic"], score(DEMO["off-topic"])["on_topic"]
    assert on_topic > 0.5
    assert off_topic < 0.05


def test_a_reply_is_scored_against_its_parent_too() -> None:
    parent = "Lentil soup needs cumin, garlic and a squeeze of lemon at the end."
    reply = "Cumin and lemon in lentil soup? Garlic I understand, but lemon sounds odd."
    scores = score(reply, parent=parent)
    assert scores["parent"] > 0.5 > scores["article"]
    assert scores["on_topic"] == scores["parent"]


@pytest.mark.parametrize("text", ["Agreed.", "lol", "!!!"])
def test_short_comments_carry_low_confidence(text: str) -> None:
    item = ScoringInput("c", text, "Title", "Body text about trade.", None, None)
    assert RelevanceScorer(None, None).score_batch([item])[0].details["confidence"] < 0.5


def _seed_file() -> Path | None:
    folder = Path(os.environ.get("MODQ_SEED_DIR", Path(__file__).parents[4] / "shared" / "seed"))
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    return files[0] if files else None


@pytest.mark.skipif(_seed_file() is None, reason="the seed thread is not on this machine")
def test_the_seed_thread_separates_from_an_unrelated_comment() -> None:
    # The seed (real article and reader comments) is read at test time, never copied here.
    text = _seed_file().read_text()  # type: ignore[union-attr]
    article, comments = text.split("COMMENTS (")
    title = article.strip().splitlines()[0]
    first_comment = comments.split("| Reply")[1].rsplit("\n\n", 1)[0]

    def against_seed(comment: str) -> float:
        item = ScoringInput("c", comment, title, article, None, None)
        return RelevanceScorer(None, None).score_batch([item])[0].scores["on_topic"]

    assert against_seed(first_comment) > 0.05 > against_seed(DEMO["off-topic"])
