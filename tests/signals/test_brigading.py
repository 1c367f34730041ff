import redis

from moderation.kinds import SignalState
from moderation.redis_client import fail_fast
from moderation.signals.base import ScoringInput
from moderation.signals.brigading import BrigadingScorer, signature, signature_similarity

CAMPAIGN = (
    "The minister must resign today because the energy deal betrays every citizen of "
    "this country and the talks are a disgrace"
)


def item(comment_id: str, author: str, text: str) -> ScoringInput:
    return ScoringInput(comment_id, text, "T", "B", author_id=author)


def test_edited_copies_stay_similar_and_unrelated_text_does_not() -> None:
    original = signature(CAMPAIGN)
    edited = signature(CAMPAIGN.replace("today", "now"))
    unrelated = signature("A recipe for banana bread with walnuts and a little cinnamon on top")
    assert signature_similarity(original, signature(CAMPAIGN)) == 1.0
    assert signature_similarity(original, edited) > 0.6
    assert signature_similarity(original, unrelated) < 0.2
    assert signature("Agreed, well said.") is None


def test_copies_across_authors_are_counted(redis_client: redis.Redis) -> None:
    scorer = BrigadingScorer(redis_client)
    first = scorer.score_batch([item("c1", "alice", CAMPAIGN)])[0]
    assert first.scores["other_authors"] == 0.0
    again = scorer.score_batch(
        [
            item("c2", "bob", CAMPAIGN.replace("today", "now")),
            item("c3", "carol", CAMPAIGN),
            item(
                "c4",
                "alice",
                "Nothing like the others, about gardening and rain in the spring this year",
            ),
        ]
    )
    assert [s.scores["other_authors"] for s in again] == [2.0, 2.0, 0.0]
    assert "c1" in again[0].details["similar_comments"]


def test_an_unreachable_redis_is_a_failed_signal_not_a_crash() -> None:
    scorer = BrigadingScorer(fail_fast("redis://127.0.0.1:1/0", timeout=0.2))
    [signal] = scorer.score_batch([item("c1", "alice", CAMPAIGN)])
    assert signal.state is SignalState.FAILED
    assert scorer.health().state == "unavailable"
