from moderation.models import Signal
from web.presenters.highlight import marked_spans, segments


def test_segments_cover_the_text_and_merge_overlaps() -> None:
    text = "you are a stupid idiot"
    spans = [(10, 16, "model"), (12, 22, "word-reject"), (0, 3, "word-flag")]
    assert segments(text, sorted(spans)) == [
        ("you", "word-flag"),
        (" are a ", None),
        ("stupid", "model"),
        (" idiot", "word-reject"),
    ]
    assert "".join(p for p, _ in segments(text, sorted(spans))) == text


def test_spans_come_from_the_model_and_the_word_list() -> None:
    detox = Signal(scorer="detoxify", details={"spans": [{"start": 4, "end": 9}]})
    words = Signal(
        scorer="words", details={"matches": [{"start": 0, "end": 3, "action": "review"}]}
    )
    assert marked_spans([detox, words]) == [(0, 3, "word-review"), (4, 9, "model")]
