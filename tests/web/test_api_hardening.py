"""The intake API against a stranger: odd input is a 4xx naming the field, and a status URL
or a thread shows only what is public."""

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action
from moderation.models import Comment
from tests.conftest import make_settings
from tests.web.test_api import _publish, comment
from web import create_app

# ---- issue 10, finding 7: odd input is a 4xx naming the field, never a 500 -------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # Python refuses to turn more than 4,300 digits into an int: this was a 500.
        (
            '{"article_id": %s, "author": {"id": "u", "name": "R"}, "body": "Hi."}' % ("9" * 5000),
            "article_id",
        ),
        # A number skipped the 200-character limit of ids.
        (
            '{"article_id": "a1", "author": {"id": %s, "name": "R"}, "body": "Hi."}' % ("7" * 250),
            "author.id",
        ),
    ],
)
def test_a_long_numeric_id_is_a_422_naming_it(
    client: FlaskClient, article: str, raw: str, field: str
) -> None:
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "at most 200 characters" in response.get_json()["fields"][field]


@pytest.mark.parametrize("query", ["page=²", "per_page=²", "page=\u0661", "page=" + "9" * 5000])
def test_odd_digits_in_pagination_are_a_422_naming_the_parameter(
    client: FlaskClient, article: str, query: str
) -> None:
    response = client.get(f"/api/v1/articles/a1/comments?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {query.split("=")[0]}


@pytest.mark.parametrize(
    "invisible", ["\u200b\u200b\u200b", "\u200d\ufeff\u2060", "\u3164\u2800", "\u0301\u200c \n"]
)
def test_a_body_of_invisible_characters_is_refused_as_empty(
    client: FlaskClient, article: str, invisible: str
) -> None:
    response = client.post("/api/v1/comments", json=comment(body=invisible))
    assert response.status_code == 422
    assert "invisible" in response.get_json()["fields"]["body"]


# ---- issue 10, finding 1: a status URL shows only the status and the public reasons ----------


def _decide_by_policy(app: Flask, comment_id: str, reasons: list[dict[str, str]]) -> None:
    """Store a policy rejection whose reasons carry moderators' details, as the pipeline does."""
    from moderation.models import Decision

    with app.extensions["modq"].session_factory() as session:
        session.get(Comment, comment_id).status = "rejected"  # type: ignore[union-attr]
        session.add(Decision(comment_id=comment_id, action="reject", reasons=reasons))
        session.commit()


PRIVATE_REASONS = [
    {
        "code": "banned_word",
        "message": "Uses idiot (listed: reject)",
        "public": "Your comment uses a word that is not allowed here.",
    },
    {
        "code": "check_failed",
        "message": "detoxify failed: OperationalError at redis://:hunter2@cache:6379/0",
        "public": "A moderator will check this comment, as an automatic check did not run.",
    },
]


def test_a_status_url_shows_no_private_text(app: Flask, client: FlaskClient, article: str) -> None:
    comment_id = client.post(
        "/api/v1/comments",
        json=comment(body="You idiot, secret body", author={"id": "u-77", "name": "Mallory"}),
    ).get_json()["id"]
    _decide_by_policy(app, comment_id, PRIVATE_REASONS)
    status = client.get(f"/api/v1/comments/{comment_id}").get_json()
    assert status["status"] == "rejected"
    assert status["reasons"] == [
        {"code": "banned_word", "message": "Your comment uses a word that is not allowed here."},
        {
            "code": "check_failed",
            "message": "A moderator will check this comment, as an automatic check did not run.",
        },
    ]
    text = str(status)
    for private in ("secret body", "Mallory", "u-77", "idiot", "hunter2", "OperationalError"):
        assert private not in text


def test_a_moderators_note_stays_private(app: Flask, client: FlaskClient, article: str) -> None:
    from moderation import accounts

    comment_id = client.post("/api/v1/comments", json=comment()).get_json()["id"]
    with app.extensions["modq"].session_factory() as session:
        session.get(Comment, comment_id).status = "review"  # type: ignore[union-attr]
        session.commit()
        carol = accounts.create_moderator(session, "carol", "password-of-carol")
        decide_as_moderator(session, comment_id, carol, Action.REJECT, "generalises about a group")
    status = client.get(f"/api/v1/comments/{comment_id}").get_json()
    assert status["reasons"] == [
        {"code": "moderator", "message": "A moderator decided on your comment."}
    ]
    assert "generalises" not in str(status) and "carol" not in str(status)


def test_a_published_thread_shows_names_not_reader_ids(
    app: Flask, client: FlaskClient, article: str
) -> None:
    comment_id = client.post(
        "/api/v1/comments", json=comment(author={"id": "reader@example.org", "name": "Reader"})
    ).get_json()["id"]
    _publish(app, comment_id)
    thread = client.get("/api/v1/articles/a1/comments").get_json()["comments"][0]
    assert thread["author"] == {"name": "Reader"}
    assert "reader@example.org" not in str(thread)


@pytest.mark.parametrize(
    "path", ["/api/v1/comments/a%00b", "/api/v1/articles/a%00b", "/api/v1/articles/a%00b/comments"]
)
def test_a_nul_in_a_path_id_is_a_422_on_postgresql(
    postgres_url: str, tmp_path: Path, path: str
) -> None:
    # PostgreSQL refuses NUL characters in a query with an error (a 500), not with a miss.
    app = create_app(make_settings(tmp_path, database_url=postgres_url))
    response = app.test_client().get(path)
    app.extensions["modq"].engine.dispose()
    assert response.status_code == 422
    assert "NUL" in next(iter(response.get_json()["fields"].values()))
