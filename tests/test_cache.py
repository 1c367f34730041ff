from moderation.cache import Recent
from tests.support.recording import Clock


def test_recent_forgets_what_is_older_than_its_seconds() -> None:
    clock = Clock()
    kept: Recent[str, int] = Recent(items=10, seconds=5, clock=clock)
    kept.put("a", 1)
    clock.now = 4.9
    assert kept.get("a") == 1
    clock.now = 5.0
    assert kept.get("a") is None


def test_recent_keeps_the_most_recently_used_items() -> None:
    kept: Recent[str, int] = Recent(items=2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "b" is now the least recently used
    kept.put("c", 3)
    assert kept.get("b") is None
    assert kept.items() == [("a", 1), ("c", 3)]
    assert len(kept) == 2
