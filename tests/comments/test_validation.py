from typing import Any

import pytest

from moderation.comments.validation import ValidationError, parse_article, parse_comment

GOOD = {"article_id": "a1", "author": {"id": "u1", "name": "Reader"}, "body": "Fine words."}


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_a_good_comment_is_read() -> None:
    submission = parse_comment(with_(parent_id="p1"), max_body_chars=100)
    assert (submission.article_id, submission.parent_id, submission.author_id) == ("a1", "p1", "u1")
    assert submission.author_name == "Reader"


def test_numeric_ids_are_read_as_text() -> None:
    submission = parse_comment(with_(article_id=42, author={"id": 7, "name": "N"}), 100)
    assert (submission.article_id, submission.author_id) == ("42", "7")


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"author": {"id": "u", "name": "n"}, "body": "x"}, "article_id", "is required"),
        (with_(body="   \n\t"), "body", "must not be empty or only whitespace"),
        (with_(body=""), "body", "must not be empty"),
        (with_(body=12), "body", "must be a string, not a number"),
        (with_(body="x" * 101), "body", "must be at most 100 characters (got 101)"),
        (with_(body="nul\x00byte"), "body", "must not contain NUL characters"),
        (with_(body="half \ud800 pair"), "body", "unpaired surrogate"),
        (with_(author="u1"), "author", "must be an object, not str"),
        (with_(author={"id": "u1"}), "author.name", "is required"),
        (with_(author={"id": True, "name": "n"}), "author.id", "must be a string, not a boolean"),
        (with_(parent_id=["p"]), "parent_id", "must be a string, not an array"),
        (with_(article_id="a" * 201), "article_id", "at most 200 characters"),
    ],
)
def test_each_bad_field_is_named(payload: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_comment(payload, max_body_chars=100)
    assert message in raised.value.fields[field]


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_comment({"body": " "}, max_body_chars=100)
    assert set(raised.value.fields) == {"article_id", "author", "body"}


@pytest.mark.parametrize("payload", [[], "text", 3, None])
def test_the_document_must_be_an_object(payload: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_comment(payload, max_body_chars=100)
    assert "must be a JSON object" in raised.value.fields["body"]


def test_an_article_needs_title_url_and_body() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_article({"url": "ftp://example.org/x", "section": 5})
    assert raised.value.fields == {
        "title": "is required",
        "body": "is required",
        "section": "must be a string, not a number",
        "url": "must be an absolute http or https URL",
    }


def test_a_good_article_is_read() -> None:
    article = parse_article({"title": "T", "url": "https://example.org/a", "body": "B"})
    assert (article.title, article.url, article.body, article.section) == (
        "T",
        "https://example.org/a",
        "B",
        None,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "\u200b" * 40}, "body"),
        ({"author": {"id": "u1", "name": "\u200b\u3164"}}, "author.name"),
        ({"author": {"id": "\u2060", "name": "N"}}, "author.id"),
        ({"article_id": "\ufeff"}, "article_id"),
    ],
)
def test_invisible_text_counts_as_empty(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_comment(with_(**changes), max_body_chars=100)
    assert "invisible characters" in raised.value.fields[field]


@pytest.mark.parametrize("text", ["a\u200bb", "\u200b!", "😀", "\u0301e", "\u0661"])
def test_text_with_something_visible_is_kept(text: str) -> None:
    assert parse_comment(with_(body=text), max_body_chars=100).body == text


def test_a_numeric_id_is_length_checked_like_text() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_comment(with_(author={"id": 10**250, "name": "N"}), max_body_chars=100)
    assert raised.value.fields["author.id"] == "must be at most 200 characters (got 251)"
