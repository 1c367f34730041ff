"""The API and verified readers: a comment in the name of the token's reader only; keyless
comments need a token unless the site takes anonymous ones; the pre-check; /demo."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from moderation.comments.demo import DEMO_ARTICLE, DEMO_ARTICLE_ID
from moderation.models import Comment
from moderation.readers.tokens import read_token
from moderation.signals.words.lists import add_word
from tests.conftest import site_client
from tests.support.readers import reader_token, stored, the_site, with_article
from tests.support.workspace import script_post

COMMENT = {"article_id": "a1", "author": {"id": "ana", "name": "Ana"}, "body": "On energy."}


def test_a_comment_with_a_reader_token_must_be_by_that_reader(app: Flask) -> None:
    with_article(app)
    client = site_client(app)
    token = {"Reader-Token": reader_token(app, "ana")}
    assert client.post("/api/v1/comments", json=COMMENT, headers=token).status_code == 202
    as_ben = {**COMMENT, "author": {"id": "ben", "name": "Ben"}}
    refused = client.post("/api/v1/comments", json=as_ben, headers=token)
    assert refused.status_code == 403 and refused.get_json()["error"] == "reader_mismatch"
    expired = {"Reader-Token": reader_token(app, "ana", exp=1_000_000_000)}
    assert client.post("/api/v1/comments", json=COMMENT, headers=expired).status_code == 401
    assert [c.author_id for c in stored(app)] == ["ana"]


def test_keyless_comments_need_a_reader_token_unless_anonymous_is_on(
    app: Flask, anonymous: FlaskClient
) -> None:
    with_article(app)
    the_site(app, open_intake=True, origins=["https://gazette.example"])
    origin = {"Origin": "https://gazette.example"}
    without = anonymous.post("/api/v1/comments", json=COMMENT, headers=origin)
    assert without.status_code == 401 and without.get_json()["error"] == "reader_unauthorized"
    token = {**origin, "Reader-Token": reader_token(app, "ana")}
    assert anonymous.post("/api/v1/comments", json=COMMENT, headers=token).status_code == 202
    the_site(app, anonymous_comments=True)
    assert anonymous.post("/api/v1/comments", json=COMMENT, headers=origin).status_code == 202


def test_the_second_thought_is_recorded_from_the_api(app: Flask) -> None:
    with_article(app)
    client = site_client(app)
    body = {**COMMENT, "second_thought": "posted_anyway"}
    assert client.post("/api/v1/comments", json=body).status_code == 202
    bad = client.post("/api/v1/comments", json={**COMMENT, "second_thought": "maybe"})
    assert bad.status_code == 422 and "second_thought" in bad.get_json()["fields"]
    assert stored(app)[0].second_thought == "posted_anyway"


def test_the_precheck_says_whether_a_comment_looks_abusive(
    app: Flask, anonymous: FlaskClient
) -> None:
    with_article(app)
    with app.extensions["modq"].session_factory() as session:
        add_word(session, "idiot", "reject", "test")
    client = site_client(app)
    abusive = client.post("/api/v1/comments/precheck", json={"article_id": "a1", "body": "idiot"})
    assert abusive.get_json() == {
        "abusive": True,
        "message": "Your comment may come across as abusive to other readers: you can edit "
        "it, or post it as it is.",
    }
    fine = client.post("/api/v1/comments/precheck", json={"article_id": "a1", "body": "Fine."})
    assert fine.get_json() == {"abusive": False, "message": None}
    token = {"Reader-Token": reader_token(app, "ana")}
    as_reader = anonymous.post(
        "/api/v1/comments/precheck", json={"article_id": "a1", "body": "Fine."}, headers=token
    )
    assert as_reader.status_code == 200
    refused = anonymous.post("/api/v1/comments/precheck", json={"article_id": "a1", "body": "x"})
    assert refused.status_code == 401
    missing = client.post("/api/v1/comments/precheck", json={"article_id": "a1"})
    assert missing.status_code == 422 and "body" in missing.get_json()["fields"]
    assert stored(app) == []


def test_demo_page_without_and_with_the_demo_article(app: Flask, anonymous: FlaskClient) -> None:
    missing = anonymous.get("/demo")
    assert missing.status_code == 404 and "modq demo load" in missing.get_data(as_text=True)
    site_client(app).put(f"/api/v1/articles/{DEMO_ARTICLE_ID}", json=DEMO_ARTICLE)
    page = anonymous.get("/demo?reader=ben").get_data(as_text=True)
    assert f'data-modq-article="{DEMO_ARTICLE_ID}"' in page and "/static/embed.js" in page
    token = page.split('data-modq-token="', 1)[1].split('"', 1)[0]
    reader = read_token(the_site(app), token)
    assert (reader.id, reader.verified) == ("demo-reader-ben", True)
    unknown = anonymous.get("/demo?reader=ceo").get_data(as_text=True)
    assert "Ana (demo reader)" in unknown  # never a token for a reader someone names


def test_moderators_see_the_readers_second_thought_on_the_card(
    app: Flask, logged_in: FlaskClient
) -> None:
    with_article(app)
    body = {**COMMENT, "body": "Posted after the warning.", "second_thought": "posted_anyway"}
    comment_id = logged_in.post("/api/v1/comments", json=body).get_json()["id"]
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id == comment_id).values(status="review"))
        session.commit()
    card = script_post(logged_in, f"/review/comments/{comment_id}/open").get_json()["card"]
    assert "Warned before posting that it looked abusive, the reader posted it anyway." in card
